package io.vettid.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs an {@link EventHandlerFactory}'s handlers in memory, as the runtime does, without NATS or a
 * vault: feed it events, then look at the outcome of each, the replies, the emitted events and the
 * saved state. For a handler author's unit tests; an end-to-end test still belongs against a real
 * vault.
 *
 * <pre>{@code
 * EventHandlerTestKit kit = EventHandlerTestKit.of(new PollFactory());
 * EventHandlerTestKit.Outcome o = kit.deliver(event);              // one onEvent, as the runtime runs it
 * assertTrue(o.handled());
 * assertEquals(EventType.of("poll.result"), kit.replies().get(0).type());
 * kit.restart();                                                   // handlers gone, saved state kept
 * }</pre>
 *
 * <p>It keeps the runtime's rules: one handler per eventId and connection, created at its first
 * event; its context usable only while {@code onEvent} runs; state, replies, emitted events and
 * {@code finish()} kept only when {@code onEvent} returns (a handler that throws or runs past the
 * factory's {@link EventHandlerFactory#timeout()} leaves nothing, and its event's outcome is
 * quarantined with the runtime's reason: the {@link VettidException}'s, {@code HANDLER_FAILED} or
 * {@code HANDLER_TIMEOUT}); an event of a type the factory does not declare is quarantined ({@code
 * UNKNOWN_EVENT_TYPE}), and so is one whose handler finished ({@code HANDLER_FINISHED}). Not
 * thread-safe: one test drives it.
 */
public final class EventHandlerTestKit implements AutoCloseable {
  /**
   * What became of one delivered event.
   *
   * @param event the event
   * @param reason why it was quarantined, or empty if it was handled
   * @param detail the quarantine's detail (empty when handled)
   */
  public record Outcome(InternalEvent event, Optional<FailureReason> reason, String detail) {
    /** {@return whether the handler took it (its effects were kept)} */
    public boolean handled() {
      return reason.isEmpty();
    }
  }

  /**
   * A reply a handler sent to its connection.
   *
   * @param eventId the eventId of the handler that sent it
   * @param connectionId the connection it goes to
   * @param type its type
   * @param payload its payload
   */
  public record Reply(EventId eventId, ConnectionId connectionId, EventType type, ObjectNode payload) {}

  private record Key(EventId eventId, ConnectionId connectionId) {}

  private final EventHandlerFactory factory;
  private final Map<Key, Context> live = new HashMap<>();
  private final Map<Key, byte[]> committed = new HashMap<>();
  private final Map<Key, Boolean> finished = new HashMap<>();
  private final List<Reply> replies = new ArrayList<>();
  private final List<InternalEvent> emitted = new ArrayList<>();
  private final List<Outcome> outcomes = new ArrayList<>();
  private ExecutorService thread = newThread();

  private EventHandlerTestKit(EventHandlerFactory factory) {
    this.factory = factory;
  }

  /**
   * A test kit for a factory's handlers.
   *
   * @param factory the factory
   * @return the kit
   * @throws IllegalArgumentException if the factory declares no event type or has no name
   */
  public static EventHandlerTestKit of(EventHandlerFactory factory) {
    Objects.requireNonNull(factory, "factory");
    if (factory.name() == null || factory.name().isBlank()) {
      throw new IllegalArgumentException("the factory has no name; rules name handlers by it");
    }
    if (factory.eventTypes() == null || factory.eventTypes().isEmpty()) {
      throw new IllegalArgumentException("factory " + factory.name() + " declares no event type");
    }
    return new EventHandlerTestKit(factory);
  }

  /**
   * Delivers one event to its eventId's handler (created at the eventId's first event), as the
   * runtime does once the owner's rules named this factory.
   *
   * @param event the event
   * @return what became of it (also kept in {@link #outcomes()})
   * @throws InterruptedException if the test's thread is interrupted while the handler runs
   */
  public Outcome deliver(InternalEvent event) throws InterruptedException {
    Objects.requireNonNull(event, "event");
    Outcome o = run(event);
    outcomes.add(o);
    return o;
  }

