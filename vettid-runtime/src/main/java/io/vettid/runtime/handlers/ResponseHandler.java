package io.vettid.runtime.handlers;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vettid.api.EventType;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import java.util.Set;

/**
 * Takes the answers to this vault's own requests ({@code profile.response}, {@code
 * contact.response}): keeps the payload as the handler's state, where the application reads it by
 * eventId from the {@code EventHandlers} bucket, and finishes.
 */
public final class ResponseHandler extends BuiltInHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Creates the handler. */
  public ResponseHandler() {}

  @Override
  public String name() {
    return "responses";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(ProfileRequestHandler.RESPONSE, ContactRequestHandler.RESPONSE);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> {
      ctx.saveState(JSON.writeValueAsBytes(event.payload()));
      ctx.finish();
    };
  }
}
