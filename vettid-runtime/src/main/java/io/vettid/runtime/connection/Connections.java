package io.vettid.runtime.connection;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.KeyId;
import io.vettid.api.VettidException;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.envelope.EnvelopeException;
import io.vettid.crypto.envelope.EnvelopeOpener;
import io.vettid.crypto.envelope.Opener;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.runtime.service.ReplyTransport;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A vault's connections, in memory: for each, this side's keys, the peer's public keys, where to
 * deposit on the peer's EventSpace and the NATS connection (the peer-issued user) to deposit with.
 * It seals what the vault sends ({@link #send}, also the runtime's {@link ReplyTransport}) and
 * gives the {@link #opener()} that opens what peers deposit here. A deposit opens only with the
 * keys of the connection whose deposit subject it arrived on: that connection's peer signing key
 * and this side's wrapping keys for it (current and, during a rotation's grace period, previous).
 * A key of any other connection is {@link FailureReason#WRONG_KEY}, so a peer cannot speak as
 * another by sealing with its own keys to the other's subject. Each connection has its own opener
 * and sessions: one peer's session openings neither wait for nor evict another's.
 *
 * <p>Key rotation: {@link #rotateWrappingKey} makes a new wrapping pair, keeps the old one open
 * for the grace period, and returns the new public key to announce to the peer in a {@code
 * connection.rotate} event; the peer calls {@link #peerRotated} and acknowledges. Revocation
 * ({@link #revoke}) forgets the connection and destroys its keys, so later events sealed to them
 * are quarantined as {@link FailureReason#UNKNOWN_KEY_ID}.
 *
 * <pre>{@code
 * Connections connections = new Connections(Clock.systemUTC(), blocks);
 * VettIdRuntime vault = VettIdRuntime.builder().nats(options).connections(connections).start();
 * connections.persistTo(new ConnectionStore(vault.connection(), vaultSecret), connector); // sealed, restored
 * connections.add(established, connector);                  // from Invitations or Invitee
 * EventId id = connections.send(established.local(), EventType.of("chat.message"), payload);
 * }</pre>
 *
 * <p>Records are kept sealed in the {@code Connections} bucket once {@link #persistTo} is called;
 * {@link ConnectionRotation} rotates keys and NATS users on a schedule.
 */
public final class Connections implements ReplyTransport, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

  private final Map<ConnectionId, Peer> peers = new ConcurrentHashMap<>();
  private final Map<KeyId, Owned> ownKeys = new ConcurrentHashMap<>();
  private final Map<KeyId, PublicKeyEntry> peerSigners = new ConcurrentHashMap<>();
  private final Map<String, Peer> byDeposit = new ConcurrentHashMap<>();
  /** Request types whose answers are expected ({@link #expectAnswersTo}). */
  private final java.util.Set<EventType> requestTypes = ConcurrentHashMap.newKeySet();
  /** Requests sent and not yet expired: {@code <local>/<eventId>/<type>} to when they were sent. */
  private final Map<String, Instant> awaiting = java.util.Collections.synchronizedMap(
      new java.util.LinkedHashMap<>(256, 0.75f, false) {
        @java.io.Serial private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
          return size() > MAX_AWAITING;
        }
      });
  private final List<java.util.function.Consumer<Revocation>> revocationListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * A connection revoked here, by the owner or because its peer said so: what the NATS user
   * issued for the peer was (revoke it in the account and push it, so the server refuses the peer)
   * and who the peer was.
   *
   * @param local the connection
   * @param peerUser the public NKey of the user this side issued for the peer, if known
   * @param peerIdentity the peer's identity keyID, if known
   * @param at when it was revoked
   */
  public record Revocation(ConnectionId local, Optional<String> peerUser, Optional<KeyId> peerIdentity, Instant at) {}

  /**
   * Calls a listener for every connection revoked from now on, whoever revoked it (the owner, or
   * the peer with {@code connection.revoked}): the place to revoke the peer's NATS user in the
   * account and push it (the reference vault does).
   *
   * @param listener called after the connection's keys are destroyed; its failures are logged
   */
  public void onRevoked(java.util.function.Consumer<Revocation> listener) {
    revocationListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * The tombstones of revoked connections kept in the store ({@link #persistTo}): connection id to
   * {@code {"revokedAt", "peerUser", "peerIdentity"}}; no keys, no credentials.
   *
   * @return the tombstones, empty without a store
   * @throws IOException if the store cannot be read
   * @throws GeneralSecurityException if a tombstone does not open with the vault secret
   */
  public Map<String, com.fasterxml.jackson.databind.JsonNode> tombstones() throws IOException, GeneralSecurityException {
    ConnectionStore s = store;
    if (s == null) {
      return Map.of();
    }
    try {
      return s.tombstones();
    } catch (io.nats.client.JetStreamApiException e) {
      throw new IOException("cannot read the Connections bucket: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the Connections bucket", e);
    }
  }

  /**
   * The NATS user the peer issued for this side, to deposit on its EventSpace with.
   *
   * @param local the connection
   * @return the credentials, when the connection came through an invitation
   */
  public Optional<io.vettid.nats.auth.UserCredentials> peerCredentials(ConnectionId local) {
    return Optional.ofNullable(peer(local).creds);
  }

  /** Most requests awaiting an answer at once; the oldest is forgotten past it. */
  static final int MAX_AWAITING = 16_384;
  /** How long a request waits for its answer. */
  public static final Duration ANSWER_WITHIN = Duration.ofHours(24);
  private final EnvelopeOpener opener = this::open;
  /** Sessions one connection's opener remembers (a sender has one at a time, more only briefly). */
  static final int SESSIONS_PER_CONNECTION = 16;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final AtomicLong sent = new AtomicLong();
  private final BlockList blocked;

  private record Owned(ConnectionId connection, PrivateKeyEntry key, Instant retireAt) {}

  private static final class Peer {
    final ConnectionId local;
    final ConnectionId remote;
    final String depositSubject;
    volatile JetStream js;
    volatile ConnectionKeys mine;
    volatile PublicKeyEntry peerSigning;
    volatile Sealer sealer;
    volatile PublicKeyEntry peerWrappingKey;
    volatile KeyId peerIdentity;
    volatile String peerUser;
    volatile boolean ownsNats;
    volatile io.vettid.nats.auth.UserCredentials creds;
    volatile String inbox;
    volatile io.nats.client.Connection nats;
    volatile PeerConnector connector;
    volatile String ownDeposit;
    volatile Instant wrappingSince;
    volatile io.vettid.nats.server.ServerAddress server;
    volatile Opener opener;
    /** This side's keys before a rotation whose announcement may still fail ({@link #undoRotation}). */
    volatile ConnectionKeys beforeRotation;

    Peer(ConnectionId local, ConnectionId remote, String depositSubject, io.nats.client.Connection nats,
        ConnectionKeys mine, PublicKeyEntry peerSigning, PublicKeyEntry peerWrapping) throws IOException {
      this.local = local;
      this.remote = remote;
      this.depositSubject = depositSubject;
      this.nats = nats;
      this.js = nats.jetStream();
      this.peerWrappingKey = peerWrapping;
      this.wrappingSince = Instant.now();
      this.mine = mine;
      this.peerSigning = peerSigning;
      this.sealer = Sealer.builder(mine.suite(), mine.signing(), peerWrapping, depositSubject).build();
    }
  }

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
  }

  /**
   * The opener of one connection: its own wrapping keys (current and in grace) and its peer's
   * signing key, nothing else; a key this vault holds for another connection is a wrong key.
   */
  private Opener openerOf(Peer p) {
    return Opener.builder(id -> {
      Owned o = ownKeys.get(id);
      if (o == null) {
        return Optional.empty();
      }
      if (!o.connection().equals(p.local)) {
        throw new EnvelopeException(FailureReason.WRONG_KEY,
            "recipient key " + id + " is not a key of connection " + p.local.value());
      }
      return Optional.of(o.key());
    }, id -> {
      if (p.peerSigning.keyId().equals(id)) {
        boolean blockedPeer = p.peerIdentity != null && blocked.isBlocked(p.peerIdentity);
        return blockedPeer ? Optional.empty() : Optional.of(p.peerSigning);
      }
      if (peerSigners.containsKey(id)) {
        throw new EnvelopeException(FailureReason.WRONG_KEY,
            "sender key " + id + " signs for another connection, not " + p.local.value());
      }
      return Optional.empty();
    }).maxSessions(SESSIONS_PER_CONNECTION).build();
  }

  /** Opens a deposit with the keys of the connection whose deposit subject it arrived on. */
  private Opener.Opened open(byte[] envelope, String destination) throws EnvelopeException {
    Objects.requireNonNull(envelope, "envelope");
    Objects.requireNonNull(destination, "destination");
    Peer p = peerAt(destination);
    if (p == null) {
      Opener.checkWellFormed(envelope);
      throw new EnvelopeException(FailureReason.UNKNOWN_KEY_ID,
          "no connection deposits on " + destination + " (unknown or revoked; its keys are destroyed)");
    }
    return p.opener.open(envelope, destination);
  }

  /**
   * The connection a deposit subject belongs to: the one whose own deposit subject it is, or one
   * added without a deposit subject of its own whose id is the subject's last token.
   */
  private Peer peerAt(String destination) {
    Peer p = byDeposit.get(destination);
    if (p != null) {
      return p;
    }
    String last = destination.substring(destination.lastIndexOf('.') + 1);
    try {
      p = peers.get(ConnectionId.of(last));
    } catch (IllegalArgumentException notAnId) {
      return null;
    }
    return p != null && p.ownDeposit == null ? p : null;
  }

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
  public void add(ConnectionId local, ConnectionId remote, String depositSubject, io.nats.client.Connection peerNats,
      ConnectionKeys mine, PublicKeyEntry peerSigning, PublicKeyEntry peerWrapping) throws IOException {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(remote, "remote");
    Objects.requireNonNull(depositSubject, "depositSubject");
    Objects.requireNonNull(peerNats, "peerNats");
    Objects.requireNonNull(mine, "mine");
    Objects.requireNonNull(peerSigning, "peerSigning");
    Objects.requireNonNull(peerWrapping, "peerWrapping");
    if (!depositSubject.endsWith("." + remote.value())) {
      throw new IllegalArgumentException("the deposit subject must end with the remote connection id");
    }
    if (peers.putIfAbsent(local, new Peer(local, remote, depositSubject, peerNats, mine, peerSigning,
        peerWrapping)) != null) {
      throw new IllegalArgumentException("connection " + local + " already exists");
    }
    Peer p = peers.get(local);
    p.opener = openerOf(p);
    ownKeys.put(mine.wrapping().keyId(), new Owned(local, mine.wrapping(), null));
    peerSigners.put(peerSigning.keyId(), peerSigning);
    p.wrappingSince = clock.instant();
  }

  /** Opens a NATS connection as the user a peer issued, to deposit on the peer's EventSpace. */
  @FunctionalInterface
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
    io.nats.client.Connection connect(io.vettid.nats.auth.UserCredentials credentials, String inboxPrefix)
        throws IOException, InterruptedException;

    /**
     * Connects to the peer's own server when the handshake named one (its host, port and CA
     * pin); by default the server is ignored and {@link #connect(io.vettid.nats.auth.UserCredentials,
     * String)} is used, which suits vaults sharing one server.
     *
     * @param credentials the user the peer issued
     * @param inboxPrefix the only inbox the user may subscribe to
     * @param server the peer's server, or null when both share a server
     * @return the connection
     * @throws IOException if the server cannot be reached or refuses the user
     * @throws InterruptedException if interrupted
     */
    default io.nats.client.Connection connect(io.vettid.nats.auth.UserCredentials credentials, String inboxPrefix,
        io.vettid.nats.server.ServerAddress server) throws IOException, InterruptedException {
      return connect(credentials, inboxPrefix);
    }
  }

  /**
   * Adds a connection agreed through an invitation, connecting to the peer's EventSpace with the
   * user the peer issued.
   *
   * @param e the agreed connection
   * @param connector opens the NATS connection to the peer's server
   * @throws IOException if the peer's server cannot be reached
   * @throws InterruptedException if interrupted
   */
  public void add(Established e, PeerConnector connector) throws IOException, InterruptedException {
    Objects.requireNonNull(e, "e");
    io.nats.client.Connection nats = Objects.requireNonNull(connector, "connector")
        .connect(e.peerCredentials(), e.peerInbox(), e.peerServer());
    add(e.local(), e.remote(), e.peerDepositSubject(), nats, e.mine(), e.peerSigning(), e.peerWrapping());
    Peer p = peers.get(e.local());
    p.peerIdentity = e.peerIdentity();
    p.peerUser = e.peerUserPublicKey();
    p.ownsNats = true;
    p.creds = e.peerCredentials();
    p.inbox = e.peerInbox();
    p.connector = connector;
    p.ownDeposit = e.ownDepositSubject();
    if (p.ownDeposit != null) {
      byDeposit.put(p.ownDeposit, p);
    }
    p.server = e.peerServer();
    persist(p);
  }

  /**
   * This side's deposit subject for a connection's peer (what the user issued for the peer may
   * publish to).
   *
   * @param local the connection
   * @return the subject, when the connection came through an invitation
   */
  public Optional<String> ownDepositSubject(ConnectionId local) {
    return Optional.ofNullable(peer(local).ownDeposit);
  }

  /**
   * Records the user issued for the peer after an NKey rotation.
   *
   * @param local the connection
   * @param userPublicKey the new user's public NKey
   */
  public void peerUserRotated(ConnectionId local, String userPublicKey) {
    Peer p = peer(local);
    p.peerUser = Objects.requireNonNull(userPublicKey, "userPublicKey");
    persist(p);
  }

  /**
   * The peer issued this side a new NATS user (NKey rotation): reconnect with it and close the old
   * connection. Events already deposited are unaffected.
   *
   * @param local the connection
   * @param credentials the new user
   * @throws IOException if the peer's server refuses the new user
   * @throws InterruptedException if interrupted
   */
  public void peerCredentialsRotated(ConnectionId local, io.vettid.nats.auth.UserCredentials credentials)
      throws IOException, InterruptedException {
    Peer p = peer(local);
    if (p.connector == null) {
      throw new IllegalStateException("connection " + local + " was not added through an invitation");
    }
    io.nats.client.Connection fresh = p.connector.connect(Objects.requireNonNull(credentials, "credentials"), p.inbox,
        p.server);
    io.nats.client.Connection old = p.nats;
    p.nats = fresh;
    p.js = fresh.jetStream();
    p.creds = credentials;
    persist(p);
    old.close();
    LOG.info("connection {}: now depositing as a new NATS user", local);
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
    return peers.values().stream().filter(p -> p.wrappingSince.isBefore(limit)).map(p -> p.local).toList();
  }

  /**
   * Keeps the connections in a sealed store from now on (each change is written), after loading
   * those already there: for each stored record the keys are restored and a NATS connection to the
   * peer is made with the stored user. Restored peers are asked for new sessions ({@code
   * session.reset}), since session keys live in memory only.
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
    int restored = 0;
    try {
      for (String id : store.ids()) {
        if (peers.containsKey(ConnectionId.of(id))) {
          continue;
        }
        com.fasterxml.jackson.databind.JsonNode r = store.get(id);
        if (r != null) {
          restore(r, connector);
          restored++;
        }
      }
    } catch (io.nats.client.JetStreamApiException e) {
      throw new IOException("cannot read the Connections bucket: " + e.getMessage(), e);
    }
    this.store = store;
    for (Peer p : peers.values()) {
      persist(p);
    }
    if (restored > 0) {
      askPeersForNewSessions(); // this side's session keys were in memory only
    }
    return restored;
  }

  private volatile ConnectionStore store;

  /**
   * Starts a new sealing session with a peer: the next event carries a new key block.
   *
   * @param local the connection
   */
  public void newSession(ConnectionId local) {
    peer(local).sealer.rotateSession();
  }

  /**
   * Asks every peer for a new session ({@code session.reset}, best effort), after a restart lost
   * this side's session keys.
   *
   * @return how many peers were asked
   */
  public int askPeersForNewSessions() {
    int n = 0;
    for (ConnectionId c : list()) {
      try {
        send(c, io.vettid.api.EventType.of("session.reset"),
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());
        n++;
      } catch (VettidException e) {
        LOG.info("connection {}: could not ask for a new session ({})", c, e.reason());
      }
    }
    return n;
  }

  private void persist(Peer p) {
    ConnectionStore s = store;
    if (s == null || p.creds == null) {
      return;
    }
    com.fasterxml.jackson.databind.node.ObjectNode r = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
        .objectNode();
    java.util.Base64.Encoder b = java.util.Base64.getEncoder();
    r.put("local", p.local.value()).put("remote", p.remote.value()).put("deposit", p.depositSubject)
        .put("inbox", p.inbox).put("suite", p.mine.suite().name())
        .put("signingPrivate", b.encodeToString(p.mine.signing().key().getEncoded()))
        .put("signingPublic", b.encodeToString(p.mine.signingPublic().key().getEncoded()))
        .put("wrappingPrivate", b.encodeToString(p.mine.wrapping().key().getEncoded()))
        .put("wrappingPublic", b.encodeToString(p.mine.wrappingPublic().key().getEncoded()))
        .put("peerSigning", b.encodeToString(p.peerSigning.key().getEncoded()))
        .put("peerWrapping", b.encodeToString(p.peerWrappingKey.key().getEncoded()))
        .put("peerIdentity", p.peerIdentity == null ? "" : p.peerIdentity.value())
        .put("peerUser", p.peerUser == null ? "" : p.peerUser)
        .put("credsJwt", p.creds.jwt())
        .put("ownDeposit", p.ownDeposit == null ? "" : p.ownDeposit)
        .put("wrappingSince", p.wrappingSince.toString())
        .put("server", p.server == null ? "" : p.server.hostPort())
        .put("serverPin", p.server == null ? "" : p.server.caPin());
    char[] seed = p.creds.seed();
    r.put("credsSeed", new String(seed));
    java.util.Arrays.fill(seed, '\0');
    com.fasterxml.jackson.databind.node.ArrayNode previous = r.putArray("previousWrapping");
    ownKeys.forEach((id, o) -> {
      if (o.connection().equals(p.local) && !id.equals(p.mine.wrapping().keyId())) {
        previous.addObject().put("keyId", id.value()).put("private", b.encodeToString(o.key().key().getEncoded()))
            .put("retireAt", o.retireAt() == null ? "" : o.retireAt().toString());
      }
    });
    try {
      s.put(p.local.value(), r);
    } catch (IOException | io.nats.client.JetStreamApiException e) {
      LOG.warn("connection {}: could not be saved ({}); it lives in memory only until the next change", p.local,
          e.getClass().getSimpleName());
    }
  }

  private void restore(com.fasterxml.jackson.databind.JsonNode r, PeerConnector connector)
      throws GeneralSecurityException, IOException, InterruptedException {
    java.util.Base64.Decoder d = java.util.Base64.getDecoder();
    io.vettid.crypto.Suite suite = io.vettid.crypto.Suites.byName(r.path("suite").asText())
        .orElseThrow(() -> new GeneralSecurityException("unknown suite in a stored connection"));
    java.security.KeyPair signing = new java.security.KeyPair(
        suite.signature().decodePublicKey(d.decode(r.path("signingPublic").asText())),
        suite.signature().decodePrivateKey(d.decode(r.path("signingPrivate").asText())));
    java.security.KeyPair wrapping = new java.security.KeyPair(
        suite.wrap().decodePublicKey(d.decode(r.path("wrappingPublic").asText())),
        suite.wrap().decodePrivateKey(d.decode(r.path("wrappingPrivate").asText())));
    ConnectionKeys mine = ConnectionKeys.of(suite, signing, wrapping);
    PublicKeyEntry peerSigning = PublicKeyEntry.of(suite.signature(),
        suite.signature().decodePublicKey(d.decode(r.path("peerSigning").asText())));
    PublicKeyEntry peerWrapping = PublicKeyEntry.of(suite.wrap(),
        suite.wrap().decodePublicKey(d.decode(r.path("peerWrapping").asText())));
    io.vettid.nats.auth.UserCredentials creds = io.vettid.nats.auth.UserCredentials.of(r.path("credsJwt").asText(),
        r.path("credsSeed").asText().toCharArray());
    ConnectionId local = ConnectionId.of(r.path("local").asText());
    io.vettid.nats.server.ServerAddress server = r.path("server").asText().isEmpty() ? null
        : io.vettid.nats.server.ServerAddress.parse(r.path("server").asText(), r.path("serverPin").asText());
    add(local, ConnectionId.of(r.path("remote").asText()), r.path("deposit").asText(),
        connector.connect(creds, r.path("inbox").asText(), server), mine, peerSigning, peerWrapping);
    Peer p = peers.get(local);
    p.ownsNats = true;
    p.creds = creds;
    p.inbox = r.path("inbox").asText();
    p.peerIdentity = r.path("peerIdentity").asText().isEmpty() ? null : KeyId.of(r.path("peerIdentity").asText());
    p.peerUser = r.path("peerUser").asText().isEmpty() ? null : r.path("peerUser").asText();
    p.connector = connector;
    p.ownDeposit = r.path("ownDeposit").asText().isEmpty() ? null : r.path("ownDeposit").asText();
    if (p.ownDeposit != null) {
      byDeposit.put(p.ownDeposit, p);
    }
    p.wrappingSince = Instant.parse(r.path("wrappingSince").asText());
    p.server = server;
    for (com.fasterxml.jackson.databind.JsonNode prev : r.path("previousWrapping")) {
      java.security.PrivateKey k = suite.wrap().decodePrivateKey(d.decode(prev.path("private").asText()));
      Instant at = prev.path("retireAt").asText().isEmpty() ? null : Instant.parse(prev.path("retireAt").asText());
      KeyId id = KeyId.of(prev.path("keyId").asText()); // sealed with the record, so trusted as written
      ownKeys.put(id, new Owned(local, new PrivateKeyEntry(id, suite.wrap(), k), at));
    }
  }


  /**
   * The public NKey of the NATS user this side issued for a connection's peer (revoke it in the
   * account, then push the account, to have the server refuse the peer).
   *
   * @param local the connection
   * @return the user's public key, when the connection came through an invitation
   */
  public Optional<String> peerUser(ConnectionId local) {
    return Optional.ofNullable(peer(local).peerUser);
  }

  /**
   * The peer's identity keyID.
   *
   * @param local the connection
   * @return the identity, when the connection came through an invitation
   */
  public Optional<KeyId> peerIdentity(ConnectionId local) {
    return Optional.ofNullable(peer(local).peerIdentity);
  }

  /**
   * The connection's safety number, as this side computes it.
   *
   * @param local the connection
   * @return the number
   */
  public String safetyNumber(ConnectionId local) {
    Peer p = peer(local);
    return SafetyNumber.of(p.mine, p.peerSigning, p.peerWrappingKey);
  }

  /**
   * Blocks a peer identity: its connections here are revoked (keys destroyed, so its events are
   * quarantined), its signing keys verify nothing more, and {@link Invitations} and {@link Invitee}
   * refuse it when given the same {@link BlockList}. Revoke the users issued for it ({@link
   * #peerUser}, read before blocking) in the account too.
   *
   * @param identity the identity keyID
   * @return the connections revoked
   */
  public List<ConnectionId> block(KeyId identity) {
    blocked.block(Objects.requireNonNull(identity, "identity"));
    List<ConnectionId> cut = peers.values().stream().filter(p -> identity.equals(p.peerIdentity))
        .map(p -> p.local).toList();
    cut.forEach(this::revoke);
    return cut;
  }

  /** {@return the block list this vault uses} */
  public BlockList blockList() {
    return blocked;
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
    return opener;
  }

  /** {@return the connections, by local id} */
  public List<ConnectionId> list() {
    return List.copyOf(peers.keySet());
  }

  /** {@return how many events were sealed and deposited} */
  public long sent() {
    return sent.get();
  }

  /**
   * This side's current wrapping key for a connection.
   *
   * @param local the connection
   * @return the public key
   */
  public PublicKeyEntry wrappingKey(ConnectionId local) {
    return peer(local).mine.wrappingPublic();
  }

  private Peer peer(ConnectionId local) {
    Peer p = peers.get(Objects.requireNonNull(local, "local"));
    if (p == null) {
      throw new IllegalArgumentException("no connection " + local);
    }
    return p;
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
    try {
      // one way to seal and deposit: this waits for the asynchronous deposit (jnats times it out
      // after its request timeout; 30 s is only a backstop)
      sendAsync(local, type, eventId, payload, dedupeId).get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof VettidException v) {
        throw v;
      }
      throw new VettidException(FailureReason.CONNECTION_REVOKED,
          "cannot deposit on connection " + local.value() + ": " + e.getCause().getClass().getSimpleName(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new VettidException(FailureReason.CONNECTION_REVOKED,
          "the peer's server did not confirm the deposit on connection " + local.value() + " within 30 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VettidException(FailureReason.CONNECTION_REVOKED, "interrupted while depositing on " + local.value(),
          e);
    }
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
  public java.util.concurrent.CompletableFuture<EventId> sendAsync(ConnectionId local, EventType type,
      ObjectNode payload) {
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
  public java.util.concurrent.CompletableFuture<Void> sendAsync(ConnectionId local, EventType type, EventId eventId,
      ObjectNode payload, String dedupeId) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(dedupeId, "dedupeId");
    Peer p = peers.get(local);
    if (p == null) {
      return java.util.concurrent.CompletableFuture.failedFuture(
          new VettidException(FailureReason.CONNECTION_REVOKED, "no connection " + local.value()));
    }
    InternalEvent event = InternalEvent.builder().type(type).eventId(eventId).connectionId(p.remote)
        .payload(payload).build();
    if (requestTypes.contains(type)) {
      awaiting.put(awaitingKey(local, eventId, type), clock.instant());
    }
    return deposit(p, io.vettid.api.InternalEventCodec.encode(event), dedupeId, 0);
  }

  /** How often a deposit the peer's stream refused as full is sealed again and re-sent. */
  static final int DEPOSIT_ATTEMPTS = 8;

  /**
   * Seals and deposits; a deposit the peer's stream refuses for being full (its share or its
   * bytes; the peer's watcher frees them as it goes) is sealed again, with the next sequence of
   * the session, and re-sent under the same {@code Nats-Msg-Id}, after 50 ms, then twice as long
   * each time up to 2 s, {@value #DEPOSIT_ATTEMPTS} times in all (about 7 s). Sealing again
   * rather than re-sending the same bytes keeps the session's sequences increasing at the peer.
   */
  private java.util.concurrent.CompletableFuture<Void> deposit(Peer p, byte[] plaintext, String dedupeId,
      int attempt) {
    java.util.concurrent.CompletableFuture<PublishAck> ack;
    try {
      // seal and start the deposit under one lock per connection: the deposit order is the sequence
      // order, so a session's key block always arrives first and sequence numbers always increase
      // (two threads sending on one connection, such as a handler's reply and the owner's next
      // message, would otherwise reorder them and the peer would quarantine one as UNKNOWN_SESSION
      // or REPLAYED)
      synchronized (p) {
        byte[] envelope = p.sealer.sealBytes(plaintext);
        ack = p.js.publishAsync(p.depositSubject, new Headers().put("Nats-Msg-Id", dedupeId), envelope);
      }
    } catch (GeneralSecurityException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(
          new VettidException(FailureReason.DECRYPTION_FAILED, "cannot seal to connection " + p.local.value(), e));
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(new VettidException(FailureReason.CONNECTION_REVOKED,
          "cannot deposit on connection " + p.local.value() + ": " + e.getClass().getSimpleName(), e));
    }
    return ack.handle((a, err) -> {
      String refusal = err != null ? refusalOf(err) : a.hasError() ? a.getError().toString() : null;
      if (refusal == null) {
        sent.incrementAndGet();
        return java.util.concurrent.CompletableFuture.<Void>completedFuture(null);
      }
      if (full(refusal) && attempt + 1 < DEPOSIT_ATTEMPTS) {
        long backoff = Math.min(2000, 50L << attempt);
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> null,
                java.util.concurrent.CompletableFuture.delayedExecutor(backoff, java.util.concurrent.TimeUnit.MILLISECONDS))
            .thenCompose(x -> deposit(p, plaintext, dedupeId, attempt + 1));
      }
      return java.util.concurrent.CompletableFuture.<Void>failedFuture(new VettidException(
          FailureReason.CONNECTION_REVOKED, "the peer did not store the deposit on connection " + p.local.value()
              + ": " + refusal, err));
    }).thenCompose(f -> f);
  }

  private static String refusalOf(Throwable err) {
    Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null
        ? err.getCause() : err;
    return cause instanceof JetStreamApiException j ? j.getMessage() : cause.getClass().getSimpleName();
  }

  /** Whether a refusal says the peer's deposit stream is full for now (bytes, messages, this connection's share). */
  private static boolean full(String refusal) {
    return refusal.contains("maximum bytes exceeded") || refusal.contains("maximum messages exceeded")
        || refusal.contains("maximum messages per subject exceeded");
  }

  /**
   * From now on, every event of this type sent through these connections is remembered (its
   * connection and eventId, for {@link #ANSWER_WITHIN}), so that an answer can be checked against
   * it with {@link #awaitsAnswer}.
   *
   * @param request the request type, such as {@code profile.request}
   */
  public void expectAnswersTo(EventType request) {
    requestTypes.add(Objects.requireNonNull(request, "request"));
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
    Instant sent = awaiting.get(awaitingKey(Objects.requireNonNull(local, "local"),
        Objects.requireNonNull(eventId, "eventId"), Objects.requireNonNull(request, "request")));
    return sent != null && clock.instant().isBefore(sent.plus(ANSWER_WITHIN));
  }

  private static String awaitingKey(ConnectionId local, EventId eventId, EventType type) {
    return local.value() + "/" + eventId.value() + "/" + type.value();
  }

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
   * Starts a rotation of this side's wrapping key: a new pair becomes current; the old one still
   * opens events until {@code grace} after the peer acknowledged ({@link #retireAfter}).
   *
   * @param local the connection
   * @return the new public key, to send to the peer
   * @throws GeneralSecurityException if generation fails
   */
  public PublicKeyEntry rotateWrappingKey(ConnectionId local) throws GeneralSecurityException {
    Peer p = peer(local);
    ConnectionKeys old = p.mine;
    ConnectionKeys next = ConnectionKeys.of(old.suite(),
        new java.security.KeyPair(old.signingPublic().key(), old.signing().key()),
        old.suite().wrap().generateKeyPair(random));
    // a previous key lives at most this long even if the peer never acknowledges the rotation
    Instant latest = clock.instant().plus(UNACKNOWLEDGED_KEY_LIFE);
    ownKeys.replaceAll((id, o) -> o.connection().equals(local) && o.retireAt() == null
        ? new Owned(o.connection(), o.key(), latest) : o);
    ownKeys.put(next.wrapping().keyId(), new Owned(local, next.wrapping(), null));
    p.beforeRotation = old;
    p.mine = next;
    p.wrappingSince = clock.instant();
    persist(p);
    LOG.info("connection {}: new wrapping key {} (previous {} stays open until retired)", local,
        next.wrapping().keyId(), old.wrapping().keyId());
    return next.wrappingPublic();
  }

  /** How long a previous wrapping key stays open when the peer never acknowledges the rotation. */
  public static final Duration UNACKNOWLEDGED_KEY_LIFE = Duration.ofDays(30);

  /**
   * Undoes a rotation whose announcement could not be sent: the previous wrapping key is current
   * again (and open without end), the new one is destroyed. Nothing changes if another rotation
   * followed.
   *
   * @param local the connection
   * @param rotatedTo the new key {@link #rotateWrappingKey} returned
   * @return whether the rotation was undone
   */
  public boolean undoRotation(ConnectionId local, PublicKeyEntry rotatedTo) {
    Peer p = peer(local);
    ConnectionKeys before = p.beforeRotation;
    if (before == null || !p.mine.wrappingPublic().keyId().equals(rotatedTo.keyId())) {
      return false;
    }
    ownKeys.remove(rotatedTo.keyId());
    ownKeys.computeIfPresent(before.wrapping().keyId(), (id, o) -> new Owned(o.connection(), o.key(), null));
    p.mine = before;
    p.beforeRotation = null;
    persist(p);
    LOG.info("connection {}: rotation to {} undone (its announcement was not sent)", local, rotatedTo.keyId());
    return true;
  }

  /**
   * Schedules this side's previous wrapping keys of a connection for destruction, once the peer
   * acknowledged the rotation; events in flight under them still open until then.
   *
   * @param local the connection
   * @param grace how long the previous keys stay open
   */
  public void retireAfter(ConnectionId local, Duration grace) {
    Peer p = peer(local);
    Instant at = clock.instant().plus(grace);
    ownKeys.replaceAll((id, o) -> o.connection().equals(local) && !id.equals(p.mine.wrapping().keyId())
        && (o.retireAt() == null || o.retireAt().isAfter(at)) ? new Owned(o.connection(), o.key(), at) : o);
    p.beforeRotation = null;
    if (retireDue() == 0) {
      persist(p);
    }
  }

  /**
   * Destroys keys whose grace period ended.
   *
   * @return how many were destroyed
   */
  public int retireDue() {
    Instant now = clock.instant();
    java.util.List<ConnectionId> changed = new java.util.ArrayList<>();
    ownKeys.entrySet().removeIf(e -> {
      boolean due = e.getValue().retireAt() != null && !now.isBefore(e.getValue().retireAt());
      if (due) {
        changed.add(e.getValue().connection());
        LOG.info("connection {}: wrapping key {} retired", e.getValue().connection(), e.getKey());
      }
      return due;
    });
    for (ConnectionId c : new java.util.LinkedHashSet<>(changed)) {
      Peer p = peers.get(c);
      if (p != null) {
        persist(p);
      }
    }
    return changed.size(); // one entry per key destroyed
  }

  /**
   * The peer rotated its wrapping key: seal to the new one from now on.
   *
   * @param local the connection
   * @param newWrapping the peer's new wrapping key (decoded and checked against its keyID)
   */
  public void peerRotated(ConnectionId local, PublicKeyEntry newWrapping) {
    Peer p = peer(local);
    Objects.requireNonNull(newWrapping, "newWrapping");
    if (!newWrapping.algorithm().name().equals(p.mine.suite().wrap().name())) {
      throw new IllegalArgumentException("the new key is not of the connection's wrap algorithm");
    }
    p.sealer = Sealer.builder(p.mine.suite(), p.mine.signing(), newWrapping, p.depositSubject).build();
    p.peerWrappingKey = newWrapping;
    persist(p);
    LOG.info("connection {}: peer's wrapping key is now {}", local, newWrapping.keyId());
  }

  /**
   * The connection's suite.
   *
   * @param local the connection
   * @return the suite
   */
  public io.vettid.crypto.Suite suite(ConnectionId local) {
    return peer(local).mine.suite();
  }

  /**
   * Closes the NATS connections this object opened to peers ({@link #add(Established,
   * PeerConnector)}); keys and connections stay, so nothing more can be sent until they are added
   * again.
   */
  @Override
  public void close() {
    for (Peer p : peers.values()) {
      if (p.ownsNats) {
        try {
          p.nats.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * Tells the peer (best effort: a {@code connection.revoked} event, sealed and deposited like any
   * other), then revokes the connection here. Revoke the user issued for the peer in the account as
   * well ({@link #peerUser}), so that the server refuses it.
   *
   * @param local the connection
   * @return whether the peer could be told
   */
  public boolean revokeAndTell(ConnectionId local) {
    boolean told;
    try {
      send(local, io.vettid.api.EventType.of("connection.revoked"), com.fasterxml.jackson.databind.node.JsonNodeFactory
          .instance.objectNode());
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
    Peer p = peers.remove(Objects.requireNonNull(local, "local"));
    if (p == null) {
      return false;
    }
    ownKeys.entrySet().removeIf(e -> e.getValue().connection().equals(local));
    peerSigners.remove(p.peerSigning.keyId());
    if (p.ownDeposit != null) {
      byDeposit.remove(p.ownDeposit, p);
    }
    Revocation revocation = new Revocation(local, Optional.ofNullable(p.peerUser), Optional.ofNullable(p.peerIdentity),
        clock.instant());
    ConnectionStore s = store;
    if (s != null) {
      try {
        com.fasterxml.jackson.databind.node.ObjectNode tomb = com.fasterxml.jackson.databind.node.JsonNodeFactory
            .instance.objectNode().put("revokedAt", revocation.at().toString())
            .put("peerUser", p.peerUser == null ? "" : p.peerUser)
            .put("peerIdentity", p.peerIdentity == null ? "" : p.peerIdentity.value());
        s.putTombstone(local.value(), tomb);
        s.delete(local.value());
      } catch (IOException | io.nats.client.JetStreamApiException e) {
        LOG.warn("connection {}: its sealed record could not be replaced by its tombstone ({})", local,
            e.getClass().getSimpleName());
      }
    }
    for (java.util.function.Consumer<Revocation> l : revocationListeners) {
      try {
        l.accept(revocation);
      } catch (RuntimeException e) {
        LOG.warn("connection {}: a revocation listener failed ({})", local, e.getClass().getSimpleName());
      }
    }
    if (p.ownsNats) {
      try {
        p.nats.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    LOG.info("connection {} revoked; its keys are destroyed", local);
    return true;
  }
}
