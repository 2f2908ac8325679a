package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.vettid.api.ConnectionId;
import io.vettid.api.KeyId;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.envelope.Opener;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.crypto.envelope.SessionStates;
import io.vettid.crypto.keyring.KeyRing;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.server.ServerAddress;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of a vault ({@link Connections#link}): this side's signing key and wrapping
 * {@link KeyRing} (its primary is what the peer seals to; a key it replaced still opens during its
 * grace), the peer's keys and identity, and the route to the peer's EventSpace. What it is ({@link
 * #suite}, {@link #wrappingKey}, {@link #safetyNumber}, {@link #peerIdentity}, ...) and how its keys
 * and NATS users change ({@link #rotateWrappingKey}, {@link #peerRotated}, ...); every change is
 * written to the vault's sealed store. A link of a revoked connection refuses every change.
 *
 * <pre>{@code
 * Link bob = connections.link(bobId);
 * PublicKeyEntry next = bob.rotateWrappingKey();   // announce it in a connection.rotate event
 * System.out.println(bob.safetyNumber());
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class Link {
  private static final Logger LOG = LoggerFactory.getLogger(Link.class);

  final ConnectionId local;
  final ConnectionId remote;
  /** The peer's deposit subject for this side. */
  final String depositSubject;
  /** The connection's suite (replaced when a migration to another suite completes). */
  volatile Suite suite;
  /**
   * The connection's current keys while it is warm; null while it is cold: then they are only in
   * its sealed record, and {@link #held()} loads them ({@link Connections#keepKeysWarm}).
   */
  private volatile Held held;
  /** The keyIDs of a cold link's keys, against which the keys loaded from its record are checked; null while warm. */
  private volatile Cold cold;
  /** Changes of the held keys made (under the link's lock), and how many of them the store has. */
  long keyChanges;
  volatile long keysSaved = -1;
  /**
   * The wrapping keys of the suite a migration left, still opening what the peer sealed before it
   * moved, until {@link #previousWrappingUntil}; null if none.
   */
  volatile KeyRing previousWrapping;
  volatile Instant previousWrappingUntil;
  /** A migration to another suite under way (this side's new keys, and the peer's once known); null if none. */
  volatile Migration migration;
  /** This side's next signing pair, announced and not yet acknowledged by the peer; null if none. */
  volatile Signing next;
  /** The peer's previous signing key, still accepted until {@link #peerSigningPreviousUntil}; null if none. */
  volatile PublicKeyEntry peerSigningPrevious;
  volatile Instant peerSigningPreviousUntil;
  /** The keyIDs of the peer's signing keys that {@link LinkIndex} indexes as this connection's (1 or 2). */
  volatile java.util.Set<KeyId> indexedSigners = java.util.Set.of();
  /** The peer's identity keyID, null for a connection added without a handshake (re-pinned when it rotates). */
  volatile KeyId peerIdentity;
  /**
   * This side's identity keyID as the peer knows it (the one its handshake presented, then the
   * newest the peer acknowledged); null when unknown.
   */
  volatile KeyId ownIdentity;
  /** The newest identity keyID this side told the peer about since it started, and when; not kept. */
  volatile Told identityTold;

  /**
   * An identity rotation told to the peer.
   *
   * @param key the newest keyID told
   * @param at when
   */
  record Told(KeyId key, Instant at) {}
  /**
   * Set for a connection this side invited with an earlier identity key: the peer is told the
   * rotations once it is first heard from (until then it may not hold the connection yet).
   */
  volatile boolean identityUnheard;
  /** This side's deposit subject for the peer, null for a connection added without one. */
  final String ownDeposit;
  final Opener opener;
  private final Connections owner;
  /** Used under the link's lock ({@link Deposits}). */
  volatile Sealer sealer;
  /** The public NKey of the user this side issued for the peer, null when unknown. */
  volatile String peerUser;
  volatile Route route;
  /** How many of the ring's destroyed keys {@link Connections#retireDue} has already counted as retired. */
  long destroyedCounted;
  volatile boolean revoked;
  /** The keyIDs of this link's wrapping keys that {@link LinkIndex} indexes as this connection's (1 to 3). */
  volatile java.util.Set<KeyId> indexed = java.util.Set.of();

  /**
   * This side's current signing pair and wrapping keys, and the peer's current signing and
   * wrapping keys: what a link holds in memory while it is warm. Changed only under the link's lock.
   */
  static final class Held {
    /** This side's signing key for the connection (replaced when the peer acknowledges a rotation). */
    volatile PrivateKeyEntry signing;
    volatile PublicKeyEntry signingPublic;
    /** This side's wrapping keys, of the suite's wrap algorithm (a new ring when a migration completes). */
    volatile KeyRing wrapping;
    /** The peer's signing key for the connection (replaced when the peer announces a rotation). */
    volatile PublicKeyEntry peerSigning;
    volatile PublicKeyEntry peerWrapping;

    Held(PrivateKeyEntry signing, PublicKeyEntry signingPublic, KeyRing wrapping, PublicKeyEntry peerSigning,
        PublicKeyEntry peerWrapping) {
      this.signing = signing;
      this.signingPublic = signingPublic;
      this.wrapping = wrapping;
      this.peerSigning = peerSigning;
      this.peerWrapping = peerWrapping;
    }
  }

  /**
   * What a cold link knows of its keys: their keyIDs, and when its wrapping key was made.
   *
   * @param signing this side's signing keyID
   * @param wrapping this side's wrapping keyID (a cold link's ring holds one key)
   * @param wrappingSince when it was made
   * @param peerSigning the peer's signing keyID
   * @param peerWrapping the peer's wrapping keyID
   */
  record Cold(KeyId signing, KeyId wrapping, Instant wrappingSince, KeyId peerSigning, KeyId peerWrapping) {}

  /**
   * A cold link's sealed record was read and will not give its keys: it is gone, does not open or
   * decode, or holds keys of other keyIDs. Lasting, unlike a store that cannot be read now (a plain
   * {@link IllegalStateException}): a deposit that needs these keys is quarantined, not given back
   * to come again for ever.
   */
  static final class KeysRefused extends IllegalStateException {
    @java.io.Serial private static final long serialVersionUID = 1L;

    KeysRefused(String message, Throwable cause) {
      super(message, cause);
    }
  }

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
    static Route of(Connection nats, boolean owned, UserCredentials creds, String inbox, PeerConnector connector,
        ServerAddress server) throws IOException {
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
      KeyId peerIdentity, String ownDeposit) {
    /** Checks a new connection's keys and names; the wrapping ring holds this side's wrapping pair. */
    static Keys of(ConnectionId local, ConnectionId remote, String depositSubject, ConnectionKeys mine,
        PublicKeyEntry peerSigning, PublicKeyEntry peerWrapping, KeyId peerIdentity, String ownDeposit,
        KeyRing wrapping) {
      Objects.requireNonNull(local, "local");
      Objects.requireNonNull(remote, "remote");
      Objects.requireNonNull(depositSubject, "depositSubject");
      Objects.requireNonNull(mine, "mine");
      Objects.requireNonNull(peerSigning, "peerSigning");
      Objects.requireNonNull(peerWrapping, "peerWrapping");
      if (!depositSubject.endsWith("." + remote.value())) {
        throw new IllegalArgumentException("the deposit subject must end with the remote connection id");
      }
      return new Keys(local, remote, depositSubject, mine.suite(), mine.signing(), mine.signingPublic(), wrapping,
          peerSigning, peerWrapping, peerIdentity, ownDeposit);
    }
  }

  Link(Connections owner, Keys k, String peerUser, Route route,
      java.util.function.BiFunction<Link, SessionStates.Openings, Opener> openerOf, Sessions kept) {
    this.owner = owner;
    this.local = k.local();
    this.remote = k.remote();
    this.depositSubject = k.depositSubject();
    this.suite = k.suite();
    this.held = new Held(k.signing(), k.signingPublic(), k.wrapping(), k.peerSigning(), k.peerWrapping());
    this.peerIdentity = k.peerIdentity();
    this.ownDeposit = k.ownDeposit();
    this.peerUser = peerUser;
    this.route = Objects.requireNonNull(route, "route");
    this.sealer = sealerTo(k.signing().keyId(), k.peerWrapping().keyId(), kept.sealing());
    this.destroyedCounted = k.wrapping().destroyedCount();
    this.opener = openerOf.apply(this, kept.openings());
  }

  /**
   * The envelope sessions a restarted link goes on with.
   *
   * @param sealing its sealing session, or null to start a new one
   * @param openings the sessions its opener held, or null for none
   */
  record Sessions(SessionStates.Sealing sealing, SessionStates.Openings openings) {
    static final Sessions NONE = new Sessions(null, null);
  }

  /** The version of the opener's sessions last kept in the store (-1: never). */
  volatile long keptOpenings = -1;

  /**
   * A sealer from this side's signing key to the peer's wrapping key whose session is written to
   * the vault's store (once the vault keeps its connections there) before its reserved sequences
   * are used. It holds the keyIDs only: the keys are asked of {@link #held()} for a key block.
   */
  private Sealer sealerTo(KeyId mine, KeyId theirs, SessionStates.Sealing resume) {
    Sealer.KeyLoader keys = new Sealer.KeyLoader() {
      @Override
      public PrivateKeyEntry sender(KeyId keyId) throws GeneralSecurityException {
        return keysForSealing().signing;
      }

      @Override
      public PublicKeyEntry recipient(KeyId keyId) throws GeneralSecurityException {
        return keysForSealing().peerWrapping;
      }
    };
    return Sealer.builder(suite, mine, theirs, keys, depositSubject).journal(session -> {
      ConnectionStore s = owner.store();
      if (s != null) {
        s.saveSealing(local, session);
      }
    }).resume(resume).build();
  }

  /** {@link #held()} for a sealer: a failure to load is a failure to seal. */
  private Held keysForSealing() throws GeneralSecurityException {
    try {
      return held();
    } catch (IllegalStateException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
  }

  /**
   * The connection's current keys: those in memory, or, for a cold link, those of its sealed
   * record, checked against the keyIDs it knows (the link is warm again until cooled).
   *
   * @throws IllegalStateException if a cold link's keys cannot be read now ({@link KeysRefused} if
   *     its record will not give them: gone, not opening, or holding other keys)
   */
  Held held() {
    Held h = held;
    if (h == null) {
      synchronized (this) {
        h = held;
        if (h == null) {
          h = owner.loadKeys(this, cold);
          held = h;
          cold = null;
        }
      }
    }
    lastUsed = System.nanoTime();
    owner.keysUsed(this);
    return h;
  }

  /** When {@link #held()} was last asked ({@link System#nanoTime()}). */
  volatile long lastUsed = System.nanoTime();

  /** {@return whether the link's keys are in memory} */
  boolean warm() {
    return held != null;
  }

  /**
   * {@return the keys in memory, or null for a cold link} Not a use: nothing is loaded and the link
   * does not count as recently used (an open session's event needs no key).
   */
  Held peek() {
    return held;
  }

  /** {@return the keyIDs of a cold link's keys, or null while it is warm} */
  Cold coldKeys() {
    return cold;
  }

  /**
   * Drops the keys from memory when the sealed record has them as they are and nothing is under
   * way that holds more than the current keys (a rotation, a migration, a previous key in its
   * grace): only such a link goes cold.
   *
   * @return whether the link is cold
   */
  synchronized boolean cool() {
    Held h = held;
    if (h == null) {
      return true;
    }
    List<KeyRing.Version> versions = h.wrapping.versions();
    if (revoked || keysSaved != keyChanges || next != null || migration != null || previousWrapping != null
        || peerSigningPrevious != null || versions.size() != 1) {
      return false;
    }
    cold = new Cold(h.signing.keyId(), versions.get(0).keyId(), versions.get(0).created(), h.peerSigning.keyId(),
        h.peerWrapping.keyId());
    held = null;
    return true;
  }

  // ---------------------------------------------------------------- what it is

  /** {@return the connection's id here (the peer deposits under it)} */
  public ConnectionId id() {
    return local;
  }

  /** {@return the connection's suite} */
  public Suite suite() {
    return suite;
  }

  /** {@return this side's current wrapping key, the one the peer seals to} */
  public PublicKeyEntry wrappingKey() {
    return held().wrapping.primaryPublic();
  }

  /** {@return the connection's safety number, as this side computes it} */
  public String safetyNumber() {
    Held h = held();
    return SafetyNumber.of(h.signingPublic, h.wrapping.primaryPublic(), h.peerSigning, h.peerWrapping);
  }

  /** {@return the peer's identity keyID, when the connection came through an invitation} */
  public Optional<KeyId> peerIdentity() {
    return Optional.ofNullable(peerIdentity);
  }

  /**
   * The public NKey of the NATS user this side issued for the peer (revoke it in the account,
   * then push the account, to have the server refuse the peer).
   *
   * @return the user's public key, when the connection came through an invitation
   */
  public Optional<String> peerUser() {
    return Optional.ofNullable(peerUser);
  }

  /** {@return the NATS user the peer issued for this side, when the connection came through an invitation} */
  public Optional<UserCredentials> peerCredentials() {
    return Optional.ofNullable(route.creds());
  }

  /**
   * This side's deposit subject for the peer (what the user issued for the peer may publish to).
   *
   * @return the subject, when the connection came through an invitation
   */
  public Optional<String> ownDepositSubject() {
    return Optional.ofNullable(ownDeposit);
  }

  /** {@return when this side's current wrapping key was made} */
  Instant wrappingSince() {
    Held h = held;
    Cold c = cold;
    if (h == null && c != null) {
      return c.wrappingSince();
    }
    return held().wrapping.versions().stream().filter(v -> v.state() == KeyRing.State.PRIMARY).findFirst()
        .orElseThrow().created();
  }

  /**
   * A signing pair of this side.
   *
   * @param key the private key
   * @param pub its public half
   */
  record Signing(PrivateKeyEntry key, PublicKeyEntry pub) {}

  /**
   * A migration of the connection to another suite, under way (PROTOCOL.md section 8.4).
   *
   * @param started whether this side started it (announced {@code connection.migrate})
   * @param mine this side's new signing and wrapping pairs, of the new suite
   * @param peerSigning the peer's new signing key, once known (null before)
   * @param peerWrapping the peer's new wrapping key, once known (null before)
   */
  record Migration(boolean started, ConnectionKeys mine, PublicKeyEntry peerSigning, PublicKeyEntry peerWrapping) {
    /** {@return the suite it moves to} */
    Suite suite() {
      return mine.suite();
    }
  }

  /**
   * This side's new keys for a migration, to announce.
   *
   * @param suite the suite
   * @param wrapping the new wrapping key
   * @param signing the new signing key
   */
  public record MigrationKeys(Suite suite, PublicKeyEntry wrapping, PublicKeyEntry signing) {}

  /**
   * Starts moving the connection to another suite: this side's keys of that suite are made and
   * kept, to announce to the peer ({@code connection.migrate}); nothing changes for the events
   * until the peer answers with its own ({@link #peerAcceptedMigration}). A migration started
   * again replaces the one under way.
   *
   * @param to the suite to move to
   * @param keys where the new pairs come from
   * @return this side's new public keys, to announce
   * @throws GeneralSecurityException if no pair can be had
   * @throws IllegalArgumentException if the connection already uses that suite
   */
  public MigrationKeys startMigration(Suite to, io.vettid.crypto.pool.KeySource keys) throws GeneralSecurityException {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(keys, "keys");
    checkLive();
    if (to.equals(suite)) {
      throw new IllegalArgumentException("connection " + local + " uses " + to.name() + " already");
    }
    Migration m = new Migration(true, ConnectionKeys.generate(to, new java.security.SecureRandom(), keys), null, null);
    migration = m;
    owner.changed(this);
    LOG.info("connection {}: migration to {} announced", local, to.name());
    return new MigrationKeys(to, m.mine().wrappingPublic(), m.mine().signingPublic());
  }

  /**
   * Forgets a migration this side started to a suite, whose announcement could not be sent or
   * that the peer refused; nothing happens for another migration, or none.
   *
   * @param to the suite of the migration to forget
   */
  public void dropMigration(Suite to) {
    Migration m = migration;
    if (m != null && m.started() && m.suite().equals(to)) {
      migration = null;
      owner.changed(this);
    }
  }

  /**
   * The peer announced a migration: this side makes its own keys of that suite and accepts key
   * blocks signed by the peer's new key from now on; it goes on sealing with the current suite
   * until the peer says it moved ({@link #migrationDone}), so the peer knows this side's new keys
   * before anything sealed with them arrives.
   *
   * @param to the suite
   * @param peerWrapping the peer's new wrapping key (decoded and checked against its keyID)
   * @param peerSigning the peer's new signing key (decoded and checked against its keyID)
   * @param keys where this side's new pairs come from
   * @return this side's new public keys, for the answer
   * @throws GeneralSecurityException if no pair can be had
   */
  public MigrationKeys peerStartedMigration(Suite to, PublicKeyEntry peerWrapping, PublicKeyEntry peerSigning,
      io.vettid.crypto.pool.KeySource keys) throws GeneralSecurityException {
    Objects.requireNonNull(to, "to");
    checkKeysOf(to, peerWrapping, peerSigning);
    checkLive();
    Migration m = new Migration(false, ConnectionKeys.generate(to, new java.security.SecureRandom(), keys), peerSigning,
        peerWrapping);
    migration = m;
    owner.changed(this);
    LOG.info("connection {}: the peer moves to {}; this side's keys of it are made", local, to.name());
    return new MigrationKeys(to, m.mine().wrappingPublic(), m.mine().signingPublic());
  }

  /**
   * The peer answered this side's migration with its keys of the new suite: the connection moves
   * to it now (this side seals and signs with the new suite from its next event); the previous
   * wrapping keys still open what the peer sealed before it moved.
   *
   * @param to the suite (the one this side announced)
   * @param peerWrapping the peer's new wrapping key
   * @param peerSigning the peer's new signing key
   * @throws IllegalStateException if this side started no migration to that suite
   */
  public void peerAcceptedMigration(Suite to, PublicKeyEntry peerWrapping, PublicKeyEntry peerSigning) {
    checkKeysOf(to, peerWrapping, peerSigning);
    checkLive();
    Migration m = migration;
    if (m == null || !m.started() || !m.suite().equals(to)) {
      throw new IllegalStateException("connection " + local + " started no migration to " + to.name());
    }
    moveTo(new Migration(true, m.mine(), peerSigning, peerWrapping));
  }

  /**
   * The peer moved to the suite it announced: this side moves too.
   *
   * @param to the suite
   * @throws IllegalStateException if the peer announced no migration to that suite
   */
  public void migrationDone(Suite to) {
    Objects.requireNonNull(to, "to");
    checkLive();
    Migration m = migration;
    if (m == null || m.started() || !m.suite().equals(to)) {
      throw new IllegalStateException("the peer of connection " + local + " announced no migration to " + to.name());
    }
    moveTo(m);
  }

  private static void checkKeysOf(Suite to, PublicKeyEntry wrapping, PublicKeyEntry signing) {
    Objects.requireNonNull(wrapping, "wrapping");
    Objects.requireNonNull(signing, "signing");
    if (!wrapping.algorithm().name().equals(to.wrap().name())
        || !signing.algorithm().name().equals(to.signature().name())) {
      throw new IllegalArgumentException("the keys are not of suite " + to.name());
    }
  }

  /** Moves to a migration's suite and keys; the previous ones stay open for what is on its way. */
  private void moveTo(Migration m) {
    KeyRing ring = KeyRing.of(m.suite().wrap(), new java.security.KeyPair(m.mine().wrappingPublic().key(),
        m.mine().wrapping().key()),
        Connections.WRAPPING_POLICY, owner.clock(), new java.security.SecureRandom());
    Suite before;
    synchronized (this) { // the sealer is used under the link's lock (Deposits); the keys change under it
      Held h = held();
      before = suite;
      Instant until = owner.now().plus(Connections.UNACKNOWLEDGED_KEY_LIFE);
      previousWrapping = h.wrapping;
      previousWrappingUntil = until;
      peerSigningPrevious = h.peerSigning;
      peerSigningPreviousUntil = until;
      h.peerSigning = m.peerSigning();
      h.peerWrapping = m.peerWrapping();
      h.signing = m.mine().signing();
      h.signingPublic = m.mine().signingPublic();
      next = null;
      h.wrapping = ring;
      suite = m.suite();
      migration = null;
      sealer = sealerTo(h.signing.keyId(), h.peerWrapping.keyId(), null);
      synchronized (owner) {
        destroyedCounted = ring.destroyedCount();
      }
      keysChanged();
    }
    LOG.info("connection {}: moved from {} to {}", local, before.name(), m.suite().name());
  }

  /** {@return the previous suite's wrapping keys while they still open events, else null} */
  KeyRing previousWrapping() {
    KeyRing ring = previousWrapping;
    Instant until = previousWrappingUntil;
    return ring != null && until != null && owner.now().isBefore(until) ? ring : null;
  }

  /** {@return the suite of a migration under way (started by either side), if any} */
  public Optional<Suite> migratingTo() {
    Migration m = migration;
    return m == null ? Optional.empty() : Optional.of(m.suite());
  }

  /**
   * The rotation and migration state a record keeps besides the keys.
   *
   * @param next this side's announced, unacknowledged signing pair, or null
   * @param peerPrevious the peer's previous signing key, or null
   * @param peerPreviousUntil until when it is accepted, or null
   * @param previousWrapping the wrapping keys of the suite a migration left, or null
   * @param previousWrappingUntil until when they open events, or null
   * @param migration a migration under way, or null
   */
  record SigningState(Signing next, PublicKeyEntry peerPrevious, Instant peerPreviousUntil, KeyRing previousWrapping,
      Instant previousWrappingUntil, Migration migration) {}

  /** Takes the rotation and migration state of a restored record. */
  void restore(SigningState state) {
    next = state.next();
    peerSigningPrevious = state.peerPrevious();
    peerSigningPreviousUntil = state.peerPreviousUntil();
    previousWrapping = state.previousWrapping();
    previousWrappingUntil = state.previousWrappingUntil();
    migration = state.migration();
  }

  /**
   * The peer rotated its identity key and a chain of rotations from the key pinned here to {@code
   * newest} verified ({@link io.vettid.profile.IdentityChain#verify}): the newest is pinned from
   * now on (its profiles must be signed by it), and kept.
   *
   * @param newest the peer's newest identity keyID
   */
  public void peerIdentityRotated(KeyId newest) {
    checkLive();
    Objects.requireNonNull(newest, "newest");
    if (peerIdentity == null) {
      throw new IllegalStateException("connection " + local + " has no pinned identity to follow");
    }
    if (newest.equals(peerIdentity)) {
      return; // told again
    }
    KeyId before = peerIdentity;
    peerIdentity = newest;
    owner.changed(this);
    LOG.info("connection {}: peer's identity {} is now {}", local, before, newest);
  }

  /** {@return this side's identity keyID as the peer is known to pin it, when known} */
  public Optional<KeyId> ownIdentity() {
    return Optional.ofNullable(ownIdentity);
  }

  /**
   * The peer acknowledged this side's identity key {@code pinned}; kept.
   *
   * @param pinned the keyID the peer now pins
   */
  void ownIdentityAcknowledged(KeyId pinned) {
    if (!pinned.equals(ownIdentity)) {
      ownIdentity = pinned;
      owner.changed(this);
    }
  }

  // ---------------------------------------------------------------- how it changes

  /**
   * Starts a rotation of this side's signing key: a new pair is made and kept, to announce to the
   * peer (with the wrapping key, in {@code connection.rotate}); this side goes on signing with the
   * current key until the peer acknowledges ({@link #signingAcknowledged}), so that the peer
   * knows the new key before any key block it signs arrives.
   *
   * @return the new public key, to send to the peer
   * @throws GeneralSecurityException if generation fails
   */
  public PublicKeyEntry rotateSigningKey() throws GeneralSecurityException {
    return rotateSigningKey(io.vettid.crypto.pool.KeySource.generating());
  }

  /**
   * {@link #rotateSigningKey()} with the new pair from a key source (a warm pool).
   *
   * @param keys where the new pair comes from
   * @return the new public key, to send to the peer
   * @throws GeneralSecurityException if no pair can be had
   */
  public PublicKeyEntry rotateSigningKey(io.vettid.crypto.pool.KeySource keys) throws GeneralSecurityException {
    Objects.requireNonNull(keys, "keys");
    checkLive();
    java.security.KeyPair pair = keys.keyPair(suite.signature(), new java.security.SecureRandom());
    PublicKeyEntry pub = PublicKeyEntry.of(suite.signature(), pair.getPublic());
    next = new Signing(new PrivateKeyEntry(pub.keyId(), suite.signature(), pair.getPrivate()), pub);
    owner.changed(this);
    LOG.info("connection {}: new signing key {} announced (in use once the peer acknowledges)", local, pub.keyId());
    return pub;
  }

  /**
   * The peer acknowledged a rotation: if it names the announced signing key, this side signs with
   * it from now on (its next session's key block) and the previous signing key is destroyed; a
   * peer that does not name it (one that ignores signing keys) keeps the current key, and the
   * announced one is dropped. Nothing happens if no signing key was announced.
   *
   * @param acknowledged the signing keyID the acknowledgement names, or empty
   */
  public void signingAcknowledged(String acknowledged) {
    checkLive();
    Signing n = next;
    if (n == null) {
      return;
    }
    if (!n.pub().keyId().value().equals(acknowledged)) {
      LOG.info("connection {}: the peer did not take the new signing key; the current one stays", local);
      undoSigningRotation();
      return;
    }
    synchronized (this) { // the sealer is used under the link's lock (Deposits); the keys change under it
      Held h = held();
      h.signing = n.key();
      h.signingPublic = n.pub();
      next = null;
      sealer = sealerTo(h.signing.keyId(), h.peerWrapping.keyId(), null);
      keysChanged();
    }
    LOG.info("connection {}: now signing with {}", local, n.pub().keyId());
  }

  /** Forgets an announced signing key whose announcement could not be sent. */
  void undoSigningRotation() {
    if (next != null) {
      next = null;
      owner.changed(this);
    }
  }

  /**
   * The peer announced a new signing key: key blocks it signs are accepted from now on, and those
   * signed by its previous key until the peer is seen using the new one (plus {@code grace}), and
   * at most {@link Connections#UNACKNOWLEDGED_KEY_LIFE}.
   *
   * @param newSigning the peer's new signing key (decoded and checked against its keyID)
   */
  public void peerSigningRotated(PublicKeyEntry newSigning) {
    checkLive();
    Objects.requireNonNull(newSigning, "newSigning");
    if (!newSigning.algorithm().name().equals(suite.signature().name())) {
      throw new IllegalArgumentException("the new key is not of the connection's signature algorithm");
    }
    synchronized (this) {
      Held h = held();
      if (newSigning.keyId().equals(h.peerSigning.keyId())) {
        return; // announced again
      }
      peerSigningPrevious = h.peerSigning;
      peerSigningPreviousUntil = owner.now().plus(Connections.UNACKNOWLEDGED_KEY_LIFE);
      h.peerSigning = newSigning;
      keysChanged();
    }
    LOG.info("connection {}: peer's signing key is now {}", local, newSigning.keyId());
  }

  /**
   * The peer signed a key block with its new key: its previous one is accepted for {@code grace}
   * more at most (key blocks still on their way).
   */
  void peerSeenSigningWithNewKey(Duration grace) {
    Instant until = peerSigningPreviousUntil;
    Instant soon = owner.now().plus(grace);
    if (peerSigningPrevious != null && until != null && until.isAfter(soon)) {
      peerSigningPreviousUntil = soon;
      Instant ring = previousWrappingUntil;
      if (previousWrapping != null && ring != null && ring.isAfter(soon)) {
        previousWrappingUntil = soon; // the peer moved with its signing key: what it sealed before is here by then
      }
      owner.changed(this);
    }
  }

  /** {@return the peer's previous signing key while it is still accepted} */
  Optional<PublicKeyEntry> peerSigningPrevious() {
    PublicKeyEntry prev = peerSigningPrevious;
    Instant until = peerSigningPreviousUntil;
    return prev != null && until != null && owner.now().isBefore(until) ? Optional.of(prev) : Optional.empty();
  }

  /**
   * Starts a rotation of this side's wrapping key: a new pair becomes current; the old one still
   * opens events until the grace after the peer acknowledged ({@link #retireAfter}), and at most
   * {@link Connections#UNACKNOWLEDGED_KEY_LIFE}.
   *
   * @return the new public key, to send to the peer
   * @throws GeneralSecurityException if generation fails
   */
  public PublicKeyEntry rotateWrappingKey() throws GeneralSecurityException {
    return rotateWrappingKey(io.vettid.crypto.pool.KeySource.generating());
  }

  /**
   * {@link #rotateWrappingKey()} with the new pair from a key source (a warm pool).
   *
   * @param keys where the new pair comes from
   * @return the new public key, to send to the peer
   * @throws GeneralSecurityException if no pair can be had
   */
  public PublicKeyEntry rotateWrappingKey(io.vettid.crypto.pool.KeySource keys) throws GeneralSecurityException {
    Objects.requireNonNull(keys, "keys");
    checkLive();
    io.vettid.api.spi.KeyAlgorithm algorithm = suite.wrap();
    java.security.KeyPair pair = keys.keyPair(algorithm, new java.security.SecureRandom()); // not under the lock
    KeyId old;
    PublicKeyEntry next;
    synchronized (this) {
      KeyRing ring = held().wrapping;
      if (!ring.algorithm().name().equals(algorithm.name())) {
        throw new IllegalStateException("connection " + local + " moved to another suite during the rotation");
      }
      old = ring.primaryPublic().keyId();
      ring.install(pair);
      next = ring.primaryPublic();
      keysChanged();
    }
    LOG.info("connection {}: new wrapping key {} (previous {} stays open until retired)", local, next.keyId(), old);
    return next;
  }

  /**
   * Undoes a rotation whose announcement could not be sent: the previous wrapping key is current
   * again (and open without end), the new one is destroyed. Nothing changes if another rotation
   * followed.
   *
   * @param rotatedTo the new key {@link #rotateWrappingKey} returned
   * @return whether the rotation was undone
   */
  public boolean undoRotation(PublicKeyEntry rotatedTo) {
    checkLive();
    Objects.requireNonNull(rotatedTo, "rotatedTo");
    synchronized (this) {
      if (!held().wrapping.undoRotation(rotatedTo.keyId())) {
        return false;
      }
      synchronized (owner) {
        destroyedCounted++; // the undone key: destroyed, but not retired
      }
      keysChanged();
    }
    LOG.info("connection {}: rotation to {} undone (its announcement was not sent)", local, rotatedTo.keyId());
    return true;
  }

  /**
   * Schedules this side's previous wrapping keys for destruction, once the peer acknowledged the
   * rotation; events in flight under them still open until then.
   *
   * @param grace how long the previous keys stay open
   */
  public void retireAfter(Duration grace) {
    checkLive();
    Objects.requireNonNull(grace, "grace");
    synchronized (this) {
      held().wrapping.endGraceWithin(grace);
      keyChanges++;
      if (owner.retire(this) == 0) {
        owner.changed(this);
      }
    }
  }

  /**
   * The peer rotated its wrapping key: seal to the new one from now on.
   *
   * @param newWrapping the peer's new wrapping key (decoded and checked against its keyID)
   */
  public void peerRotated(PublicKeyEntry newWrapping) {
    checkLive();
    Objects.requireNonNull(newWrapping, "newWrapping");
    if (!newWrapping.algorithm().name().equals(suite.wrap().name())) {
      throw new IllegalArgumentException("the new key is not of the connection's wrap algorithm");
    }
    synchronized (this) { // the sealer is used under the link's lock (Deposits); the keys change under it
      Held h = held();
      h.peerWrapping = newWrapping;
      sealer = sealerTo(h.signing.keyId(), newWrapping.keyId(), null);
      keysChanged();
    }
    LOG.info("connection {}: peer's wrapping key is now {}", local, newWrapping.keyId());
  }

  /**
   * Records the user issued for the peer after an NKey rotation.
   *
   * @param userPublicKey the new user's public NKey
   */
  public void peerUserRotated(String userPublicKey) {
    checkLive();
    peerUser = Objects.requireNonNull(userPublicKey, "userPublicKey");
    owner.changed(this);
  }

  /**
   * The peer issued this side a new NATS user (NKey rotation): reconnect with it and close the old
   * connection. Events already deposited are unaffected.
   *
   * @param credentials the new user
   * @throws IOException if the peer's server refuses the new user
   * @throws InterruptedException if interrupted
   */
  public void peerCredentialsRotated(UserCredentials credentials) throws IOException, InterruptedException {
    checkLive();
    Route old = route;
    if (old.connector() == null) {
      throw new IllegalStateException("connection " + local + " was not added through an invitation");
    }
    Connection fresh = old.connector().connect(Objects.requireNonNull(credentials, "credentials"), old.inbox(),
        old.server());
    route = Route.of(fresh, true, credentials, old.inbox(), old.connector(), old.server());
    owner.changed(this);
    old.close();
    LOG.info("connection {}: now depositing as a new NATS user", local);
  }

  /**
   * Delivers a handshake message (this side's confirmation) to the peer's handshake subject for
   * this connection, {@code subscriber.<guid>.<es>.handshake.<connectionId>} on the peer's
   * EventSpace server, with the user the peer issued (PROTOCOL.md section 8.5). JetStream keeps it
   * until the peer's vault reads it; a second message on the same subject is refused there.
   *
   * @param message the message bytes
   * @throws IOException if the peer's server does not take it (the caller falls back to text)
   */
  public void deliverHandshake(byte[] message) throws IOException {
    Objects.requireNonNull(message, "message");
    String[] t = depositSubject.split("\\.");
    String subject = io.vettid.nats.subjects.Subjects.handshake(t[1], t[2], t[4]).value();
    try {
      io.nats.client.api.PublishAck ack = route.js().publish(subject,
          new io.nats.client.impl.Headers().put("Nats-Msg-Id", "handshake-" + t[4]), message);
      if (ack.hasError()) {
        throw new IOException("the peer's server refused the handshake message: " + ack.getError());
      }
    } catch (io.nats.client.JetStreamApiException e) {
      throw new IOException("the peer's server refused the handshake message: " + e.getMessage(), e);
    }
  }

  /** Starts a new sealing session with the peer: the next event carries a new key block. */
  public void newSession() {
    sealer.rotateSession();
  }

  /** The held keys changed (under the link's lock): counted, indexed and saved. */
  void keysChanged() {
    keyChanges++;
    owner.changed(this);
  }

  private void checkLive() {
    if (revoked) {
      throw new IllegalStateException("connection " + local + " is revoked");
    }
  }

  @Override
  public String toString() {
    return "Link[" + local + " <-> " + remote + ", " + suite.name() + (revoked ? ", revoked" : "") + "]";
  }
}
