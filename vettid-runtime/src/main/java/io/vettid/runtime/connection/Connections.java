package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.KeyId;
import io.vettid.api.VettidException;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.envelope.EnvelopeOpener;
import io.vettid.crypto.keyring.KeyRing;
import io.vettid.crypto.keyring.RotationPolicy;
import io.vettid.profile.IdentityChain;
import io.vettid.runtime.internal.handlers.IdentityRotationHandler;
import io.vettid.runtime.service.ReplyTransport;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A vault's connections, in memory: for each, this side's signing key and wrapping {@link
 * KeyRing}, the peer's public keys, where to deposit on the peer's EventSpace and the NATS
 * connection (the peer-issued user) to deposit with. It seals what the vault sends ({@link #send},
 * also the runtime's {@link ReplyTransport}) and gives the {@link #opener()} that opens what peers
 * deposit here. A deposit opens only with the keys of the connection whose deposit subject it
 * arrived on: that connection's peer signing key and this side's wrapping ring for it (its primary
 * and, during a rotation's grace period, the key it replaced). A key of any other connection is
 * {@link FailureReason#WRONG_KEY}, so a peer cannot speak as another by sealing with its own keys
 * to the other's subject. Each connection has its own opener and sessions: one peer's session
 * openings neither wait for nor evict another's.
 *
 * <p>Each connection is a {@link Link} ({@link #link}): what it is, and how its keys rotate: {@link
 * Link#rotateWrappingKey} makes a new wrapping pair the ring's primary, keeps the old one open for
 * at most {@link #UNACKNOWLEDGED_KEY_LIFE}, and returns the new public key to announce to the peer
 * in a {@code connection.rotate} event; the peer calls {@link Link#peerRotated} and acknowledges,
 * and {@link Link#retireAfter} shortens the old key's grace. Revocation ({@link #revoke}) forgets
 * the connection and destroys its keys, so later events sealed to them are quarantined as {@link
 * FailureReason#UNKNOWN_KEY_ID}.
 *
 * <pre>{@code
 * Connections connections = new Connections(Clock.systemUTC(), blocks);
 * VettIdRuntime vault = VettIdRuntime.connect(options).connections(connections).start();
 * connections.persistTo(new ConnectionStore(vault.connection(), vaultSecret), connector); // sealed, restored
 * connections.add(established, connector);                  // from Invitations or Invitee
 * EventId id = connections.send(established.local(), EventType.of("chat.message"), payload);
 * }</pre>
 *
 * <p>Records are kept sealed in the {@code Connections} bucket once {@link #persistTo} is called;
 * {@link ConnectionRotation} rotates keys and NATS users on a schedule. A connection kept there
 * holds its keys in memory only while it is among the {@link #keepKeysWarm} most recently used or
 * has a change under way; an idle one holds their keyIDs only and reads its record when a key is
 * needed (a new session's key block, a rotation, the safety number). Events of open sessions need
 * no key.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class Connections implements ReplyTransport, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Connections.class);
  /** How long the pin check of a new connection's server waits for it. */
  static final java.time.Duration PIN_CHECK = java.time.Duration.ofSeconds(5);

  /**
   * How long the NATS user this side issues a peer (in the handshake, and at each rotation) is
   * valid: the server refuses it after that. Three times the rotation period of the reference
   * vault ({@link ConnectionRotation}, 30 days), which issues a new one long before; a peer whose
   * issuer stops rotating loses its user, and is told its next one when the issuer rotates again.
   */
  public static final Duration PEER_USER_VALIDITY = Duration.ofDays(90);

  /** How long a request waits for its answer. */
  public static final Duration ANSWER_WITHIN = Duration.ofHours(24);
  /** How long a previous wrapping key stays open when the peer never acknowledges the rotation. */
  public static final Duration UNACKNOWLEDGED_KEY_LIFE = Duration.ofDays(30);
  /**
   * The policy of the wrapping rings: a replaced key opens for {@link #UNACKNOWLEDGED_KEY_LIFE}
   * unless the peer's acknowledgement shortens it; rotation is {@link ConnectionRotation}'s to
   * schedule (it must be announced), never the ring's own.
   */
  static final RotationPolicy WRAPPING_POLICY =
      new RotationPolicy(Duration.ofDays(30), Long.MAX_VALUE, UNACKNOWLEDGED_KEY_LIFE);

  private final LinkIndex links;
  private final List<Consumer<Revocation>> revocationListeners = new CopyOnWriteArrayList<>();
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final BlockList blocked;
  private final AwaitedAnswers awaited;
  private final Deposits deposits = new Deposits();
  private volatile ConnectionStore store;
  /**
   * The connections kept in the store whose keys are in memory, least recently used first; beyond
   * {@link #warmLimit} the first go cold ({@link #coolDown}).
   */
  private final java.util.LinkedHashMap<ConnectionId, Link> warm = new java.util.LinkedHashMap<>(16, 0.75f, true);
  private volatile int warmLimit = DEFAULT_WARM_KEYS;
  private final java.util.concurrent.atomic.AtomicBoolean coolingDue = new java.util.concurrent.atomic.AtomicBoolean();
  /**
   * How many connections kept in a store hold their keys in memory by default ({@link
   * #keepKeysWarm}).
   */
  public static final int DEFAULT_WARM_KEYS = 1024;
  /**
   * How long a link's keys stay in memory after their last use at least, so that one operation
   * (a key block needs this side's wrapping key and the peer's signing key) reads the record once.
   */
  static final Duration MIN_WARM = Duration.ofSeconds(1);
  /** Drops keys from memory off the callers' threads (which may hold a link's lock). */
  private static final java.util.concurrent.ScheduledExecutorService COOLER =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "vettid-keys-cooler");
    t.setDaemon(true);
    return t;
  });
  /** This side's identity chain: peers that pin an older key of it are told the rest. */
  private volatile IdentityChain identityChain = IdentityChain.EMPTY;

  /** Creates an empty set of connections. */
  public Connections() {
    this(Clock.systemUTC());
  }

  /**
   * Creates an empty set of connections with a clock (for grace periods).
   *
   * @param clock the clock
   */
  public Connections(Clock clock) {
    this(clock, new BlockList());
  }

  /**
   * Creates an empty set of connections with a clock and a block list (shared with the vault's
   * {@link Invitations}).
   *
   * @param clock the clock
   * @param blocked the block list
   */
  public Connections(Clock clock, BlockList blocked) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.blocked = Objects.requireNonNull(blocked, "blocked");
    this.awaited = new AwaitedAnswers(clock);
    this.links = new LinkIndex(blocked);
    this.links.heardFrom = this::heardFrom;
  }

  private volatile java.util.function.Predicate<io.vettid.crypto.Suite> migrationPolicy = suite -> false;
  private volatile io.vettid.crypto.pool.KeySource migrationKeys = io.vettid.crypto.pool.KeySource.generating();

  /**
   * Which suites a peer may move a connection to ({@code connection.migrate}); by default none: a
   * peer's migration is refused until the owner names the suites (the reference CLI: the vault's
   * own suite), so a peer cannot move a connection to a weaker suite it prefers.
   *
   * @param policy whether a suite is accepted
   * @param keys where this side's new key pairs come from (a warm pool, or generation)
   * @return these connections
   */
  public Connections acceptMigrationTo(java.util.function.Predicate<io.vettid.crypto.Suite> policy,
      io.vettid.crypto.pool.KeySource keys) {
    this.migrationPolicy = Objects.requireNonNull(policy, "policy");
    this.migrationKeys = Objects.requireNonNull(keys, "keys");
    return this;
  }

  /**
   * {@return whether a peer may move a connection to this suite (a policy that throws refuses)}
   *
   * @param suite the suite
   */
  public boolean acceptsMigrationTo(io.vettid.crypto.Suite suite) {
    try {
      return migrationPolicy.test(Objects.requireNonNull(suite, "suite"));
    } catch (RuntimeException e) { // a policy that fails refuses
      LOG.warn("the migration policy failed ({}); the migration is refused", e.getClass().getSimpleName());
      return false;
    }
  }

  /**
   * Starts moving a connection to another suite: this side's keys of it are made and announced to
   * the peer ({@code connection.migrate}); the connection moves when the peer answers with its own
   * keys, and stays on its suite if the peer refuses (PROTOCOL.md section 8.4). The peer must have
   * the built-in {@code connection-migration} handler routed by its rules, and a policy that accepts
   * the suite.
   *
   * @param local the connection
   * @param to the suite to move to
   * @throws GeneralSecurityException if the new keys cannot be had
   * @throws VettidException if the announcement cannot be sent; then nothing changed
   * @throws IllegalArgumentException if the connection uses that suite already
   */
  public void migrate(ConnectionId local, io.vettid.crypto.Suite to) throws GeneralSecurityException, VettidException {
    Link link = link(local);
    Link.MigrationKeys keys = link.startMigration(Objects.requireNonNull(to, "to"), migrationKeys);
    try {
      send(local, io.vettid.runtime.internal.handlers.MigrationHandler.MIGRATE,
          io.vettid.runtime.internal.handlers.MigrationHandler.announce(keys));
    } catch (VettidException | RuntimeException e) {
      link.dropMigration(to); // the peer never heard of it
      throw e;
    }
  }

  /** {@return where this side's new key pairs of a migration come from} */
  public io.vettid.crypto.pool.KeySource migrationKeys() {
    return migrationKeys;
  }

  // ---------------------------------------------------------------- adding and restoring

  /**
   * Adds a connection.
   *
   * @param local the id the peer deposits here under (the last token of this vault's deposit
   *     subject for it)
   * @param remote the id this vault deposits under on the peer's EventSpace
   * @param depositSubject the peer's deposit subject for this vault ({@code
   *     subscriber.<guid>.<es>.queue.<remote>})
   * @param peerNats a NATS connection as the user the peer issued for this connection
   * @param mine this side's keys for the connection
   * @param peerSigning the peer's signing key for the connection
   * @param peerWrapping the peer's wrapping key for the connection
   * @throws IOException if JetStream is not available on the peer connection
   */
  public void add(ConnectionId local, ConnectionId remote, String depositSubject, Connection peerNats,
      ConnectionKeys mine, PublicKeyEntry peerSigning, PublicKeyEntry peerWrapping) throws IOException {
    Objects.requireNonNull(peerNats, "peerNats");
    Link.Keys keys = keys(local, remote, depositSubject, mine, peerSigning, peerWrapping, null, null);
    add(keys, null, Link.Route.of(peerNats, false, null, null, null, null), keptSessions(local));
  }

  /**
   * The sessions kept for a connection added by hand (its record is not kept, so {@link
   * #persistTo} does not restore it): once the vault keeps its connections, a connection added
   * again under the same id goes on with them (sessions of other keys end at their first event).
   */
  private Link.Sessions keptSessions(ConnectionId local) {
    ConnectionStore s = store;
    return s == null ? Link.Sessions.NONE : keptIn(s, local, new java.util.ArrayList<>());
  }

  /**
   * The sessions a store keeps for a connection; one whose opening sessions were kept but do not
   * open or decode is added to {@code unreadable} (its peer may be asked for a new session).
   */
  private static Link.Sessions keptIn(ConnectionStore s, ConnectionId id, List<ConnectionId> unreadable) {
    io.vettid.crypto.envelope.SessionStates.Openings openings = null;
    try {
      openings = s.openings(id);
    } catch (GeneralSecurityException e) {
      LOG.warn("connection {}: its kept sessions are not used ({})", id, e.getMessage());
      unreadable.add(id);
    }
    return new Link.Sessions(s.sealing(id), openings);
  }

  /**
   * Adds a connection agreed through an invitation, connecting to the peer's EventSpace with the
   * user the peer issued.
   *
   * <p>When the handshake named the peer's server, its pin is checked first ({@link
   * io.vettid.nats.server.ServerAddress#checkPin}): a server that answers with a certificate of
   * another CA refuses the connection at once and nothing is kept; one that cannot be reached now
   * is left to the connector (which may wait for it).
   *
   * @param e the agreed connection
   * @param connector opens the NATS connection to the peer's server
   * @throws io.vettid.nats.server.PinMismatchException if the peer's server presents another CA's
   *     certificate than the handshake pinned
   * @throws IOException if the peer's server cannot be reached
   * @throws InterruptedException if interrupted
   */
  public void add(Established e, PeerConnector connector) throws IOException, InterruptedException {
    Objects.requireNonNull(e, "e");
    Objects.requireNonNull(connector, "connector");
    if (e.peerServer() != null) {
      try {
        e.peerServer().checkPin(PIN_CHECK);
      } catch (io.vettid.nats.server.PinMismatchException refused) {
        throw refused;
      } catch (IOException unreachable) {
        LOG.info("the peer's server {} cannot be checked now ({}); the connector decides", e.peerServer().hostPort(),
            unreachable.getClass().getSimpleName());
      }
    }
    Link.Keys keys = keys(e.local(), e.remote(), e.peerDepositSubject(), e.mine(), e.peerSigning(), e.peerWrapping(),
        e.peerIdentity(), e.ownDepositSubject());
    Connection nats = connector.connect(e.peerCredentials(), e.peerInbox(), e.peerServer());
    Link link = add(keys, e.peerUserPublicKey(), Link.Route.of(nats, true, e.peerCredentials(), e.peerInbox(), connector,
        e.peerServer()));
    link.ownIdentity = e.ownIdentity();
    persist(link);
    // a handshake of an invitation made before a rotation presented the older key: the peer is told
    // once it is heard from (the invitee may not hold the connection yet), or by tellIdentity
    link.identityUnheard = identityOutdated(link);
  }

  private boolean identityOutdated(Link link) {
    KeyId newest = identityChain.newest().orElse(null);
    return newest != null && link.ownIdentity != null && !newest.equals(link.ownIdentity);
  }

  /** The peer of a link waiting to be told an identity rotation was heard from: told now, off the opening thread. */
  private void heardFrom(Link link) {
    if (link.identityUnheard) {
      link.identityUnheard = false;
      java.util.concurrent.CompletableFuture.runAsync(() -> tellIdentity(link));
    }
  }

  private Link.Keys keys(ConnectionId local, ConnectionId remote, String depositSubject, ConnectionKeys mine,
      PublicKeyEntry peerSigning, PublicKeyEntry peerWrapping, KeyId peerIdentity, String ownDeposit) {
    if (links.contains(Objects.requireNonNull(local, "local"))) {
      throw new IllegalArgumentException("connection " + local + " already exists");
    }
    return Link.Keys.of(local, remote, depositSubject, mine, peerSigning, peerWrapping, peerIdentity, ownDeposit,
        KeyRing.of(mine.suite().wrap(), new KeyPair(mine.wrappingPublic().key(), mine.wrapping().key()),
            WRAPPING_POLICY, clock, random));
  }

  private Link add(Link.Keys keys, String peerUser, Link.Route route) {
    return add(keys, peerUser, route, Link.Sessions.NONE);
  }

  private Link add(Link.Keys keys, String peerUser, Link.Route route, Link.Sessions kept) {
    Link link = new Link(this, keys, peerUser, route, links::openerOf, kept);
    if (!links.add(link)) {
      route.close();
      throw new IllegalArgumentException("connection " + link.local + " already exists");
    }
    return link;
  }

  /**
   * Keeps the connections in a sealed store from now on (each change is written), after loading
   * those already there: for each stored record the keys are restored and a NATS connection to the
   * peer is made with the stored user. The envelope sessions are kept there too, sealed under their
   * own key derived from the vault secret: each sealing session is written before its reserved
   * sequences are used ({@link io.vettid.crypto.envelope.Sealer.Journal}), and each connection's
   * opening sessions before the deposits they opened are acknowledged ({@link
   * EnvelopeOpener#checkpoint}). A restored connection goes on with its sessions, so no peer is
   * asked for a new one; only a peer whose kept sessions do not open or decode is ({@code
   * session.reset}). A connection added by hand ({@link #add(ConnectionId, ConnectionId, String,
   * Connection, ConnectionKeys, PublicKeyEntry, PublicKeyEntry)}) after this call keeps its sessions
   * too, and goes on with them when it is added again under the same id.
   *
   * @param store the sealed store
   * @param connector opens NATS connections to peers
   * @return how many connections were restored
   * @throws IOException if the store or a peer's server cannot be reached
   * @throws InterruptedException if interrupted
   * @throws GeneralSecurityException if a record does not open (wrong vault secret, tampering) or a
   *     key does not decode
   */
  public int persistTo(ConnectionStore store, PeerConnector connector)
      throws IOException, InterruptedException, GeneralSecurityException {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(connector, "connector");
    store.preloadSessions(); // every kept session in one pass, not two round trips per connection
    int restored = 0;
    List<ConnectionId> lost = new java.util.ArrayList<>();
    for (ConnectionRecord.Restored s : store.restore(id -> !links.contains(id), clock, random)) {
      Link.Sessions kept = keptIn(store, s.keys().local(), lost); // a peer whose sessions are lost is asked
      Connection nats = connector.connect(s.creds(), s.inbox(), s.server());
      Link link = add(s.keys(), s.peerUser(), Link.Route.of(nats, true, s.creds(), s.inbox(), connector,
          s.server()), kept);
      link.restore(s.signing());
      link.ownIdentity = s.ownIdentity();
      links.reindex(link);
      restored++;
    }
    links.keepWith(store);
    this.store = store;
    links.all().forEach(this::persist);
    for (ConnectionId id : lost) {
      askForNewSession(id);
    }
    return restored;
  }

  /** {@return the time on this object's clock (grace periods)} */
  Instant now() {
    return clock.instant();
  }

  /** {@return this object's clock} */
  java.time.Clock clock() {
    return clock;
  }

  /** {@return the store the connections are kept in, or null} */
  ConnectionStore store() {
    return store;
  }

  /**
   * Saves a link to the store, if it is kept there; under the link's lock, so that saves of one
   * link do not overtake each other and its keys do not go cold while it is written.
   */
  private void persist(Link link) {
    ConnectionStore s = store;
    if (s != null && link.route.creds() != null) {
      boolean saved;
      synchronized (link) {
        long changes = link.keyChanges;
        saved = s.save(link);
        if (saved) {
          link.keysSaved = changes;
        }
      }
      if (saved) {
        keysUsed(link);
      }
    }
  }

  // ---------------------------------------------------------------- keys in memory

  /**
   * Sets how many connections kept in the store ({@link #persistTo}) hold their keys in memory
   * (default {@value #DEFAULT_WARM_KEYS}); beyond it, those least recently used go cold: their
   * private and public keys are dropped from memory and stay only in the connection's sealed
   * record, which is read again when a key is needed (a new session's key block, a rotation, the
   * safety number), about one read of the store. Events of an open session need no key. Only a
   * connection with nothing under way goes cold (no rotation or migration, no previous key in its
   * grace), and only once the store holds its keys as they are. Connections not kept in a store
   * always hold their keys.
   *
   * @param max at most this many warm connections (0: every connection cold between uses)
   * @return this object
   * @throws IllegalArgumentException if {@code max} is negative
   */
  public Connections keepKeysWarm(int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must not be negative");
    }
    warmLimit = max;
    scheduleCooling();
    return this;
  }

  /**
   * Sets after how many bytes of batches a snapshot replaces them (default 4 MiB, {@code
   * LinkIndex.MIN_COMPACT_BYTES}). The opening sessions that an acknowledgement batch's deposits
   * changed are written in one entry of the store per batch, whatever number of connections it
   * covers; once the batches since the last snapshot hold this many bytes, and at least twice that
   * snapshot, a snapshot of every connection's opening sessions is written in the background and
   * the entries before it are removed. Lower: a smaller bucket, more snapshots written.
   *
   * @param bytes the batches' bytes (0: a snapshot after every batch)
   * @return this object
   * @throws IllegalArgumentException if {@code bytes} is negative
   */
  public Connections snapshotSessionsAfter(long bytes) {
    links.compactAfter(bytes);
    return this;
  }

  /** {@return how many snapshots of the opening sessions this object wrote} */
  public long sessionSnapshots() {
    return links.snapshots();
  }

  /**
   * {@return how many times a cold connection's keys were read from the store since this object
   * was made}
   */
  public long keyLoads() {
    return keyLoads.get();
  }

  private final java.util.concurrent.atomic.AtomicLong keyLoads = new java.util.concurrent.atomic.AtomicLong();

  /** {@return how many connections hold their keys in memory} */
  public int warmKeys() {
    return (int) links.all().stream().filter(Link::warm).count();
  }

  /** A link's keys were used (or saved): it is the most recently used warm link. */
  void keysUsed(Link link) {
    if (store == null || link.revoked || link.route.creds() == null) {
      return; // a link not kept in the store never goes cold
    }
    boolean over;
    synchronized (warm) {
      warm.put(link.local, link);
      over = warm.size() > warmLimit;
    }
    if (over) {
      scheduleCooling();
    }
  }

  private void scheduleCooling() {
    if (store != null && coolingDue.compareAndSet(false, true)) {
      COOLER.execute(this::coolDown);
    }
  }

  /**
   * Makes the least recently used warm links cold until at most {@link #keepKeysWarm} hold their
   * keys; a link that cannot go cold yet (something under way, not saved) stays warm and counts
   * as recently used.
   *
   * @return how many went cold
   */
  int coolDown() {
    coolingDue.set(false);
    long now = System.nanoTime();
    boolean recent = false;
    List<Link> candidates = new java.util.ArrayList<>();
    synchronized (warm) {
      int excess = warm.size() - warmLimit;
      java.util.Iterator<Link> it = warm.values().iterator();
      while (candidates.size() < excess && it.hasNext()) {
        candidates.add(it.next());
      }
    }
    int cooled = 0;
    for (Link l : candidates) {
      boolean used = now - l.lastUsed < MIN_WARM.toNanos();
      recent |= used;
      boolean cold = !used && l.cool();
      synchronized (warm) {
        if (cold && !l.warm()) {
          warm.remove(l.local, l);
          cooled++;
        } else {
          warm.get(l.local); // stays warm: now the most recently used
        }
      }
    }
    if (recent && coolingDue.compareAndSet(false, true)) { // try again once they were idle long enough
      COOLER.schedule(this::coolDown, MIN_WARM.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    return cooled;
  }

  /**
   * The keys of a cold link, from its sealed record, checked against the keyIDs it had.
   *
   * @throws IllegalStateException if the record cannot be read now
   * @throws Link.KeysRefused if the record is gone, does not open or decode, or does not hold those keys
   */
  Link.Held loadKeys(Link link, Link.Cold cold) {
    ConnectionStore s = store;
    if (s == null || cold == null) {
      throw new IllegalStateException("connection " + link.local + ": its keys are neither in memory nor in a store");
    }
    ConnectionRecord.Restored r;
    keyLoads.incrementAndGet();
    try {
      r = s.restoreOne(link.local, clock, random);
    } catch (IOException e) { // the store away now: what needs the keys comes again
      throw new IllegalStateException("connection " + link.local + ": its keys could not be read from the store ("
          + e.getClass().getSimpleName() + ")", e);
    } catch (GeneralSecurityException e) {
      throw new Link.KeysRefused("connection " + link.local + ": its stored record does not open or its keys do not"
          + " decode; they are not used", e);
    }
    if (r == null) {
      throw new Link.KeysRefused("connection " + link.local + ": its record is not in the store", null);
    }
    Link.Keys k = r.keys();
    List<KeyRing.Version> versions = k.wrapping().versions();
    if (!k.suite().name().equals(link.suite.name()) || !k.signing().keyId().equals(cold.signing())
        || versions.size() != 1 || !versions.get(0).keyId().equals(cold.wrapping())
        || !k.peerSigning().keyId().equals(cold.peerSigning()) || !k.peerWrapping().keyId().equals(cold.peerWrapping())) {
      throw new Link.KeysRefused("connection " + link.local
          + ": its stored record does not hold the keys it had; they are not used", null);
    }
    synchronized (this) {
      link.destroyedCounted = k.wrapping().destroyedCount();
    }
    return new Link.Held(k.signing(), k.signingPublic(), k.wrapping(), k.peerSigning(), k.peerWrapping());
  }

  /**
   * The opener for deposits on this vault's EventSpaces: it finds the connection a deposit
   * subject belongs to and opens only with that connection's keys ({@link FailureReason#WRONG_KEY}
   * for a key of another connection, {@link FailureReason#UNKNOWN_KEY_ID} on the subject of a
   * connection that is unknown or revoked).
   *
   * @return the opener
   */
  public EnvelopeOpener opener() {
    return links;
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends a new event (a fresh eventId and dedupe id).
   *
   * @param local the connection
   * @param type the event type
   * @param payload the payload
   * @return the eventId
   * @throws VettidException if it cannot be sent
   */
  public EventId send(ConnectionId local, EventType type, ObjectNode payload) throws VettidException {
    EventId id = EventId.random();
    send(local, type, id, payload, "send-" + id.value());
    return id;
  }

  /**
   * Seals an event to the peer's current wrapping key, signs it with this side's key, and
   * deposits it on the peer's EventSpace.
   *
   * @param local the connection
   * @param type the event type
   * @param eventId the logical event
   * @param payload the payload
   * @param dedupeId the deposit's {@code Nats-Msg-Id} (the same id twice is kept once)
   * @throws VettidException {@link FailureReason#CONNECTION_REVOKED} if there is no such connection
   *     or the deposit was refused
   */
  @Override
  public void send(ConnectionId local, EventType type, EventId eventId, ObjectNode payload, String dedupeId)
      throws VettidException {
    // one way to seal and deposit: this waits for the asynchronous deposit
    Deposits.await(sendAsync(local, type, eventId, payload, dedupeId), local);
  }

  /**
   * Seals an event and starts its deposit without waiting for the server's acknowledgement: for
   * senders with many events (an integration service, a bulk import), which keep a window of
   * deposits in flight. Deposits of one connection keep their order (the key block of a session
   * still goes first); the future completes when the peer's stream stored the event, or fails with
   * a {@link VettidException} ({@link FailureReason#CONNECTION_REVOKED} if there is no such
   * connection or the deposit was refused).
   *
   * <pre>{@code
   * List<CompletableFuture<EventId>> window = new ArrayList<>();
   * for (ObjectNode item : items) {
   *   window.add(connections.sendAsync(bob, EventType.of("order.request"), item));
   * }
   * CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
   * }</pre>
   *
   * @param local the connection
   * @param type the event type
   * @param payload the payload
   * @return the eventId, once the deposit is stored
   */
  public CompletableFuture<EventId> sendAsync(ConnectionId local, EventType type, ObjectNode payload) {
    EventId id = EventId.random();
    return sendAsync(local, type, id, payload, "send-" + id.value()).thenApply(stored -> id);
  }

  /**
   * Like {@link #sendAsync(ConnectionId, EventType, ObjectNode)} with a given eventId and dedupe id.
   *
   * @param local the connection
   * @param type the event type
   * @param eventId the logical event
   * @param payload the payload
   * @param dedupeId the deposit's {@code Nats-Msg-Id}
   * @return completes when the deposit is stored
   */
  public CompletableFuture<Void> sendAsync(ConnectionId local, EventType type, EventId eventId, ObjectNode payload,
      String dedupeId) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(dedupeId, "dedupeId");
    Link link = links.get(local);
    if (link == null) {
      return CompletableFuture.failedFuture(
          new VettidException(FailureReason.CONNECTION_REVOKED, "no connection " + local.value()));
    }
    InternalEvent event = InternalEvent.builder().type(type).eventId(eventId).connectionId(link.remote)
        .payload(payload).build();
    awaited.sending(local, eventId, type);
    return deposits.deposit(link, InternalEventCodec.encode(event), dedupeId);
  }

  /** {@return how many events were sealed and deposited} */
  public long sent() {
    return deposits.stored();
  }

  /**
   * From now on, every event of this type sent through these connections is remembered (its
   * connection and eventId, for {@link #ANSWER_WITHIN}), so that an answer can be checked against
   * it with {@link #awaitsAnswer}.
   *
   * @param request the request type, such as {@code profile.request}
   */
  public void expectAnswersTo(EventType request) {
    awaited.expect(Objects.requireNonNull(request, "request"));
  }

  /**
   * Whether a request of this type was sent on this connection under this eventId within {@link
   * #ANSWER_WITHIN} (an answer carries its request's eventId).
   *
   * @param local the connection the answer came on
   * @param eventId the answer's eventId
   * @param request the request type it answers
   * @return true if such a request is awaiting its answer
   */
  public boolean awaitsAnswer(ConnectionId local, EventId eventId, EventType request) {
    return awaited.awaits(Objects.requireNonNull(local, "local"), Objects.requireNonNull(eventId, "eventId"),
        Objects.requireNonNull(request, "request"), ANSWER_WITHIN);
  }

  /**
   * Asks every peer for a new session ({@code session.reset}, best effort), for a vault whose
   * session keys were lost (kept in memory only, without {@link #persistTo}).
   *
   * @return how many peers were asked
   */
  public int askPeersForNewSessions() {
    int n = 0;
    for (ConnectionId c : list()) {
      n += askForNewSession(c) ? 1 : 0;
    }
    return n;
  }

  private boolean askForNewSession(ConnectionId c) {
    try {
      send(c, EventType.of("session.reset"), JsonNodeFactory.instance.objectNode());
      return true;
    } catch (VettidException e) {
      LOG.info("connection {}: could not ask for a new session ({})", c, e.reason());
      return false;
    }
  }

  // ---------------------------------------------------------------- rotation

  /**
   * Sets this side's identity chain as the owner keeps it (at start, before {@link #tellIdentity()}):
   * connections whose peer pins an older key of it are told the rotations since.
   *
   * @param chain the owner's identity chain
   */
  public void identityChain(IdentityChain chain) {
    identityChain = Objects.requireNonNull(chain, "chain");
  }

  /** {@return this side's identity chain, as last set} */
  public IdentityChain identityChain() {
    return identityChain;
  }

  /**
   * The owner rotated the identity key: every peer is told, with {@code identity.rotate}
   * carrying the rotations since the key it pins, verifies them, pins the new key and acknowledges
   * (PROTOCOL.md section 8.4). A peer that cannot be told now is told again by {@link
   * #tellIdentity()} (which {@link ConnectionRotation} runs with its maintenance).
   *
   * @param next the owner's new identity
   * @return how many peers were told
   * @throws IllegalArgumentException if {@code next}'s chain does not continue the one set before
   */
  public int identityRotated(Identity next) {
    Objects.requireNonNull(next, "next");
    IdentityChain before = identityChain;
    if (!before.isEmpty() && !next.chain().names(before.newest().orElseThrow())) {
      throw new IllegalArgumentException("the new identity's chain does not continue the current one");
    }
    identityChain = next.chain();
    LOG.info("identity rotated to {}: telling {} connections", next.keyId(), links.all().size());
    return tellIdentity();
  }

  /**
   * Tells one peer the rotations since the identity key it pins, if it is not known to pin the
   * newest and was not told since this object started: for the invitee's side of a handshake whose
   * invitation named an older key of this owner (the inviter already holds the connection when
   * its confirmation arrives).
   *
   * @param local the connection
   * @return whether it was told
   */
  public boolean tellIdentity(ConnectionId local) {
    Link link = link(local);
    link.identityUnheard = false;
    return tellIdentity(link);
  }

  /** How long a peer told of an identity rotation has to acknowledge it before it is told again. */
  public static final Duration IDENTITY_TOLD_AGAIN = Duration.ofHours(24);

  /**
   * Tells every peer that is not known to pin this side's newest identity key the rotations since
   * the key it pins, unless it was told within {@link #IDENTITY_TOLD_AGAIN} (an acknowledgement
   * may still be on its way).
   *
   * @return how many peers were told
   */
  public int tellIdentity() {
    int told = 0;
    for (Link link : links.all()) {
      told += tellIdentity(link) ? 1 : 0;
    }
    return told;
  }

  private boolean tellIdentity(Link link) {
    IdentityChain chain = identityChain;
    KeyId newest = chain.newest().orElse(null);
    Instant now = clock.instant();
    Link.Told told = link.identityTold;
    if (newest == null || link.revoked || link.peerIdentity == null || newest.equals(link.ownIdentity)
        || (told != null && newest.equals(told.key()) && now.isBefore(told.at().plus(IDENTITY_TOLD_AGAIN)))) {
      return false; // nothing to tell, a connection without identities, or told lately
    }
    // a record from before identities were kept per connection names none: the whole chain, the peer starts from its pin
    KeyId pinned = link.ownIdentity;
    IdentityChain since = pinned != null && chain.names(pinned) ? chain.since(pinned) : chain;
    try {
      send(link.local, IdentityRotationHandler.ROTATE, IdentityRotationHandler.announce(since));
      link.identityTold = new Link.Told(newest, now);
      return true;
    } catch (VettidException | RuntimeException e) {
      LOG.info("connection {}: could not tell the identity rotation now ({}); told again later", link.local,
          e instanceof VettidException v ? v.reason() : e.getClass().getSimpleName());
      return false;
    }
  }

  /**
   * The peer acknowledged pinning this side's identity key {@code pinned} ({@code
   * identity.rotate.ack}); kept. A key this side's chain does not name is ignored.
   *
   * @param local the connection
   * @param pinned the keyID the peer says it pins
   * @return whether it was taken
   */
  public boolean identityAcknowledged(ConnectionId local, KeyId pinned) {
    Objects.requireNonNull(pinned, "pinned");
    Link link = link(local);
    IdentityChain chain = identityChain;
    if (!chain.names(pinned)) {
      LOG.warn("connection {}: the peer acknowledged identity {}, which this side's chain does not name", local, pinned);
      return false;
    }
    link.ownIdentityAcknowledged(pinned);
    return true;
  }

  /**
   * Destroys keys whose grace period ended, and saves the connections whose keys were destroyed.
   *
   * @return how many keys were retired since the last call (by this call, or because a lookup found
   *     their grace over)
   */
  public int retireDue() {
    int retired = 0;
    for (Link link : links.all()) {
      retired += retire(link);
    }
    return retired;
  }

  /** Destroys one link's keys whose grace ended; saves the link if any was retired since last counted. */
  int retire(Link link) {
    synchronized (link) { // its keys change under its lock
      if (!link.warm()) {
        return 0; // a cold link holds one wrapping key and nothing in a grace period (it goes cold only so)
      }
      if (link.previousWrapping != null && link.previousWrapping() == null) {
        link.previousWrapping = null; // a migration's previous suite: its keys' time is over
        link.previousWrappingUntil = null;
        LOG.info("connection {}: the wrapping keys of its previous suite retired", link.local);
        link.keysChanged();
      }
      KeyRing ring = link.held().wrapping;
      ring.destroyExpired();
      long retired;
      synchronized (this) {
        retired = ring.destroyedCount() - link.destroyedCounted;
        link.destroyedCounted += retired;
      }
      if (retired > 0) {
        LOG.info("connection {}: {} wrapping key(s) retired", link.local, retired);
        link.keysChanged();
      }
      return (int) retired;
    }
  }

  /**
   * The connections whose current wrapping key is older than {@code maxAge} (scheduled rotation).
   *
   * @param maxAge the longest a wrapping key may serve
   * @return the connections due
   */
  public List<ConnectionId> rotationDue(Duration maxAge) {
    Objects.requireNonNull(maxAge, "maxAge");
    Instant limit = clock.instant().minus(maxAge);
    return links.all().stream().filter(l -> l.wrappingSince().isBefore(limit)).map(l -> l.local).toList();
  }

  // ---------------------------------------------------------------- revocation

  /**
   * Calls a listener for every connection revoked from now on, whoever revoked it (the owner, or
   * the peer with {@code connection.revoked}): the place to revoke the peer's NATS user in the
   * account and push it (the reference vault does).
   *
   * @param listener called after the connection's keys are destroyed; its failures are logged
   */
  public void onRevoked(Consumer<Revocation> listener) {
    revocationListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Tells the peer (best effort: a {@code connection.revoked} event, sealed and deposited like any
   * other), then revokes the connection here. Revoke the user issued for the peer in the account as
   * well ({@link Link#peerUser}), so that the server refuses it.
   *
   * @param local the connection
   * @return whether the peer could be told
   */
  public boolean revokeAndTell(ConnectionId local) {
    boolean told;
    try {
      send(local, EventType.of("connection.revoked"), JsonNodeFactory.instance.objectNode());
      told = true;
    } catch (VettidException e) {
      LOG.info("connection {}: the peer could not be told of the revocation ({})", local, e.reason());
      told = false;
    }
    revoke(local);
    return told;
  }

  /**
   * Revokes a connection here: forgets it and destroys its keys (events sealed to them are then
   * quarantined as unknown keyIDs, events signed by the peer's key are refused), keeps a
   * tombstone in the store, and tells the {@linkplain #onRevoked revocation listeners}.
   *
   * @param local the connection
   * @return whether it existed
   */
  public boolean revoke(ConnectionId local) {
    Link link = links.remove(Objects.requireNonNull(local, "local"));
    if (link == null) {
      return false;
    }
    link.revoked = true;
    synchronized (warm) {
      warm.remove(local, link);
    }
    Revocation revocation = new Revocation(local, Optional.ofNullable(link.peerUser),
        Optional.ofNullable(link.peerIdentity), clock.instant());
    ConnectionStore s = store;
    if (s != null) {
      try {
        s.bury(revocation);
      } catch (IOException | JetStreamApiException e) {
        LOG.warn("connection {}: its sealed record could not be replaced by its tombstone ({})", local,
            e.getClass().getSimpleName());
      }
      links.compactSoon(); // its opening sessions leave the batches with the next snapshot, written now
    }
    for (Consumer<Revocation> l : revocationListeners) {
      try {
        l.accept(revocation);
      } catch (RuntimeException e) {
        LOG.warn("connection {}: a revocation listener failed ({})", local, e.getClass().getSimpleName());
      }
    }
    link.route.close();
    LOG.info("connection {} revoked; its keys are destroyed", local);
    return true;
  }

  /**
   * The tombstones of revoked connections kept in the store ({@link #persistTo}): connection id to
   * {@code {"revokedAt", "peerUser", "peerIdentity"}}; no keys, no credentials.
   *
   * @return the tombstones, empty without a store
   * @throws IOException if the store cannot be read
   * @throws GeneralSecurityException if a tombstone does not open with the vault secret
   */
  public Map<String, JsonNode> tombstones() throws IOException, GeneralSecurityException {
    ConnectionStore s = store;
    return s == null ? Map.of() : s.tombstones();
  }

  /**
   * Blocks a peer identity: its connections here are revoked (keys destroyed, so its events are
   * quarantined), its signing keys verify nothing more, and {@link Invitations} and {@link Invitee}
   * refuse it when given the same {@link BlockList}. Revoke the users issued for it ({@link
   * Link#peerUser}, read before blocking) in the account too.
   *
   * @param identity the identity keyID
   * @return the connections revoked
   */
  public List<ConnectionId> block(KeyId identity) {
    blocked.block(Objects.requireNonNull(identity, "identity"));
    List<ConnectionId> cut = links.all().stream().filter(l -> identity.equals(l.peerIdentity))
        .map(l -> l.local).toList();
    cut.forEach(this::revoke);
    return cut;
  }

  /** {@return the block list this vault uses} */
  public BlockList blockList() {
    return blocked;
  }

  // ---------------------------------------------------------------- what a connection is

  /** {@return the connections, by local id} */
  public List<ConnectionId> list() {
    return links.ids();
  }

  /**
   * One connection: what it is, and how its keys and NATS users change.
   *
   * @param local the connection's id here
   * @return its link
   * @throws IllegalArgumentException if there is no such connection (never added, or revoked)
   */
  public Link link(ConnectionId local) {
    Link link = links.get(Objects.requireNonNull(local, "local"));
    if (link == null) {
      throw new IllegalArgumentException("no connection " + local);
    }
    return link;
  }

  /**
   * A link's keys or route changed: its wrapping keys are indexed as its own (a key it no longer
   * has, not), and it is saved.
   */
  void changed(Link link) {
    links.reindex(link);
    persist(link);
  }

  /**
   * Closes the NATS connections this object opened to peers ({@link #add(Established,
   * PeerConnector)}); keys and connections stay, so nothing more can be sent until they are added
   * again.
   */
  @Override
  public void close() {
    // the connections this side owns, side by side (each close can take a second in jnats)
    io.vettid.runtime.internal.Closing.inParallel(links.all().stream().map(l -> l.route).filter(Link.Route::owned)
        .map(Link.Route::nats).distinct().toList()); // one per connection, not per link sharing it
  }
}
