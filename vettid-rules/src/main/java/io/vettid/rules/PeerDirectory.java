package io.vettid.rules;

import io.vettid.api.ConnectionId;
import java.util.Objects;
import java.util.Optional;

/**
 * Who is at the other end of a connection, as the vault knows it: what rules that name a peer
 * ({@code "peer"}, {@code "peerKeyId"}, or {@code peer.name} in an {@code "if"}) are matched
 * against. A rule that names a peer never matches an event whose connection the directory does not
 * know (fail closed).
 *
 * <pre>{@code
 * PeerDirectory peers = c -> c.equals(bobsConnection)
 *     ? Optional.of(new PeerDirectory.Peer("Bob", bobsIdentityKeyId)) : Optional.empty();
 * DeclarativeRuleEngine engine = DeclarativeRuleEngine.parse(json).withPeers(peers);
 * }</pre>
 */
@FunctionalInterface
public interface PeerDirectory {
  /**
   * Finds the peer of a connection.
   *
   * @param connection the connection
   * @return the peer, or empty if unknown; never null
   */
  Optional<Peer> peer(ConnectionId connection);

  /** {@return a directory that knows no peer: rules that name a peer never match} */
  static PeerDirectory none() {
    return c -> Optional.empty();
  }

  /**
   * A peer.
   *
   * @param name the peer's first name, from its verified profile
   * @param identityKeyId the keyID of the peer's identity key, in text form
   */
  record Peer(String name, String identityKeyId) {
    /**
     * Checks the parts.
     *
     * @param name the record component {@code name}
     * @param identityKeyId the record component {@code identityKeyId}
     * @throws NullPointerException if either is null
     */
    public Peer {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(identityKeyId, "identityKeyId");
    }
  }
}
