package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.ConnectionId;
import io.vettid.api.KeyId;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * A connection revoked here, by the owner or because its peer said so ({@link
 * Connections#onRevoked}): what the NATS user issued for the peer was (revoke it in the account
 * and push it, so the server refuses the peer) and who the peer was.
 *
 * @param local the connection
 * @param peerUser the public NKey of the user this side issued for the peer, if known
 * @param peerIdentity the peer's identity keyID, if known
 * @param at when it was revoked
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record Revocation(ConnectionId local, Optional<String> peerUser, Optional<KeyId> peerIdentity, Instant at) {
  /**
   * Validates.
   *
   * @param local the record component {@code local}
   * @param peerUser the record component {@code peerUser}
   * @param peerIdentity the record component {@code peerIdentity}
   * @param at the record component {@code at}
   */
  public Revocation {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(peerUser, "peerUser");
    Objects.requireNonNull(peerIdentity, "peerIdentity");
    Objects.requireNonNull(at, "at");
  }
}
