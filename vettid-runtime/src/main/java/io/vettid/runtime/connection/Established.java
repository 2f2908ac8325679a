package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.ConnectionId;
import io.vettid.api.KeyId;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.profile.Profile;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A connection both sides agreed on, from one side's point of view: ready to be added to {@link
 * Connections} once a NATS connection to the peer's EventSpace is made with {@link
 * #peerCredentials()}.
 *
 * @param local the id the peer deposits here under
 * @param remote the id this side deposits under on the peer's EventSpace
 * @param peerDepositSubject the peer's deposit subject for this side
 * @param peerInbox the inbox prefix the peer's user may subscribe to (set it as jnats {@code inboxPrefix})
 * @param peerCredentials the NATS user the peer issued for this side
 * @param mine this side's keys for the connection
 * @param peerSigning the peer's signing key for the connection
 * @param peerWrapping the peer's wrapping key for the connection
 * @param peerProfile the peer's verified profile
 * @param peerUserPublicKey the public NKey of the user this side issued for the peer (revoke it to cut the peer off)
 * @param ownDepositSubject this side's deposit subject for the peer ({@code subscriber.<guid>.<es>.queue.<local>})
 * @param peerServer where the peer's server listens and its CA pin, or null when both share a server
 * @param ownIdentity the identity keyID this side's handshake message presented (the key the peer
 *     pins for this side), or null when unknown
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record Established(ConnectionId local, ConnectionId remote, String peerDepositSubject, String peerInbox,
    UserCredentials peerCredentials, ConnectionKeys mine, PublicKeyEntry peerSigning, PublicKeyEntry peerWrapping,
    Profile peerProfile, String peerUserPublicKey, String ownDepositSubject,
    io.vettid.nats.server.ServerAddress peerServer, KeyId ownIdentity) {
  /**
   * Validates.
   *
   * @param local the record component {@code local}
   * @param remote the record component {@code remote}
   * @param peerDepositSubject the record component {@code peerDepositSubject}
   * @param peerInbox the record component {@code peerInbox}
   * @param peerCredentials the record component {@code peerCredentials}
   * @param mine the record component {@code mine}
   * @param peerSigning the record component {@code peerSigning}
   * @param peerWrapping the record component {@code peerWrapping}
   * @param peerProfile the record component {@code peerProfile}
   * @param peerUserPublicKey the record component {@code peerUserPublicKey}
   * @param ownDepositSubject the record component {@code ownDepositSubject}
   * @param peerServer the record component {@code peerServer} (may be null)
   * @param ownIdentity the record component {@code ownIdentity} (may be null)
   */
  public Established {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(remote, "remote");
    Objects.requireNonNull(peerDepositSubject, "peerDepositSubject");
    Objects.requireNonNull(peerInbox, "peerInbox");
    Objects.requireNonNull(peerCredentials, "peerCredentials");
    Objects.requireNonNull(mine, "mine");
    Objects.requireNonNull(peerSigning, "peerSigning");
    Objects.requireNonNull(peerWrapping, "peerWrapping");
    Objects.requireNonNull(peerProfile, "peerProfile");
    Objects.requireNonNull(peerUserPublicKey, "peerUserPublicKey");
    Objects.requireNonNull(ownDepositSubject, "ownDepositSubject");
    if (!ownDepositSubject.endsWith("." + local.value())) {
      throw new IllegalArgumentException("the own deposit subject must end with the local connection id");
    }
  }

  /**
   * A connection whose own identity is not named.
   *
   * @param local the id the peer deposits here under
   * @param remote the id this side deposits under on the peer's EventSpace
   * @param peerDepositSubject the peer's deposit subject for this side
   * @param peerInbox the inbox prefix the peer's user may subscribe to
   * @param peerCredentials the NATS user the peer issued for this side
   * @param mine this side's keys for the connection
   * @param peerSigning the peer's signing key for the connection
   * @param peerWrapping the peer's wrapping key for the connection
   * @param peerProfile the peer's verified profile
   * @param peerUserPublicKey the public NKey of the user this side issued for the peer
   * @param ownDepositSubject this side's deposit subject for the peer
   * @param peerServer where the peer's server listens and its CA pin, or null when both share a server
   */
  public Established(ConnectionId local, ConnectionId remote, String peerDepositSubject, String peerInbox,
      UserCredentials peerCredentials, ConnectionKeys mine, PublicKeyEntry peerSigning, PublicKeyEntry peerWrapping,
      Profile peerProfile, String peerUserPublicKey, String ownDepositSubject,
      io.vettid.nats.server.ServerAddress peerServer) {
    this(local, remote, peerDepositSubject, peerInbox, peerCredentials, mine, peerSigning, peerWrapping, peerProfile,
        peerUserPublicKey, ownDepositSubject, peerServer, null);
  }

  /**
   * A connection on a shared server (no peer server address).
   *
   * @param local the id the peer deposits here under
   * @param remote the id this side deposits under on the peer's EventSpace
   * @param peerDepositSubject the peer's deposit subject for this side
   * @param peerInbox the inbox prefix the peer's user may subscribe to
   * @param peerCredentials the NATS user the peer issued for this side
   * @param mine this side's keys for the connection
   * @param peerSigning the peer's signing key for the connection
   * @param peerWrapping the peer's wrapping key for the connection
   * @param peerProfile the peer's verified profile
   * @param peerUserPublicKey the public NKey of the user this side issued for the peer
   * @param ownDepositSubject this side's deposit subject for the peer
   */
  public Established(ConnectionId local, ConnectionId remote, String peerDepositSubject, String peerInbox,
      UserCredentials peerCredentials, ConnectionKeys mine, PublicKeyEntry peerSigning, PublicKeyEntry peerWrapping,
      Profile peerProfile, String peerUserPublicKey, String ownDepositSubject) {
    this(local, remote, peerDepositSubject, peerInbox, peerCredentials, mine, peerSigning, peerWrapping, peerProfile,
        peerUserPublicKey, ownDepositSubject, null, null);
  }

  /** {@return the peer's identity keyID} */
  public KeyId peerIdentity() {
    return peerProfile.owner().keyId();
  }

  /** {@return the safety number to compare with the peer out of band} */
  public String safetyNumber() {
    return SafetyNumber.of(mine, peerSigning, peerWrapping);
  }

  @Override
  public String toString() {
    return "Established[" + local + " <-> " + remote + ", peer " + peerIdentity() + "]";
  }
}
