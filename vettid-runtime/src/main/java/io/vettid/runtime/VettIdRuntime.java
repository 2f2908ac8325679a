package io.vettid.runtime;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.spi.RuleEngine;
import io.vettid.crypto.envelope.EnvelopeOpener;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.service.AppManager;
import io.vettid.runtime.service.EventService;
import io.vettid.runtime.service.EventServiceBuilder;
import io.vettid.runtime.service.EventWatcher;
import io.vettid.runtime.service.HandlerRegistry;
import io.vettid.runtime.service.HandshakeInbox;
import io.vettid.runtime.service.HeldEvents;
import io.vettid.runtime.service.InboxResponder;
import io.vettid.runtime.service.Quarantine;
import io.vettid.runtime.audit.AuditLog;
import io.vettid.runtime.service.OwnerFeed;
import io.vettid.runtime.service.RuleStore;
import io.vettid.runtime.service.RuntimeCounters;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference runtime of one Data Vault: its NATS connections, the vault's JetStream layout, the
 * Manager {@link EventService} with its rules, inbox and quarantine, and one {@link EventWatcher}
 * per EventSpace it publishes.
 *
 * <p><b>Two trust zones, never one account</b> ({@link VaultAccounts}): the runtime's own
 * connection is in the vault's internal account ({@code DataVault.Queue}, buckets, object store,
 * quarantine, event log); what peers touch is in the external accounts: the deposit streams, read
 * by the Event Watchers through a second connection, and the EventSpace account where connections
 * and the profile responder live, reached through a third connection that may publish nothing but
 * answers into connection inboxes ({@link InboxResponder}). The watchers are the only bridge.
 *
 * <p>Two ways to start, in the jnats manner ({@code Nats.connect(options)}): <b>{@link
 * #embedded(Path, byte[])}</b>, the default, runs the topology of every vault on one machine: an
 * {@link io.vettid.runtime.eventspace.EventSpaceServer} of its own (its own operator, TLS CA and
 * encrypted store, on loopback), with which the vault registers through the Concierge at its first
 * start and where its EventSpaces' deposit streams are; and the vault's own {@code nats-server}
 * under a data directory, on loopback, with TLS that requires a client certificate only this
 * runtime holds, in operator mode with the vault's internal accounts only. The accounts are made at
 * the first start and kept in {@code accounts.sealed}, sealed under a key derived from the vault
 * secret; both stores are encrypted at rest under keys derived from the vault secret (the same
 * secret reopens the same stores; a key reaches a server only through its environment). This is
 * the code path of a vault registered with a remote EventSpace server ({@link
 * VettIdRuntimeBuilder#eventSpaceServer}) with both servers on one machine. <b>{@link
 * #connect(VaultAccounts, Options.Builder)}</b> uses a server or cluster you run that knows the
 * vault's accounts; {@link #connect(Options.Builder)} one you reach with users you issued (with
 * {@link VettIdRuntimeBuilder#eventSpaceNats} for the external zone). Either returns a {@link VettIdRuntimeBuilder} for the
 * settings all share; {@link VettIdRuntimeBuilder#start()} starts the runtime.
 *
 * <pre>{@code
 * try (VettIdRuntime vault = VettIdRuntime.embedded(Path.of("vault"), secret) // secret: 32+ bytes kept sealed
 *     .handler(new MyHandlerFactory())           // plus any found by ServiceLoader
 *     .start()) {
 *   vault.rules().orElseThrow().put("[{\"id\":\"contacts\",\"eventType\":\"contact.request\",\"action\":\"hold\"}]");
 *   vault.watch(vault.subscriberGuid().orElseThrow(), "home", opener);
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the watchers, lets the service finish the event in hand,
 * closes the NATS connections (its own and those its {@link Connections} opened to peers) and stops
 * the embedded servers; unacknowledged events are redelivered on
 * the next start.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class VettIdRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VettIdRuntime.class);
  /** The embedded server's name (it salts the store key derivation). */
  public static final String EMBEDDED_SERVER_NAME = "vettid-vault";

  /**
   * How long the JWTs of the users the runtime issues itself (the owner in the internal account,
   * the watcher, the responder) are valid: each is issued again for the same NKey when a (re)connect
   * finds less than half of it left, so a connection meets one reconnect per week at most and the
   * users of a runtime that stopped stop working within a week ({@link
   * io.vettid.nats.auth.RenewingUser}).
   */
  public static final java.time.Duration OWN_USER_VALIDITY = java.time.Duration.ofDays(7);

  private final RuntimeNats nats;
  private final ProfileAnswers profileAnswers;
  private final RuntimeCounters counters = new RuntimeCounters();
  private final RuleStore ruleStore;
  private final Quarantine quarantine;
  private final HeldEvents inbox;
  private final EventService manager;
  private final List<EventWatcher> watchers = new CopyOnWriteArrayList<>();
  private final List<HandshakeInbox> handshakeInboxes = new CopyOnWriteArrayList<>();
  private final JetStreamLayout layout;
  /** The layout of the deposit streams (on an EventSpace server, its own replicas). */
  private final JetStreamLayout depositLayout;
  private final io.nats.client.KeyValue profiles;
  private final io.nats.client.KeyValue vaultKv;
  private final Connections connections;
  private final int restoredConnections;
  private final AppManager apps;
  private final EventService appService;
  private final AuditLog audit;
  /** The types the runtime's own handlers declare: the protocol's, which every EventSpace supports. */
  private java.util.Set<io.vettid.api.EventType> builtInTypes = java.util.Set.of();
  private final OwnerFeed feed;
  /** What every service and the quarantine tell: the audit log first, then the builder's listener. */
  private final EventService.Listener listener;

  /** Prefix of shareable data fields in the {@code Vault} bucket. */
  public static final String SHARED_PREFIX = "shared.";

  /**
   * Publishes an EventSpace's signed profile: {@code profile.request} is answered with it, and the
   * requester verifies it. Kept in the {@code Profiles} bucket under the EventSpace's name.
   *
   * @param profile the signed profile (its EventSpace names the key)
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the bucket refuses it
   */
  public void publishProfile(io.vettid.profile.SignedProfile profile) throws IOException, JetStreamApiException {
    Objects.requireNonNull(profile, "profile");
    profiles.put(profile.profile().eventSpace(), profile.bytes());
  }

  /**
   * Stores a data field that {@code contact.request} may share, if the rules allow it.
   *
   * @param field the field name ({@code [a-z0-9_-]}, 1-64)
   * @param value the value
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the bucket refuses it
   */
  public void shareableData(String field, String value) throws IOException, JetStreamApiException {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(value, "value");
    if (!BuiltInHandlers.FIELD.matcher(field).matches()) {
      throw new IllegalArgumentException("field names are 1-64 of [a-z0-9_-], got '" + field + "'");
    }
    vaultKv.put(SHARED_PREFIX + field, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * {@return how many connections were restored from the sealed store before the services
   * started} 0 unless the builder was given {@link VettIdRuntimeBuilder#connections(Connections,
   * byte[], io.vettid.runtime.connection.PeerConnector)}.
   */
  public int restoredConnections() {
    return restoredConnections;
  }

  /**
   * Publishes an EventSpace whose deposits are opened with this vault's {@link Connections}: each
   * deposit only with the keys of the connection whose subject it arrived on.
   *
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace
   * @return the watcher
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the stream or consumer cannot be made
   * @throws IllegalStateException if the runtime was built without connections
   */
  public EventWatcher watch(String subscriberGuid, String eventSpace) throws IOException, JetStreamApiException {
    if (connections == null) {
      throw new IllegalStateException("this runtime has no Connections; pass an EnvelopeOpener");
    }
    return watch(subscriberGuid, eventSpace, connections.opener());
  }

  VettIdRuntime(VettIdRuntimeBuilder b) throws IOException, GeneralSecurityException, JetStreamApiException,
      InterruptedException {
    RuntimeNats n = RuntimeNats.open(b);
    RuleStore rs = null;
    AuditLog al = null;
    try {
      Connection conn = n.vault();
      layout = JetStreamLayout.builder().replicas(b.replicas).storageBytes(b.storageBytes).build();
      int depositReplicas = n.depositReplicas() > 0 ? n.depositReplicas() : b.depositReplicas;
      depositLayout = depositReplicas == 0 ? layout
          : JetStreamLayout.builder().replicas(depositReplicas).storageBytes(b.storageBytes).build();
      layout.ensureVault(conn);
      if (b.auditSigner != null) {
        al = AuditLog.open(conn, b.auditSigner);
        AuditLog log = al;
        EventService.Listener own = b.listener;
        listener = s -> {
          log.settled(s);
          own.settled(s);
        };
      } else {
        listener = b.listener;
      }
      audit = al;
      byte[] feedSecret = b.feedSecret != null ? b.feedSecret : b.storeSecret;
      if (b.ownerFeed && feedSecret == null) {
        throw new IllegalStateException("the owner's feed needs the vault secret: give it with connections(...) or"
            + " ownerFeed(secret)");
      }
      feed = b.ownerFeed ? OwnerFeed.open(conn, feedSecret) : null;
      RuleEngine engine = b.ruleEngine;
      if (engine == null) {
        rs = RuleStore.open(conn);
        engine = rs;
        if (al != null) {
          AuditLog log = al;
          rs.onApplied(a -> log.record("rules", java.util.Map.of("revision", Long.toString(a.revision()),
              "rules", String.join(",", a.ruleIds()), "valid", Boolean.toString(a.valid()))));
        }
      }
      quarantine = new Quarantine(conn, counters, Quarantine.perSourceBytes(layout));
      quarantine.observe(listener); // refusals before the Manager reach the same listener
      inbox = new HeldEvents(conn, quarantine);
      profiles = conn.keyValue(Subjects.name("Profiles"));
      vaultKv = conn.keyValue(Subjects.name("Vault"));
      profileAnswers = n.peers() == null ? null
          : new ProfileAnswers(n.peers(), new InboxResponder(n.peers(), quarantine), profiles);
      connections = b.connections;
      restoredConnections = b.storeSecret == null ? 0
          : connections.persistTo(new io.vettid.runtime.connection.ConnectionStore(conn, b.storeSecret), b.connector);
      List<io.vettid.api.spi.EventHandlerFactory> builtIns = b.builtIns
          ? BuiltInHandlers.of(b, engine, profiles, vaultKv) : List.of();
      builtInTypes = builtIns.stream().flatMap(f -> f.eventTypes().stream()).collect(java.util.stream.Collectors.toSet());
      HandlerRegistry registry = b.handlers(builtIns);
      manager = configure(EventService.builder(conn, "Manager"), b, registry, engine).build();
      manager.start();
      apps = n.apps() == null ? null : new AppManager(conn, n.apps());
      appService = apps == null ? null : configure(apps.service(), b, registry, engine).build();
      if (appService != null) {
        appService.start();
      }
    } catch (IOException | JetStreamApiException | GeneralSecurityException | InterruptedException
        | RuntimeException e) {
      if (b.connections != null) {
        b.connections.close();
      }
      if (rs != null) {
        rs.close();
      }
      if (al != null) {
        al.close();
      }
      n.close();
      throw e;
    }
    this.nats = n;
    this.ruleStore = rs;
    LOG.info("VettID runtime started ({})", n.server() != null
        ? "embedded: its own nats-server and an EventSpace server" : "external NATS");
  }

  /** Everything the runtime's services share: handlers, rules, replies, counters, inbox, quarantine. */
  private EventServiceBuilder configure(EventServiceBuilder service, VettIdRuntimeBuilder b, HandlerRegistry handlers,
      RuleEngine engine) {
    service.handlers(handlers).rules(engine).replies(b.replies).counters(counters).quarantine(quarantine)
        .inbox(inbox).ackWait(b.ackWait).handledOnceHorizon(b.horizon).listener(listener);
    if (feed != null) {
      service.feed(feed);
    }
    return service.supportedTypes(this::lists);
  }

  /**
   * The embedded default: the runtime starts an EventSpace server under {@code
   * dataDirectory/eventspace} and registers the vault with it at the first start, and starts its
   * own {@code nats-server} with its store under {@code dataDirectory/nats} (created if missing), in
   * operator mode with the vault's internal accounts; both with TLS and JetStream encryption at
   * rest, keys derived from the vault secret.
   *
   * @param dataDirectory the vault's data directory
   * @param vaultSecret at least 32 bytes of secret key material (copied and wiped at {@link
   *     VettIdRuntimeBuilder#start()}; clear yours)
   * @return a builder for the rest of the runtime's settings
   */
  public static VettIdRuntimeBuilder embedded(Path dataDirectory, byte[] vaultSecret) {
    Objects.requireNonNull(dataDirectory, "dataDirectory");
    Objects.requireNonNull(vaultSecret, "vaultSecret");
    if (vaultSecret.length < 32) {
      throw new IllegalArgumentException("the vault secret must be at least 32 bytes, got " + vaultSecret.length);
    }
    VettIdRuntimeBuilder b = new VettIdRuntimeBuilder(VettIdRuntimeBuilder.Mode.EMBEDDED);
    b.dataDirectory = dataDirectory;
    b.vaultSecret = vaultSecret.clone();
    return b;
  }

  /**
   * A vault on a server or cluster you run that knows its accounts: the runtime issues its own
   * users (the owner in the internal account, the watcher in the deposit account, the responder in
   * the EventSpace account) and connects each with a copy of the given options; apps register in
   * the apps account.
   *
   * @param accounts the vault's accounts (the server must know all four)
   * @param server options with the server's URL(s) and TLS context
   * @return a builder for the rest of the runtime's settings
   */
  public static VettIdRuntimeBuilder connect(VaultAccounts accounts, Options.Builder server) {
    Objects.requireNonNull(accounts, "accounts");
    Options base = Objects.requireNonNull(server, "server").build();
    VettIdRuntimeBuilder b = new VettIdRuntimeBuilder(VettIdRuntimeBuilder.Mode.ACCOUNTS);
    b.accounts = accounts;
    b.ownerUser = accounts.renewingOwner("vault", OWN_USER_VALIDITY);
    b.watcherUser = accounts.renewingWatcher("watcher", OWN_USER_VALIDITY);
    b.responderUser = accounts.renewingResponder("responder", OWN_USER_VALIDITY);
    b.options = new Options.Builder(base).authHandler(b.ownerUser);
    b.depositOptions = new Options.Builder(base).authHandler(b.watcherUser);
    b.peerOptions = new Options.Builder(base).authHandler(b.responderUser);
    b.account = accounts.apps();
    long disk = accounts.vault().limits().diskBytes();
    if (disk >= JetStreamLayout.MIN_STORAGE_BYTES) {
      b.storageBytes = disk; // every stream's and bucket's cap is a share of the account's storage
    }
    return b;
  }

  /**
   * An external server or cluster with a user of the vault's account you issued: options with its
   * URL(s), TLS context and credentials (for example {@code UserCredentials.authHandler()}). Add
   * {@link VettIdRuntimeBuilder#eventSpaceNats} to publish EventSpaces, {@link VettIdRuntimeBuilder#account} to run apps.
   *
   * @param nats the options
   * @return a builder for the rest of the runtime's settings
   */
  public static VettIdRuntimeBuilder connect(Options.Builder nats) {
    VettIdRuntimeBuilder b = new VettIdRuntimeBuilder(VettIdRuntimeBuilder.Mode.OPTIONS);
    b.options = Objects.requireNonNull(nats, "nats");
    return b;
  }

  /**
   * An external server over TLS, trusting the given context, as {@link #connect(Options.Builder)}.
   *
   * @param url the server URL, such as {@code tls://127.0.0.1:4222}
   * @param tls the TLS context
   * @return a builder for the rest of the runtime's settings
   */
  public static VettIdRuntimeBuilder connect(String url, SSLContext tls) {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(tls, "tls");
    return connect(new Options.Builder().server(url).sslContext(tls));
  }

  /**
   * Publishes an EventSpace: creates its deposit stream (in the deposit account), starts an {@link
   * EventWatcher} that opens deposits with the given opener into the Manager's queue, and answers
   * each connection's profile request ({@code subscriber.<guid>.<es>.profile.<connectionId>}) with
   * the EventSpace's signed profile, only inside that connection's inbox ({@link InboxResponder}).
   *
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace
   * @param opener opens deposits with the keys of the connection they arrived on
   * @return the watcher (closed with the runtime)
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the stream or consumer cannot be made
   * @throws IllegalStateException if the runtime has no connections to the external accounts
   *     (start it with {@link #connect(VaultAccounts, Options.Builder)}, or give {@link
   *     VettIdRuntimeBuilder#eventSpaceNats}), or a watcher of this
   *     runtime still watches the EventSpace (its consumer acknowledges cumulatively, so it has one
   *     reader)
   * @throws IllegalArgumentException if the guid is not this vault's
   */
  public EventWatcher watch(String subscriberGuid, String eventSpace, EnvelopeOpener opener)
      throws IOException, JetStreamApiException {
    Objects.requireNonNull(subscriberGuid, "subscriberGuid");
    Objects.requireNonNull(eventSpace, "eventSpace");
    Objects.requireNonNull(opener, "opener");
    if (nats.deposits() == null) {
      throw new IllegalStateException("this runtime has no connection to its EventSpace accounts:"
          + " start it with VettIdRuntime.connect(accounts, server) or give .eventSpaceNats(deposits, peers)");
    }
    if (nats.guid() != null && !nats.guid().equals(subscriberGuid)) {
      throw new IllegalArgumentException("this vault's subscriber guid is " + nats.guid() + ", not " + subscriberGuid);
    }
    String deposits = Subjects.depositsOf(subscriberGuid, eventSpace);
    for (EventWatcher open : watchers) {
      if (open.isOpen() && open.deposits().equals(deposits)) {
        throw new IllegalStateException("EventSpace " + eventSpace + " of " + subscriberGuid
            + " is already watched; close its watcher first");
      }
    }
    depositLayout.ensureEventSpace(nats.deposits(), subscriberGuid, eventSpace);
    profileAnswers.serve(subscriberGuid, eventSpace);
    EventWatcher w = new EventWatcher(nats.deposits(), nats.vault(), subscriberGuid, eventSpace, opener, counters, quarantine);
    w.start();
    watchers.add(w);
    return w;
  }

  /** {@return the vault's connection (its own, internal account)} */
  public Connection connection() {
    return nats.vault();
  }

  /**
   * The connection to the vault's deposit account (external), where its EventSpaces' deposit
   * streams are; empty when the runtime was built without the external accounts.
   *
   * @return the connection
   */
  public Optional<Connection> depositConnection() {
    return Optional.ofNullable(nats.deposits());
  }

  /** {@return the vault's subscriber guid, when the runtime knows its accounts} */
  public Optional<String> subscriberGuid() {
    return Optional.ofNullable(nats.guid());
  }

  /** {@return how many profile requests were refused for a reply subject outside the requester's inbox} */
  public long refusedProfileReplies() {
    return profileAnswers == null ? 0 : profileAnswers.refused();
  }

  /** {@return the vault's own embedded server, when this runtime started one} */
  public Optional<NatsServer> embeddedServer() {
    return Optional.ofNullable(nats.server());
  }

  /**
   * {@return the embedded EventSpace server, when this runtime started one} Other vaults may
   * register with it (its Concierge issues registration tokens) and deposit through it.
   */
  public Optional<io.vettid.runtime.eventspace.EventSpaceServer> embeddedEventSpaceServer() {
    return Optional.ofNullable(nats.eventSpaceServer());
  }

  /** {@return what the runtime counted} */
  public RuntimeCounters counters() {
    return counters;
  }

  /** {@return the owner's rules in the Vault bucket; empty when a custom rule engine was given} */
  public Optional<RuleStore> rules() {
    return Optional.ofNullable(ruleStore);
  }

  /** {@return the audit log, if {@link VettIdRuntimeBuilder#audit} asked for one} */
  public Optional<AuditLog> audit() {
    return Optional.ofNullable(audit);
  }

  /** The types an EventSpace's profile lists (empty: it has none), as read at {@code nanos}. */
  private record Listed(long nanos, Optional<java.util.Set<io.vettid.api.EventType>> types) {}

  /** How long a profile's list is used before it is read again. */
  private static final long LISTED_FOR_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

  private final java.util.Map<String, Listed> listed = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Whether an EventSpace's published profile lists a type (read from the {@code Profiles} bucket,
   * for events no rule matched, at most once a second per EventSpace: a flood of unmatched events
   * does not parse the profile for each one; a list a second old only changes which reason such an
   * event is denied with). The protocol's own types (those of the built-in handlers) are supported
   * everywhere.
   */
  private Optional<Boolean> lists(String eventSpace, io.vettid.api.EventType type) {
    if (builtInTypes.contains(type)) {
      return Optional.of(true);
    }
    long now = System.nanoTime();
    Listed cached = listed.get(eventSpace);
    if (cached == null || now - cached.nanos() > LISTED_FOR_NANOS) {
      try {
        io.nats.client.api.KeyValueEntry e = profiles.get(eventSpace);
        cached = new Listed(now, e == null || e.getValue() == null ? Optional.empty()
            : Optional.of(java.util.Set.copyOf(io.vettid.profile.SignedProfile.parse(e.getValue()).profile()
                .eventTypes())));
        listed.put(eventSpace, cached);
      } catch (IOException | JetStreamApiException | io.vettid.profile.ProfileException | RuntimeException e) {
        LOG.warn("the profile of EventSpace {} could not be read ({})", eventSpace, e.getClass().getSimpleName());
        return Optional.empty();
      }
    }
    return cached.types().map(t -> t.contains(type));
  }

  /** {@return the owner's feed, if {@link VettIdRuntimeBuilder#ownerFeed} asked for one} */
  public Optional<OwnerFeed> feed() {
    return Optional.ofNullable(feed);
  }

  /** {@return the owner's approval inbox} */
  public HeldEvents inbox() {
    return inbox;
  }

  /** {@return the quarantine} */
  public Quarantine quarantine() {
    return quarantine;
  }

  /**
   * The apps registered to this vault; present when the runtime was given the vault's NATS
   * account ({@link VettIdRuntimeBuilder#account}), which signs the apps' users.
   *
   * @return the AppManager
   */
  public Optional<AppManager> apps() {
    return Optional.ofNullable(apps);
  }

  /**
   * Reads the vault's handshake stream (PROTOCOL.md section 8.5): acceptances of its invitations
   * and confirmations of its acceptances, delivered over NATS, each handed to the listener.
   *
   * @param subscriberGuid the vault's subscriber guid
   * @param listener what the vault does with each message
   * @return the inbox (closed with the runtime)
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the stream or consumer cannot be made
   * @throws IllegalStateException if the runtime has no connection to the deposit account
   */
  public HandshakeInbox handshakes(String subscriberGuid, HandshakeInbox.Listener listener)
      throws IOException, JetStreamApiException {
    if (nats.deposits() == null) {
      throw new IllegalStateException("this runtime has no connection to the vault's deposit account; start it with"
          + " VettIdRuntime.connect(accounts, server) or give VettIdRuntimeBuilder.eventSpaceNats");
    }
    HandshakeInbox inbox = new HandshakeInbox(nats.deposits(), subscriberGuid, depositLayout, quarantine, listener);
    handshakeInboxes.add(inbox);
    return inbox;
  }

  @Override
  public void close() {
    for (HandshakeInbox h : handshakeInboxes) {
      h.close();
    }
    for (EventWatcher w : watchers) {
      w.close();
    }
    manager.close();
    if (appService != null) {
      appService.close();
    }
    if (ruleStore != null) {
      ruleStore.close();
    }
    if (audit != null) {
      audit.close(); // after the services: their last decisions are in it, with a signed checkpoint
    }
    if (connections != null) {
      connections.close(); // the NATS connections to peers it opened
    }
    nats.close();
    LOG.info("VettID runtime stopped");
  }
}
