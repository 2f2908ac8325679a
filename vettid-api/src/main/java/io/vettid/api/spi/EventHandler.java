package io.vettid.api.spi;

import io.vettid.api.InternalEvent;

/**
 * Processes the events of one eventId. Created by an {@link EventHandlerFactory}; the runtime
 * passes it the first event and every later event with the same eventId until it calls {@link
 * EventHandlerContext#finish()}.
 *
 * <p>An exception, or running past {@link EventHandlerFactory#timeout()}, sends the event to
 * quarantine with the reason; it never stops the service.
 */
@FunctionalInterface
public interface EventHandler {
  /**
   * Processes one event.
   *
   * @param event the event; its eventId is the context's
   * @throws Exception any failure; the event is quarantined
   */
  void onEvent(InternalEvent event) throws Exception;
}
