package io.vettid.runtime;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.JetStreamApiException;
import io.nats.client.Options;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.Providers;
import io.vettid.api.spi.RuleEngine;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.service.EventService;
import io.vettid.runtime.service.HandlerRegistry;
import io.vettid.runtime.service.ReplyTransport;
import io.vettid.runtime.service.RuleStore;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The runtime's settings besides where its NATS is ({@link VettIdRuntime#embedded}, {@link
 * VettIdRuntime#connect}); {@link #start()} starts it.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class VettIdRuntimeBuilder {
  /** Where the runtime's NATS is. */
  enum Mode {
    EMBEDDED("the embedded default (VettIdRuntime.embedded)"),
    ACCOUNTS("a server that knows the vault's accounts (VettIdRuntime.connect(accounts, server))"),
    OPTIONS("a server reached with your own users (VettIdRuntime.connect(options))");

    final String what;

    Mode(String what) {
      this.what = what;
    }
  }

  final Mode mode;
  Path dataDirectory;
  byte[] vaultSecret;
  Options.Builder options;
  int replicas = 1;
  /** Replicas of the deposit streams, when they are on an EventSpace server; 0: as {@link #replicas}. */
  int depositReplicas;
  RuleEngine ruleEngine;
  ReplyTransport replies = ReplyTransport.NONE;
  final List<EventHandlerFactory> handlers = new ArrayList<>();
  boolean discover = true;
  Duration ackWait = Duration.ofSeconds(60);
  EventService.Listener listener = settled -> { };
  io.vettid.runtime.audit.AuditLog.Signer auditSigner;
  Connections connections;
  NatsAccount account;
  Options.Builder depositOptions;
  Options.Builder peerOptions;
  /** The users the runtime issued itself, whose JWTs expire and renew (null: not issued by it). */
  io.vettid.nats.auth.RenewingUser ownerUser;
  io.vettid.nats.auth.RenewingUser watcherUser;
  io.vettid.nats.auth.RenewingUser responderUser;
  VaultAccounts accounts;
  long storageBytes = JetStreamLimits.subscriberDefault().diskBytes();
  boolean builtIns = true;
  Duration rotationGrace = Duration.ofMinutes(10);

  VettIdRuntimeBuilder(Mode mode) {
    this.mode = mode;
  }

  private void only(Mode wanted, String setting) {
    if (mode != wanted) {
      throw new IllegalStateException(setting + " applies only to " + wanted.what + ", not to " + mode.what);
    }
  }

  /**
   * Observes every event the Manager settles (ids, types and outcomes; never payloads), and every
   * message a stage before it refuses and keeps in the quarantine: an Event Watcher (a deposit that
   * does not open or check, service {@code Watcher_<eventspace>}), the handshake inbox ({@code
   * HandshakeInbox}) and the profile responder ({@code InboxResponder}); those notices name the
   * stage, the connection the subject names (if any) and the reason, with no type or eventId.
   *
   * @param listener the listener
   * @return this builder
   */
  public VettIdRuntimeBuilder listener(EventService.Listener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
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
  public VettIdRuntimeBuilder eventSpaceNats(Options.Builder deposits, Options.Builder peers) {
    only(Mode.OPTIONS, "eventSpaceNats");
    this.depositOptions = Objects.requireNonNull(deposits, "deposits");
    this.peerOptions = Objects.requireNonNull(peers, "peers");
    return this;
  }

  /**
   * The vault's EventSpaces live on an EventSpace server it registered with ({@link
   * io.vettid.runtime.eventspace.ConciergeClient#register}): its Event Watchers read their deposit
   * streams there, with a user of its deposit account, and its profile responder answers there,
   * with a user of its EventSpace account; both issued here with the keys the vault holds. The
   * vault's own server (the one given to {@link VettIdRuntime#connect(VaultAccounts,
   * Options.Builder)}) then needs only the internal accounts ({@link VaultAccounts#internal()}).
   *
   * @param external the vault's external accounts, registered under the same guid as its accounts
   * @param server options with the EventSpace server's URL(s) and TLS context
   * @param replicas the replicas of the deposit streams there: 1 on one server, 3 on a cluster
   * @return this builder
   * @throws IllegalArgumentException if the guids differ
   */
  public VettIdRuntimeBuilder eventSpaceServer(SubscriberAccounts external, Options.Builder server, int replicas) {
    only(Mode.ACCOUNTS, "eventSpaceServer");
    if (replicas < 1 || replicas > 5) {
      throw new IllegalArgumentException("replicas must be 1..5, got " + replicas);
    }
    this.depositReplicas = replicas;
    Objects.requireNonNull(external, "external");
    Options base = Objects.requireNonNull(server, "server").build();
    if (!external.guid().equals(accounts.guid())) {
      throw new IllegalArgumentException("the external accounts are registered as " + external.guid()
          + ", the vault's accounts are " + accounts.guid());
    }
    Duration validity = ownerUser != null ? ownerUser.validity() : VettIdRuntime.OWN_USER_VALIDITY;
    this.watcherUser = external.renewingWatcher("watcher", validity);
    this.responderUser = external.renewingResponder("responder", validity);
    this.depositOptions = new Options.Builder(base).authHandler(watcherUser);
    this.peerOptions = new Options.Builder(base).authHandler(responderUser);
    return this;
  }

  /**
   * How long the JWTs of the users the runtime issues itself are valid ({@link
   * VettIdRuntime#OWN_USER_VALIDITY} by default). Each is issued again for the same NKey when a
   * (re)connect finds less than half of it left; the server closes a connection whose JWT expired,
   * and the client reconnects with a fresh one.
   *
   * @param validity at least 2 seconds
   * @return this builder
   */
  public VettIdRuntimeBuilder ownUserValidity(Duration validity) {
    only(Mode.ACCOUNTS, "ownUserValidity");
    for (io.vettid.nats.auth.RenewingUser u : new io.vettid.nats.auth.RenewingUser[] {ownerUser, watcherUser,
        responderUser}) {
      if (u != null) {
        u.validity(validity);
      }
    }
    return this;
  }

  /**
   * The JetStream storage of the vault's account, of which every stream's and bucket's cap is a
   * share ({@code JetStreamLayout.Builder.storageBytes}); default 1 GiB, or the account's own
   * limit when started with {@link VettIdRuntime#connect(VaultAccounts, Options.Builder)}.
   *
   * @param bytes at least 16 MiB
   * @return this builder
   */
  public VettIdRuntimeBuilder storageBytes(long bytes) {
    JetStreamLayout.builder().storageBytes(bytes); // checks it
    this.storageBytes = bytes;
    return this;
  }

  /**
   * Replicas of every stream and bucket (1 on one server, 3 or 5 on a cluster).
   *
   * @param replicas 1..5
   * @return this builder
   */
  public VettIdRuntimeBuilder replicas(int replicas) {
    if (replicas < 1 || replicas > 5) {
      throw new IllegalArgumentException("replicas must be 1..5, got " + replicas);
    }
    this.replicas = replicas;
    return this;
  }

  /**
   * Keeps an audit log ({@link io.vettid.runtime.audit.AuditLog}): every decision the runtime takes,
   * hash-chained in the vault's {@code Audit} stream, with checkpoints signed by this signer (the
   * vault's identity key). See {@link VettIdRuntime#audit()}.
   *
   * @param signer signs the checkpoints
   * @return this builder
   */
  public VettIdRuntimeBuilder audit(io.vettid.runtime.audit.AuditLog.Signer signer) {
    this.auditSigner = Objects.requireNonNull(signer, "signer");
    return this;
  }

  /**
   * Replaces the default rules (the owner's {@link RuleStore}) with another engine, such as one
   * from a {@link io.vettid.api.spi.RuleEngineProvider}.
   *
   * @param engine the engine
   * @return this builder
   */
  public VettIdRuntimeBuilder ruleEngine(RuleEngine engine) {
    this.ruleEngine = Objects.requireNonNull(engine, "engine");
    return this;
  }

  /**
   * The account of the vault's apps (operator mode, {@link VaultAccounts#apps()}): enables the
   * AppManager service, which registers apps with their own users in this account and consumes
   * their queues (which the vault's account serves to it); for {@link VettIdRuntime#connect(Options.Builder)} only (the other two starts have it).
   *
   * @param account the apps' account
   * @return this builder
   */
  public VettIdRuntimeBuilder account(NatsAccount account) {
    only(Mode.OPTIONS, "account");
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
  public VettIdRuntimeBuilder ruleEngineProvider(String name) {
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
  public VettIdRuntimeBuilder handler(EventHandlerFactory factory) {
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
  public VettIdRuntimeBuilder discoverHandlers(boolean discover) {
    this.discover = discover;
    return this;
  }

  /**
   * How handler replies reach connections.
   *
   * @param replies the transport
   * @return this builder
   */
  public VettIdRuntimeBuilder replies(ReplyTransport replies) {
    this.replies = Objects.requireNonNull(replies, "replies");
    return this;
  }

  /**
   * How long the handled-once records of finished eventIds are kept (default 10 minutes, never less
   * than 2 minutes or four acknowledgement waits): see {@link
   * io.vettid.runtime.service.EventServiceBuilder#handledOnceHorizon}.
   *
   * @param horizon positive
   * @return this builder
   */
  public VettIdRuntimeBuilder handledOnceHorizon(Duration horizon) {
    Objects.requireNonNull(horizon, "horizon");
    if (horizon.isNegative() || horizon.isZero()) {
      throw new IllegalArgumentException("the horizon must be positive, got " + horizon);
    }
    this.horizon = horizon;
    return this;
  }

  Duration horizon = Duration.ofMinutes(10);

  /**
   * How long an unacknowledged event waits before redelivery (default 60 s).
   *
   * @param ackWait 1 s .. 1 h, longer than every handler's timeout
   * @return this builder
   */
  public VettIdRuntimeBuilder ackWait(Duration ackWait) {
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
  public VettIdRuntimeBuilder connections(Connections connections) {
    this.connections = Objects.requireNonNull(connections, "connections");
    this.replies = connections;
    return this;
  }

  /**
   * This vault's connections, kept in its sealed store ({@link Connections#persistTo}) and
   * restored from it <em>before</em> any service starts: an event waiting in the queue at a
   * restart is handled only once its connection (keys, sessions, route for the reply) is back.
   * {@link VettIdRuntime#restoredConnections()} says how many were restored.
   *
   * @param connections the connections
   * @param vaultSecret the vault secret (at least 32 bytes; copied, and wiped once started)
   * @param connector opens the NATS connections to the peers' servers
   * @return this builder
   */
  public VettIdRuntimeBuilder connections(Connections connections, byte[] vaultSecret,
      io.vettid.runtime.connection.PeerConnector connector) {
    Objects.requireNonNull(vaultSecret, "vaultSecret");
    if (vaultSecret.length < 32) {
      throw new IllegalArgumentException("the vault secret must be at least 32 bytes");
    }
    this.connector = Objects.requireNonNull(connector, "connector");
    this.storeSecret = vaultSecret.clone();
    return connections(connections);
  }

  /** The secret of the connections' sealed store, null when they are not kept by the runtime. */
  byte[] storeSecret;
  boolean ownerFeed;

  /**
   * Keeps every handled event, with its payload, in the owner's feed ({@link
   * io.vettid.runtime.service.OwnerFeed}), sealed under a key derived from the vault secret given to
   * {@link #connections(Connections, byte[], io.vettid.runtime.connection.PeerConnector)}, which this
   * needs. See {@link VettIdRuntime#feed()}.
   *
   * @return this builder
   */
  public VettIdRuntimeBuilder ownerFeed() {
    this.ownerFeed = true;
    return this;
  }

  /** The secret the owner's feed derives its key from, when not the connections' vault secret. */
  byte[] feedSecret;

  /**
   * Keeps every handled event in the owner's feed, sealed under a key derived from this secret
   * (for a runtime that does not keep its connections itself; see {@link #ownerFeed()}).
   *
   * @param vaultSecret at least 32 bytes (copied)
   * @return this builder
   */
  public VettIdRuntimeBuilder ownerFeed(byte[] vaultSecret) {
    Objects.requireNonNull(vaultSecret, "vaultSecret");
    if (vaultSecret.length < 32) {
      throw new IllegalArgumentException("the vault secret must be at least 32 bytes");
    }
    this.feedSecret = vaultSecret.clone();
    this.ownerFeed = true;
    return this;
  }
  io.vettid.runtime.connection.PeerConnector connector;

  /**
   * Whether to register the built-in handlers ({@code profile-request}, {@code chat}, {@code
   * contact-request}, and with connections {@code responses}, {@code connection-rotation},
   * {@code identity-rotation}, {@code connection-revoked} and {@code session-reset});
   * default true.
   *
   * @param enabled whether to register them
   * @return this builder
   */
  public VettIdRuntimeBuilder builtInHandlers(boolean enabled) {
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
  public VettIdRuntimeBuilder rotationGrace(Duration grace) {
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative");
    }
    this.rotationGrace = grace;
    return this;
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
   */
  public VettIdRuntime start() throws IOException, GeneralSecurityException, JetStreamApiException,
      InterruptedException {
    try {
      return new VettIdRuntime(this);
    } finally {
      if (vaultSecret != null) {
        Arrays.fill(vaultSecret, (byte) 0);
        vaultSecret = null;
      }
      if (storeSecret != null) {
        Arrays.fill(storeSecret, (byte) 0);
        storeSecret = null;
      }
    }
  }
}