  private Outcome run(InternalEvent event) throws InterruptedException {
    if (!factory.eventTypes().contains(event.type())) {
      return quarantined(event, FailureReason.UNKNOWN_EVENT_TYPE,
          "handler " + factory.name() + " does not declare " + event.type());
    }
    Key key = new Key(event.eventId(), event.connectionId());
    if (finished.getOrDefault(key, false)) {
      return quarantined(event, FailureReason.HANDLER_FINISHED, "handler " + factory.name() + " already finished");
    }
    Context ctx = live.get(key);
    if (ctx == null) {
      ctx = new Context(key);
      try {
        ctx.handler = factory.create(ctx);
      } catch (RuntimeException e) {
        return quarantined(event, FailureReason.HANDLER_FAILED,
            "handler " + factory.name() + " could not be created: " + e.getClass().getSimpleName());
      }
      if (ctx.handler == null) {
        return quarantined(event, FailureReason.HANDLER_FAILED, "handler " + factory.name() + " created no handler");
      }
      live.put(key, ctx);
    }
    ctx.begin(committed.get(key));
    Context running = ctx;
    Future<?> call = thread.submit(() -> {
      running.handler.onEvent(event);
      return null;
    });
    try {
      call.get(factory.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      ctx.end();
      live.remove(key); // the next event of this eventId runs on a new handler from the committed state
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof VettidException v) {
        return quarantined(event, v.reason(), "handler " + factory.name() + ": " + v.getMessage());
      }
      return quarantined(event, FailureReason.HANDLER_FAILED,
          "handler " + factory.name() + " threw " + cause.getClass().getSimpleName());
    } catch (TimeoutException e) {
      call.cancel(true);
      ctx.end();
      live.remove(key);
      thread.shutdownNow();
      thread = newThread(); // the stuck thread is abandoned, as the runtime does
      return quarantined(event, FailureReason.HANDLER_TIMEOUT,
          "handler " + factory.name() + " ran longer than " + factory.timeout());
    }
    ctx.end();
    if (ctx.working != null) {
      committed.put(key, ctx.working.clone());
    }
    ctx.replies.forEach(r -> replies.add(new Reply(key.eventId(), key.connectionId(), r.type(), r.payload())));
    emitted.addAll(ctx.emitted);
    if (ctx.finished) {
      finished.put(key, true);
      live.remove(key);
    }
    return new Outcome(event, Optional.empty(), "");
  }

  private static Outcome quarantined(InternalEvent event, FailureReason reason, String detail) {
    return new Outcome(event, Optional.of(reason), detail);
  }

  /**
   * As after a restart of the runtime: the live handlers are gone; saved state and finished
   * eventIds are kept, so the next event of an eventId starts a new handler on its saved state.
   */
  public void restart() {
    live.clear();
  }

  /** {@return every reply sent so far, in order} */
  public List<Reply> replies() {
    return List.copyOf(replies);
  }

  /** {@return every event emitted to the vault's own queue so far, in order} */
  public List<InternalEvent> emitted() {
    return List.copyOf(emitted);
  }

  /** {@return the outcome of every event delivered so far, in order} */
  public List<Outcome> outcomes() {
    return List.copyOf(outcomes);
  }

  /**
   * The state an eventId's handler saved (as the store holds it after its last kept event).
   *
   * @param eventId the eventId
   * @param connectionId its connection
   * @return the state, if one was saved
   */
  public Optional<byte[]> state(EventId eventId, ConnectionId connectionId) {
    byte[] s = committed.get(new Key(eventId, connectionId));
    return s == null ? Optional.empty() : Optional.of(s.clone());
  }

  /**
   * Whether an eventId's handler finished.
   *
   * @param eventId the eventId
   * @param connectionId its connection
   * @return true once a kept event's handler called {@code finish()}
   */
  public boolean finished(EventId eventId, ConnectionId connectionId) {
    return finished.getOrDefault(new Key(eventId, connectionId), false);
  }

  /** Stops the handlers' thread. */
  @Override
  public void close() {
    thread.shutdownNow();
  }

  private static ExecutorService newThread() {
    return Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "vettid-handler-testkit");
      t.setDaemon(true);
      return t;
    });
  }

  /** A handler's context: open while its onEvent runs, its effects kept only when that returns. */
  private static final class Context implements EventHandlerContext {
    private record Sent(EventType type, ObjectNode payload) {}

    private final Key key;
    EventHandler handler;
    private volatile boolean open;
    volatile byte[] working;
    volatile boolean finished;
    final List<Sent> replies = new ArrayList<>();
    final List<InternalEvent> emitted = new ArrayList<>();

    Context(Key key) {
      this.key = key;
    }

    synchronized void begin(byte[] state) {
      working = state == null ? null : state.clone();
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
      return key.eventId();
    }

    @Override
    public ConnectionId connectionId() {
      return key.connectionId();
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
      replies.add(new Sent(type, payload.deepCopy()));
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
}
