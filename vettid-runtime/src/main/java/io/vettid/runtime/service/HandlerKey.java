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

  /**
   * Reads a {@link #token()} back (neither a connection id nor an eventId holds a dot).
   *
   * @throws IllegalArgumentException if it is not one
   */
  static HandlerKey ofToken(String token) {
    int dot = token.indexOf('.');
    if (dot < 0) {
      throw new IllegalArgumentException("not a <connectionId>.<eventId> token");
    }
    return new HandlerKey(ConnectionId.of(token.substring(0, dot)), EventId.of(token.substring(dot + 1)));
  }

  /** {@return {@code <connectionId>.<eventId>}, the record key's part after the service} */
  String token() {
    return connection.value() + "." + eventId.value();
  }
}
