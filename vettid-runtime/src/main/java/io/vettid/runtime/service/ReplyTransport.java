package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.VettidException;
import org.apiguardian.api.API;

/**
 * Sends an event back over a connection: builds the Internal Event the peer expects (with the
 * connection id the peer knows this vault by), seals it to the peer's current key, and deposits it
 * on the peer's EventSpace. Handlers reach it through {@link
 * io.vettid.api.spi.EventHandlerContext#reply}.
 */
@FunctionalInterface
@API(status = EXPERIMENTAL, since = "0.1")
public interface ReplyTransport {
  /** A transport for a vault with no connections: every reply fails with CONNECTION_REVOKED. */
  ReplyTransport NONE = (connection, type, eventId, payload, dedupeId) -> {
    throw new VettidException(io.vettid.api.FailureReason.CONNECTION_REVOKED,
        "no route to connection " + connection.value());
  };

  /**
   * Seals and sends one event.
   *
   * @param connection the connection, as this vault knows it
   * @param type the event type
   * @param eventId the logical event it belongs to
   * @param payload the payload
   * @param dedupeId stable across retries of the same reply, so the peer's stream keeps it once
   * @throws VettidException if the connection is unknown or revoked, or sealing or sending failed
   */
  void send(ConnectionId connection, EventType type, EventId eventId, ObjectNode payload, String dedupeId)
      throws VettidException;
}
