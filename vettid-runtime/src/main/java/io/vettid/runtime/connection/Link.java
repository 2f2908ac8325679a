package io.vettid.runtime.connection;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.vettid.api.ConnectionId;
import io.vettid.api.KeyId;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.envelope.Opener;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.crypto.keyring.KeyRing;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.server.ServerAddress;
import java.io.IOException;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;

/**
 * One connection as {@link Connections} keeps it: this side's signing key and wrapping {@link
 * KeyRing} (its primary is what the peer seals to; keys in grace still open), the peer's keys and
 * identity, the sealer and opener made from them, and the {@link Route} to the peer's EventSpace.
 * The fields that change (rotation, a new NATS user) are volatile; the sealer is used under the
 * link's lock ({@link Deposits}).
 */
final class Link {
  final ConnectionId local;
  final ConnectionId remote;
  /** The peer's deposit subject for this side. */
  final String depositSubject;
  final Suite suite;
  final PrivateKeyEntry signing;
  final PublicKeyEntry signingPublic;
  final KeyRing wrapping;
  final PublicKeyEntry peerSigning;
  /** The peer's identity keyID, null for a connection added without a handshake. */
  final KeyId peerIdentity;
  /** This side's deposit subject for the peer, null for a connection added without one. */
  final String ownDeposit;
  final Opener opener;
  volatile PublicKeyEntry peerWrapping;
  volatile Sealer sealer;
  /** The public NKey of the user this side issued for the peer, null when unknown. */
  volatile String peerUser;
  volatile Route route;
  /** The ring's destroyed count when the link was last written to the store. */
  volatile long destroyedWhenSaved;

  /**
   * How this side reaches the peer's EventSpace: the NATS connection as the user the peer issued,
   * and what is needed to make it again.
   *
   * @param nats the connection
   * @param js its JetStream context
   * @param owned whether {@link Connections} opened it (and closes it)
   * @param creds the user the peer issued, null for a connection added with a NATS connection only
   * @param inbox the inbox prefix the user may subscribe to
   * @param connector what made the connection, null when it was handed in
   * @param server the peer's server, null when both share one
   */
  record Route(Connection nats, JetStream js, boolean owned, UserCredentials creds, String inbox,
      PeerConnector connector, ServerAddress server) {
    static Route of(Connection nats, boolean owned, UserCredentials creds, String inbox,
        PeerConnector connector, ServerAddress server) throws IOException {
      return new Route(nats, nats.jetStream(), owned, creds, inbox, connector, server);
    }

    /** Closes the connection when it is ours to close. */
    void close() {
      if (owned) {
        try {
          nats.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * The keys and names of a connection, before its opener exists.
   *
   * @param local the connection
   * @param remote the id this side deposits under at the peer
   * @param depositSubject the peer's deposit subject for this side
   * @param suite the suite
   * @param signing this side's signing key
   * @param signingPublic its public half
   * @param wrapping this side's wrapping keys
   * @param peerSigning the peer's signing key
   * @param peerWrapping the peer's wrapping key
   * @param peerIdentity the peer's identity, or null
   * @param ownDeposit this side's deposit subject for the peer, or null
   */
  record Keys(ConnectionId local, ConnectionId remote, String depositSubject, Suite suite, PrivateKeyEntry signing,
      PublicKeyEntry signingPublic, KeyRing wrapping, PublicKeyEntry peerSigning, PublicKeyEntry peerWrapping,
      KeyId peerIdentity, String ownDeposit) {}

  /**
   * Makes a link.
   *
   * @param k the connection's keys and names
   * @param peerUser the user issued for the peer, or null
   * @param route how to reach the peer
   * @param openerOf makes the link's opener (it may look at the link's keys)
   */
  Link(Keys k, String peerUser, Route route, Function<Link, Opener> openerOf) {
    this.local = k.local();
    this.remote = k.remote();
    this.depositSubject = k.depositSubject();
    this.suite = k.suite();
    this.signing = k.signing();
    this.signingPublic = k.signingPublic();
    this.wrapping = k.wrapping();
    this.peerSigning = k.peerSigning();
    this.peerIdentity = k.peerIdentity();
    this.ownDeposit = k.ownDeposit();
    this.peerWrapping = k.peerWrapping();
    this.peerUser = peerUser;
    this.route = Objects.requireNonNull(route, "route");
    this.sealer = Sealer.builder(suite, signing, peerWrapping, depositSubject).build();
    this.destroyedWhenSaved = wrapping.destroyedCount();
    this.opener = openerOf.apply(this);
  }

  /** {@return this side's current wrapping key, the one the peer seals to} */
  PublicKeyEntry wrappingPublic() {
    return wrapping.primaryPublic();
  }

  /** {@return when this side's current wrapping key was made} */
  Instant wrappingSince() {
    return wrapping.versions().stream().filter(v -> v.state() == KeyRing.State.PRIMARY).findFirst().orElseThrow()
        .created();
  }

  /** {@return the connection's safety number, as this side computes it} */
  String safetyNumber() {
    return SafetyNumber.of(signingPublic, wrappingPublic(), peerSigning, peerWrapping);
  }

  /** Seals to a new wrapping key of the peer from now on. */
  void peerRotated(PublicKeyEntry newWrapping) {
    sealer = Sealer.builder(suite, signing, newWrapping, depositSubject).build();
    peerWrapping = newWrapping;
  }
}
