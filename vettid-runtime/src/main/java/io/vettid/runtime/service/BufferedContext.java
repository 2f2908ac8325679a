package io.vettid.runtime.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.EventHandlerContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The context of one handler: open only while its {@code onEvent} runs; it buffers the state,
 * replies, emitted events and finish until the service commits them in the handled-once record.
 */
final class BufferedContext implements EventHandlerContext {
  private final EventId eventId;
  private final ConnectionId connectionId;
  private volatile boolean open;
  volatile byte[] working;
  volatile boolean finished;
  final List<Reply> replies = new ArrayList<>();
  final List<InternalEvent> emitted = new ArrayList<>();

  record Reply(EventType type, ObjectNode payload) {}

  BufferedContext(EventId eventId, ConnectionId connectionId) {
    this.eventId = eventId;
    this.connectionId = connectionId;
  }

  synchronized void begin(byte[] committed) {
    working = committed == null ? null : committed.clone();
    finished = false;
    replies.clear();
    emitted.clear();
    open = true;
  }

  synchronized void end() {
    open = false;
  }

  private void requireOpen() {
    if (!open) {
      throw new IllegalStateException("the handler's context is used outside onEvent");
    }
  }

  @Override
  public EventId eventId() {
    return eventId;
  }

  @Override
  public ConnectionId connectionId() {
    return connectionId;
  }

  @Override
  public Optional<byte[]> loadState() {
    byte[] w = working;
    return w == null ? Optional.empty() : Optional.of(w.clone());
  }

  @Override
  public synchronized void saveState(byte[] state) {
    Objects.requireNonNull(state, "state");
    requireOpen();
    working = state.clone();
  }

  @Override
  public synchronized void reply(EventType type, ObjectNode payload) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
    requireOpen();
    replies.add(new Reply(type, payload.deepCopy()));
  }

  @Override
  public synchronized void emit(InternalEvent event) {
    Objects.requireNonNull(event, "event");
    requireOpen();
    emitted.add(event);
  }

  @Override
  public synchronized void finish() {
    requireOpen();
    finished = true;
  }
}
