package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.server.ServerAddress;
import java.io.IOException;
import org.apiguardian.api.API;

/**
 * Opens a NATS connection as the user a peer issued, to deposit on the peer's EventSpace ({@link
 * Connections#add(Established, PeerConnector)}, and again for each connection restored from the
 * store).
 */
@FunctionalInterface
@API(status = EXPERIMENTAL, since = "0.1")
public interface PeerConnector {
  /**
   * Connects.
   *
   * @param credentials the user the peer issued
   * @param inboxPrefix the only inbox the user may subscribe to (set it as jnats {@code inboxPrefix})
   * @return the connection
   * @throws IOException if the server cannot be reached or refuses the user
   * @throws InterruptedException if interrupted
   */
  Connection connect(UserCredentials credentials, String inboxPrefix) throws IOException, InterruptedException;

  /**
   * Connects to the peer's own server when the handshake named one (its host, port and CA pin);
   * by default the server is ignored and {@link #connect(UserCredentials, String)} is used, which
   * suits vaults sharing one server.
   *
   * @param credentials the user the peer issued
   * @param inboxPrefix the only inbox the user may subscribe to
   * @param server the peer's server, or null when both share a server
   * @return the connection
   * @throws IOException if the server cannot be reached or refuses the user
   * @throws InterruptedException if interrupted
   */
  default Connection connect(UserCredentials credentials, String inboxPrefix, ServerAddress server)
      throws IOException, InterruptedException {
    return connect(credentials, inboxPrefix);
  }
}
