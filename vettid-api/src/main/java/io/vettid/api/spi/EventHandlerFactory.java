package io.vettid.api.spi;

import io.vettid.api.EventType;
import java.time.Duration;
import java.util.Set;

/**
 * Creates {@link EventHandler}s for the event types it declares. Found with {@link
 * java.util.ServiceLoader} ({@code META-INF/services/io.vettid.api.spi.EventHandlerFactory}) or
 * registered explicitly; rules name a factory by {@link #name()}.
 *
 * <pre>{@code
 * final class Echo implements EventHandlerFactory {
 *   public String name() {
 *     return "echo";
 *   }
 *
 *   public Set<EventType> eventTypes() {
 *     return Set.of(EventType.of("echo.request"));
 *   }
 *
 *   public EventHandler create(EventHandlerContext ctx) {
 *     return event -> {
 *       ctx.reply(EventType.of("echo.response"), event.payload().deepCopy()); // sealed to the connection
 *       ctx.finish();                                                        // this eventId is done
 *     };
 *   }
 * }
 * // and a rule: {"id": "echo", "eventType": "echo.request", "action": "handle", "handler": "echo"}
 * }</pre>
 *
 * <p>Every event of one eventId goes to the same handler, whose state ({@link
 * EventHandlerContext#saveState}) survives restarts; an exception or a timeout quarantines the
 * event and never stops the service (see the {@code custom-event-handler} sample).
 */
public interface EventHandlerFactory {
  /** {@return stable, unique name that rules refer to, such as {@code contact-request}} */
  String name();

  /** {@return the event types this factory's handlers process; never empty} */
  Set<EventType> eventTypes();

  /** {@return how long one {@link EventHandler#onEvent} call may run (default 30 seconds)} */
  default Duration timeout() {
    return Duration.ofSeconds(30);
  }

  /**
   * Creates a handler for one eventId.
   *
   * @param context what the handler may do
   * @return a new handler
   */
  EventHandler create(EventHandlerContext context);
}
