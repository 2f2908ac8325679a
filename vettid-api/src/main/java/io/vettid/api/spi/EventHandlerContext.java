package io.vettid.api.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.VettidException;
import java.util.Optional;

/**
 * What a running {@link EventHandler} may do. The runtime gives each handler a context bound to
 * one eventId and one connection; it cannot reach any other handler's state or connection.
 */
public interface EventHandlerContext {
  /** {@return the logical event this handler serves} */
  EventId eventId();

  /** {@return the connection the event came from} */
  ConnectionId connectionId();

  /**
   * Loads this handler's saved state (it survives a runtime restart).
   *
   * @return the state, or empty if none was saved
   * @throws VettidException if the store cannot be read
   */
  Optional<byte[]> loadState() throws VettidException;

  /**
   * Saves this handler's state.
   *
   * @param state the state to keep; replaces any earlier state
   * @throws VettidException if the store cannot be written
   */
  void saveState(byte[] state) throws VettidException;

  /**
   * Replies to the connection; the runtime seals the reply to the connection's key.
   *
   * @param type the reply's event type
   * @param payload the reply's payload
   * @throws VettidException if the reply cannot be sealed or sent
   */
  void reply(EventType type, ObjectNode payload) throws VettidException;

  /**
   * Emits an Internal Event to this vault's own queue.
   *
   * @param event the event
   * @throws VettidException if it cannot be published
   */
  void emit(InternalEvent event) throws VettidException;

  /** Marks the handler finished; later events with the same eventId start no new handler. */
  void finish();
}
