package io.vettid.runtime.service;

import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.InternalEvent;

/**
 * What a handler's state and handled-once record belong to: the connection and the eventId.
 * One connection's eventId can never reach another connection's handler or record, whatever
 * eventId it chooses.
 */
record HandlerKey(ConnectionId connection, EventId eventId) {
  static HandlerKey of(InternalEvent event) {
    return new HandlerKey(event.connectionId(), event.eventId());
  }

  /** {@return {@code <connectionId>.<eventId>}, the record key's part after the service} */
  String token() {
    return connection.value() + "." + eventId.value();
  }
}
