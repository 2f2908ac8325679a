package io.vettid.runtime;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.Providers;
import io.vettid.api.spi.RuleEngine;
import io.vettid.crypto.envelope.EnvelopeOpener;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.server.NatsServer;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.handlers.ContactRequestHandler;
import io.vettid.runtime.handlers.KeyRotationHandler;
import io.vettid.runtime.handlers.ProfileRequestHandler;
import io.vettid.runtime.handlers.ResponseHandler;
import io.vettid.runtime.service.EventService;
import io.vettid.runtime.service.EventWatcher;
import io.vettid.runtime.service.HandlerRegistry;
import io.vettid.runtime.service.HeldEvents;
import io.vettid.runtime.service.InboxResponder;
import io.vettid.runtime.service.Quarantine;
import io.vettid.runtime.service.ReplyTransport;
import io.vettid.runtime.service.RuleStore;
import io.vettid.runtime.service.RuntimeCounters;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
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
 * <p><b>Embedded default</b>: with a {@linkplain Builder#dataDirectory data directory} and a
 * {@linkplain Builder#vaultSecret vault secret}, it starts its own {@code nats-server} under that
 * directory, on loopback, with TLS that requires a client certificate only this runtime holds, in
 * operator mode with the vault's accounts (made at the first start and kept in {@code
 * accounts.sealed}, sealed under a key derived from the vault secret), and with JetStream
 * encrypted at rest under a key derived from the vault secret (the same secret reopens the same
 * store; the key reaches the server only through its environment). <b>External server</b>:
 * {@link Builder#vault(VaultAccounts, Options.Builder)} connects to a server or cluster you run
 * that knows the vault's accounts, or {@link Builder#nats(Options.Builder)} and {@link
 * Builder#eventSpaceNats} with users you issued.
 *
 * <pre>{@code
 * try (VettIdRuntime vault = VettIdRuntime.builder()
 *     .dataDirectory(Path.of("vault"))
 *     .vaultSecret(secret)                       // 32+ bytes kept sealed by the owner
 *     .handler(new MyHandlerFactory())           // plus any found by ServiceLoader
 *     .start()) {
 *   vault.rules().orElseThrow().put("[{\"id\":\"contacts\",\"eventType\":\"contact.request\",\"action\":\"hold\"}]");
 *   vault.watch(vault.subscriberGuid().orElseThrow(), "home", opener);
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the watchers, lets the service finish the event in hand,
 * closes the NATS connections (its own and those its {@link Connections} opened to peers) and stops
 * the embedded server; unacknowledged events are redelivered on
 * the next start.
 */
public final class VettIdRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VettIdRuntime.class);
  /** The embedded server's name (it salts the store key derivation). */
  public static final String EMBEDDED_SERVER_NAME = "vettid-vault";

  private final NatsServer server;
  private final Connection nc;
  private final Connection depositsNc;
  private final Connection peersNc;
  private final InboxResponder profileAnswers;
  private final String guid;
  private final RuntimeCounters counters = new RuntimeCounters();
  private final RuleStore ruleStore;
  private final Quarantine quarantine;
  private final HeldEvents inbox;
  private final EventService manager;
  private final List<EventWatcher> watchers = new CopyOnWriteArrayList<>();
  private final JetStreamLayout layout;
  private final io.nats.client.KeyValue profiles;
  private final io.nats.client.KeyValue vaultKv;
  private final Connections connections;
  private final io.vettid.runtime.service.AppManager apps;
  private final EventService appService;

  /** Prefix of shareable data fields in the {@code Vault} bucket. */
  public static final String SHARED_PREFIX = "shared.";
  private static final java.util.regex.Pattern FIELD = java.util.regex.Pattern.compile("[a-z0-9_-]{1,64}");
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  private static Optional<byte[]> readBytes(io.nats.client.KeyValue kv, String key) {
    try {
      io.nats.client.api.KeyValueEntry e = kv.get(key);
      return e == null || e.getValue() == null ? Optional.empty() : Optional.of(e.getValue());
    } catch (IOException | JetStreamApiException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot read " + key + ": " + e.getMessage(), e);
    }
  }

  private static Optional<String> readText(io.nats.client.KeyValue kv, String key) {
    if (!FIELD.matcher(key.substring(SHARED_PREFIX.length())).matches()) {
      return Optional.empty();
    }
    try {
      io.nats.client.api.KeyValueEntry e = kv.get(key);
      return e == null || e.getValue() == null ? Optional.empty()
          : Optional.of(new String(e.getValue(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("cannot read " + key + ": " + e.getMessage(), e);
    }
  }

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
    if (!FIELD.matcher(field).matches()) {
      throw new IllegalArgumentException("field names are 1-64 of [a-z0-9_-], got '" + field + "'");
    }
    vaultKv.put(SHARED_PREFIX + field, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
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

  private VettIdRuntime(Builder b) throws IOException, GeneralSecurityException, JetStreamApiException,
      InterruptedException {
    NatsServer started = null;
    Connection conn = null;
    Connection deposits = null;
    Connection peers = null;
    RuleStore rs = null;
    try {
      Options.Builder options;
      Options.Builder depositOptions = b.depositOptions;
      Options.Builder peerOptions = b.peerOptions;
      String subscriber = b.accounts != null ? b.accounts.guid() : null;
      NatsAccount appsAccount = b.account;
      if (b.dataDirectory != null) {
        EmbeddedServer embedded = EmbeddedServer.start(b.dataDirectory, b.vaultSecret, b.subscriberGuid);
        started = embedded.server();
        subscriber = embedded.guid();
        appsAccount = embedded.apps();
        options = embedded.vault();
        depositOptions = embedded.deposits();
        peerOptions = embedded.peers();
      } else {
        options = b.options;
      }
      conn = Nats.connect(options.connectionTimeout(Duration.ofSeconds(10)).maxReconnects(-1).build());
      if (depositOptions != null) {
        deposits = Nats.connect(depositOptions.connectionTimeout(Duration.ofSeconds(10)).maxReconnects(-1).build());
        peers = Nats.connect(peerOptions.connectionTimeout(Duration.ofSeconds(10)).maxReconnects(-1).build());
      }
      this.guid = subscriber;
      this.depositsNc = deposits;
      this.peersNc = peers;
      layout = JetStreamLayout.builder().replicas(b.replicas).storageBytes(b.storageBytes).build();
      layout.ensureVault(conn);
      RuleEngine engine = b.ruleEngine;
      if (engine == null) {
        rs = RuleStore.open(conn);
        engine = rs;
      }
      quarantine = new Quarantine(conn, counters, Quarantine.perSourceBytes(layout));
      profileAnswers = peers == null ? null : new InboxResponder(peers, quarantine);
      inbox = new HeldEvents(conn, quarantine);
      final Connection kvConn = conn;
      io.nats.client.KeyValue profiles = conn.keyValue(io.vettid.nats.subjects.Subjects.name("Profiles"));
      io.nats.client.KeyValue vault = conn.keyValue(io.vettid.nats.subjects.Subjects.name("Vault"));
      List<EventHandlerFactory> builtIns = b.builtIns ? builtInHandlers(b, engine, profiles, vault) : List.of();
      this.profiles = profiles;
      this.vaultKv = vault;
      this.connections = b.connections;
      HandlerRegistry registry = b.handlers(builtIns);
      manager = configure(EventService.builder(kvConn, "Manager"), b, registry, engine).build();
      manager.start();
      if (appsAccount != null) {
        apps = new io.vettid.runtime.service.AppManager(kvConn, appsAccount);
        appService = configure(apps.service(), b, registry, engine).build();
        appService.start();
      } else {
        apps = null;
        appService = null;
      }
    } catch (IOException | GeneralSecurityException | JetStreamApiException | InterruptedException | RuntimeException e) {
      if (rs != null) {
        rs.close();
      }
      for (Connection c : new Connection[] {conn, deposits, peers}) {
        if (c != null) {
          c.close();
        }
      }
      if (started != null) {
        started.close();
      }
      throw e;
    }
    this.server = started;
    this.nc = conn;
    this.ruleStore = rs;
    LOG.info("VettID runtime started ({})", server != null ? "embedded nats-server" : "external NATS");
  }

  /**
   * The built-in handlers: profile requests, chat, contact requests, and with connections the
   * responses, key rotation, revocation and session reset.
   */
  private static List<EventHandlerFactory> builtInHandlers(Builder b, RuleEngine engine,
      io.nats.client.KeyValue profiles, io.nats.client.KeyValue vault) {
    List<EventHandlerFactory> builtIns = new ArrayList<>();
    builtIns.add(new ProfileRequestHandler(es -> readBytes(profiles, es)));
    builtIns.add(new io.vettid.runtime.handlers.ChatHandler());
    builtIns.add(new ContactRequestHandler(engine, field -> readText(vault, SHARED_PREFIX + field)));
    Providers<io.vettid.api.spi.KeyAlgorithm> algorithms = Providers.builder(io.vettid.api.spi.KeyAlgorithm.class,
        io.vettid.api.spi.KeyAlgorithm::name).discover(VettIdRuntime.class.getClassLoader()).build();
    if (b.connections != null) {
      builtIns.add(new ResponseHandler(name -> algorithms.names().contains(name)
          ? Optional.of(algorithms.get(name)) : Optional.empty(), b.connections));
      builtIns.add(new KeyRotationHandler(b.connections, b.rotationGrace));
      builtIns.add(new io.vettid.runtime.handlers.ConnectionRevokedHandler(b.connections));
      builtIns.add(new io.vettid.runtime.handlers.SessionResetHandler(b.connections));
    }
    return builtIns;
  }

  /** Everything the runtime's services share: handlers, rules, replies, counters, inbox, quarantine. */
  private EventService.Builder configure(EventService.Builder service, Builder b, HandlerRegistry handlers,
      RuleEngine engine) {
    return service.handlers(handlers).rules(engine).replies(b.replies).counters(counters).quarantine(quarantine)
        .inbox(inbox).ackWait(b.ackWait).listener(b.listener);
  }

  /** {@return a new builder} */
  public static Builder builder() {
    return new Builder();
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
   *     (give {@link Builder#eventSpaceNats} or {@link Builder#vault}), or a watcher of this
   *     runtime still watches the EventSpace (its consumer acknowledges cumulatively, so it has one
   *     reader)
   * @throws IllegalArgumentException if the guid is not this vault's
   */
  public EventWatcher watch(String subscriberGuid, String eventSpace, EnvelopeOpener opener)
      throws IOException, JetStreamApiException {
    Objects.requireNonNull(subscriberGuid, "subscriberGuid");
    Objects.requireNonNull(eventSpace, "eventSpace");
    Objects.requireNonNull(opener, "opener");
    if (depositsNc == null) {
      throw new IllegalStateException("this runtime has no connection to its EventSpace accounts:"
          + " build it with .vault(accounts, options) or .eventSpaceNats(deposits, peers)");
    }
    if (guid != null && !guid.equals(subscriberGuid)) {
      throw new IllegalArgumentException("this vault's subscriber guid is " + guid + ", not " + subscriberGuid);
    }
    String deposits = io.vettid.nats.subjects.Subjects.depositsOf(subscriberGuid, eventSpace);
    for (EventWatcher open : watchers) {
      if (open.isOpen() && open.deposits().equals(deposits)) {
        throw new IllegalStateException("EventSpace " + eventSpace + " of " + subscriberGuid
            + " is already watched; close its watcher first");
      }
    }
    layout.ensureEventSpace(depositsNc, subscriberGuid, eventSpace);
    // each connection asks on its own subject, so the answer goes only into that connection's inbox
    String asked = io.vettid.nats.subjects.Subjects.profilesOf(subscriberGuid, eventSpace);
    io.nats.client.Dispatcher d = peersNc.createDispatcher(msg -> {
      String requester = msg.getSubject().substring(asked.length() - 1);
      String inbox = io.vettid.nats.subjects.Subjects.inbox(subscriberGuid, eventSpace,
          io.vettid.api.ConnectionId.of(requester)).value();
      // checked before the profile is read: a request aimed elsewhere is kept and counted even
      // while no profile is published, and costs no read
      if (profileAnswers.admit(msg, inbox)) {
        readBytes(profiles, eventSpace).ifPresent(bytes -> profileAnswers.answer(msg, inbox, bytes));
      }
    });
    d.subscribe(asked);
    EventWatcher w = new EventWatcher(depositsNc, nc, subscriberGuid, eventSpace, opener, counters, quarantine);
    w.start();
    watchers.add(w);
    return w;
  }

  /** {@return the vault's connection (its own, internal account)} */
  public Connection connection() {
    return nc;
  }

  /**
   * The connection to the vault's deposit account (external), where its EventSpaces' deposit
   * streams are; empty when the runtime was built without the external accounts.
   *
   * @return the connection
   */
  public Optional<Connection> depositConnection() {
    return Optional.ofNullable(depositsNc);
  }

  /** {@return the vault's subscriber guid, when the runtime knows its accounts} */
  public Optional<String> subscriberGuid() {
    return Optional.ofNullable(guid);
  }

  /** {@return how many profile requests were refused for a reply subject outside the requester's inbox} */
  public long refusedProfileReplies() {
    return profileAnswers == null ? 0 : profileAnswers.refused();
  }

  /** {@return the embedded server, when this runtime started one} */
  public Optional<NatsServer> embeddedServer() {
    return Optional.ofNullable(server);
  }

  /** {@return what the runtime counted} */
  public RuntimeCounters counters() {
    return counters;
  }

  /** {@return the owner's rules in the Vault bucket; empty when a custom rule engine was given} */
  public Optional<RuleStore> rules() {
    return Optional.ofNullable(ruleStore);
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
   * account ({@link Builder#account}), which signs the apps' users.
   *
   * @return the AppManager
   */
  public Optional<io.vettid.runtime.service.AppManager> apps() {
    return Optional.ofNullable(apps);
  }

  @Override
  public void close() {
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
    if (connections != null) {
      connections.close(); // the NATS connections to peers it opened
    }
    for (Connection c : new Connection[] {peersNc, depositsNc, nc}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (server != null) {
      server.close();
    }
    LOG.info("VettID runtime stopped");
  }

  /** Builds and starts a {@link VettIdRuntime}. */
  public static final class Builder {
    private Path dataDirectory;
    private byte[] vaultSecret;
    private Options.Builder options;
    private int replicas = 1;
    private RuleEngine ruleEngine;
    private ReplyTransport replies = ReplyTransport.NONE;
    private final List<EventHandlerFactory> handlers = new ArrayList<>();
    private boolean discover = true;
    private Duration ackWait = Duration.ofSeconds(60);
    private EventService.Listener listener = settled -> { };
    private Connections connections;
    private NatsAccount account;
    private Options.Builder depositOptions;
    private Options.Builder peerOptions;
    private VaultAccounts accounts;
    private String subscriberGuid;
    private long storageBytes = JetStreamLimits.subscriberDefault().diskBytes();
    private boolean builtIns = true;
    private Duration rotationGrace = Duration.ofMinutes(10);

    private Builder() {}

    /**
     * Observes every event the Manager settles (ids, types and outcomes; never payloads).
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(EventService.Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Embedded default: the runtime starts its own {@code nats-server} with its store under
     * {@code dir/nats} (created if missing). Needs {@link #vaultSecret}.
     *
     * @param dir the vault's data directory
     * @return this builder
     */
    public Builder dataDirectory(Path dir) {
      this.dataDirectory = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * The vault secret the embedded server's store key is derived from (copied; clear yours).
     *
     * @param secret at least 32 bytes of secret key material
     * @return this builder
     */
    public Builder vaultSecret(byte[] secret) {
      Objects.requireNonNull(secret, "secret");
      if (secret.length < 32) {
        throw new IllegalArgumentException("the vault secret must be at least 32 bytes, got " + secret.length);
      }
      this.vaultSecret = secret.clone();
      return this;
    }

    /**
     * An external server or cluster: connection options with its URL(s), TLS context and
     * credentials (for example {@code UserCredentials.authHandler()}).
     *
     * @param options the options
     * @return this builder
     */
    public Builder nats(Options.Builder options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /**
     * The external trust zone: connections to the vault's deposit account (the Event Watchers
     * read and purge deposits there) and to its EventSpace account (the profile responder, whose
     * user should have {@code UserPermissions.forResponder}). Needed by {@link
     * VettIdRuntime#watch}.
     *
     * @param deposits options with a user of the deposit account
     * @param peers options with the responder's user in the EventSpace account
     * @return this builder
     */
    public Builder eventSpaceNats(Options.Builder deposits, Options.Builder peers) {
      this.depositOptions = Objects.requireNonNull(deposits, "deposits");
      this.peerOptions = Objects.requireNonNull(peers, "peers");
      return this;
    }

    /**
     * A vault on a server you run that knows its accounts: the runtime issues its own users (the
     * owner in the internal account, the watcher in the deposit account, the responder in the
     * EventSpace account) and connects each with a copy of the given options; apps register in
     * the apps account.
     *
     * @param accounts the vault's accounts (the server must know all four)
     * @param server options with the server's URL and TLS context
     * @return this builder
     */
    public Builder vault(VaultAccounts accounts, Options.Builder server) {
      this.accounts = Objects.requireNonNull(accounts, "accounts");
      Options base = Objects.requireNonNull(server, "server").build();
      this.options = new Options.Builder(base).authHandler(accounts.issueOwner("vault").authHandler());
      this.depositOptions = new Options.Builder(base).authHandler(accounts.issueWatcher("watcher").authHandler());
      this.peerOptions = new Options.Builder(base).authHandler(accounts.issueResponder("responder").authHandler());
      this.account = accounts.apps();
      long disk = accounts.vault().limits().diskBytes();
      if (disk >= JetStreamLayout.MIN_STORAGE_BYTES) {
        this.storageBytes = disk; // every stream's and bucket's cap is a share of the account's storage
      }
      return this;
    }

    /**
     * The JetStream storage of the vault's account, of which every stream's and bucket's cap is a
     * share ({@code JetStreamLayout.Builder.storageBytes}); default 1 GiB, or the account's own
     * limit when given {@link #vault}.
     *
     * @param bytes at least 16 MiB
     * @return this builder
     */
    public Builder storageBytes(long bytes) {
      JetStreamLayout.builder().storageBytes(bytes); // checks it
      this.storageBytes = bytes;
      return this;
    }

    /**
     * The subscriber guid of the embedded default's first start (default: a random one); it is
     * kept with the vault's accounts.
     *
     * @param guid a lowercase token
     * @return this builder
     */
    public Builder subscriberGuid(String guid) {
      io.vettid.nats.subjects.Subjects.depositsOfSubscriber(guid); // checks it
      this.subscriberGuid = guid;
      return this;
    }

    /**
     * An external server over TLS, trusting the given context.
     *
     * @param url the server URL, such as {@code tls://127.0.0.1:4222}
     * @param tls the TLS context
     * @return this builder
     */
    public Builder nats(String url, SSLContext tls) {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(tls, "tls");
      return nats(new Options.Builder().server(url).sslContext(tls));
    }

    /**
     * Replicas of every stream and bucket (1 on one server, 3 or 5 on a cluster).
     *
     * @param replicas 1..5
     * @return this builder
     */
    public Builder replicas(int replicas) {
      if (replicas < 1 || replicas > 5) {
        throw new IllegalArgumentException("replicas must be 1..5, got " + replicas);
      }
      this.replicas = replicas;
      return this;
    }

    /**
     * Replaces the default rules (the owner's {@link RuleStore}) with another engine, such as one
     * from a {@link io.vettid.api.spi.RuleEngineProvider}.
     *
     * @param engine the engine
     * @return this builder
     */
    public Builder ruleEngine(RuleEngine engine) {
      this.ruleEngine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /**
     * The account of the vault's apps (operator mode, {@link VaultAccounts#apps()}): enables the
     * AppManager service, which registers apps with their own users in this account and consumes
     * their queues (which the vault's account serves to it). {@link #vault} sets it.
     *
     * @param account the apps' account
     * @return this builder
     */
    public Builder account(NatsAccount account) {
      this.account = Objects.requireNonNull(account, "account");
      return this;
    }

    /**
     * Replaces the owner's rules with the engine of a {@link io.vettid.api.spi.RuleEngineProvider}
     * found by {@link java.util.ServiceLoader} under this name (a third party's engine in its own
     * jar).
     *
     * @param name the provider's name
     * @return this builder
     * @throws io.vettid.api.spi.ProviderLookupException if no provider, or more than one, has the name
     */
    public Builder ruleEngineProvider(String name) {
      Objects.requireNonNull(name, "name");
      return ruleEngine(Providers.builder(io.vettid.api.spi.RuleEngineProvider.class,
              io.vettid.api.spi.RuleEngineProvider::name)
          .discover(VettIdRuntime.class.getClassLoader()).build().get(name).create());
    }

    /**
     * Registers a handler factory (besides those found by {@link java.util.ServiceLoader}); one
     * with the name of a built-in handler replaces it.
     *
     * @param factory the factory
     * @return this builder
     */
    public Builder handler(EventHandlerFactory factory) {
      handlers.add(Objects.requireNonNull(factory, "factory"));
      return this;
    }

    /**
     * Whether to add the handler factories found by {@link java.util.ServiceLoader} (default
     * true).
     *
     * @param discover whether to discover
     * @return this builder
     */
    public Builder discoverHandlers(boolean discover) {
      this.discover = discover;
      return this;
    }

    /**
     * How handler replies reach connections.
     *
     * @param replies the transport
     * @return this builder
     */
    public Builder replies(ReplyTransport replies) {
      this.replies = Objects.requireNonNull(replies, "replies");
      return this;
    }

    /**
     * How long an unacknowledged event waits before redelivery (default 60 s).
     *
     * @param ackWait 1 s .. 1 h, longer than every handler's timeout
     * @return this builder
     */
    public Builder ackWait(Duration ackWait) {
      this.ackWait = Objects.requireNonNull(ackWait, "ackWait");
      return this;
    }

    /**
     * This vault's connections: replies are sealed and sent through them, and {@link
     * VettIdRuntime#watch(String, String)} opens deposits with their keys; enables the built-in
     * key rotation handler.
     *
     * @param connections the connections
     * @return this builder
     */
    public Builder connections(Connections connections) {
      this.connections = Objects.requireNonNull(connections, "connections");
      this.replies = connections;
      return this;
    }

    /**
     * Whether to register the built-in handlers ({@code profile-request}, {@code chat}, {@code
     * contact-request}, and with connections {@code responses}, {@code connection-rotation},
     * {@code connection-revoked} and {@code session-reset});
     * default true.
     *
     * @param enabled whether to register them
     * @return this builder
     */
    public Builder builtInHandlers(boolean enabled) {
      this.builtIns = enabled;
      return this;
    }

    /**
     * How long a rotated-out connection key still opens events after the peer acknowledged the
     * rotation (default 10 minutes).
     *
     * @param grace the grace period
     * @return this builder
     */
    public Builder rotationGrace(Duration grace) {
      Objects.requireNonNull(grace, "grace");
      if (grace.isNegative()) {
        throw new IllegalArgumentException("grace must not be negative");
      }
      this.rotationGrace = grace;
      return this;
    }

    HandlerRegistry handlers() {
      return handlers(List.of());
    }

    HandlerRegistry handlers(List<EventHandlerFactory> builtIns) {
      Providers.Builder<EventHandlerFactory> p = Providers.builder(EventHandlerFactory.class, EventHandlerFactory::name);
      if (discover) {
        p.discover(VettIdRuntime.class.getClassLoader());
      }
      // a handler registered here replaces the built-in of the same name (such as your own "chat")
      java.util.Set<String> own = new java.util.HashSet<>();
      handlers.forEach(h -> own.add(h.name()));
      builtIns.stream().filter(b -> !own.contains(b.name())).forEach(p::add);
      handlers.forEach(p::add);
      return HandlerRegistry.of(p.build());
    }

    /**
     * Starts the runtime.
     *
     * @return the running runtime
     * @throws IOException if the server cannot start or NATS cannot be reached
     * @throws GeneralSecurityException if TLS material cannot be made
     * @throws JetStreamApiException if the vault layout cannot be made
     * @throws InterruptedException if interrupted while starting
     * @throws IllegalStateException if neither or both of a data directory and an external
     *     server were given, or the embedded default lacks a vault secret
     */
    public VettIdRuntime start() throws IOException, GeneralSecurityException, JetStreamApiException,
        InterruptedException {
      if ((dataDirectory == null) == (options == null)) {
        throw new IllegalStateException("give either a data directory (embedded server) or NATS options (external)");
      }
      if (dataDirectory != null && vaultSecret == null) {
        throw new IllegalStateException("the embedded server needs a vault secret for its store key");
      }
      try {
        return new VettIdRuntime(this);
      } finally {
        if (vaultSecret != null) {
          Arrays.fill(vaultSecret, (byte) 0);
          vaultSecret = null;
        }
      }
    }
  }
}
