package io.vettid.runtime.internal.handlers;

import static org.apiguardian.api.API.Status.INTERNAL;

import io.vettid.api.EventType;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import java.util.Set;
import org.apiguardian.api.API;

/**
 * Keeps chat messages ({@code chat.message}, payload such as {@code {"text": "hello"}}) in the
 * vault: each message is its own eventId, and the handler saves the event as its state (in the
 * {@code EventHandlers} bucket, encrypted at rest like everything in the vault) and finishes. Like
 * every handler, it runs only where the owner's rules say so, for example
 * {@code {"id": "chat", "eventType": "chat.message", "action": "handle", "handler": "chat"}}.
 */
@API(status = INTERNAL)
public final class ChatHandler extends BuiltInHandler {
  /** A chat message. */
  public static final EventType MESSAGE = EventType.of("chat.message");

  /** Creates the handler. */
  public ChatHandler() {}

  @Override
  public String name() {
    return "chat";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(MESSAGE);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> {
      ctx.saveState(InternalEventCodec.encode(event));
      ctx.finish();
    };
  }
}
