package io.vettid.runtime;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.Providers;
import io.vettid.api.spi.RuleEngine;
import io.vettid.crypto.envelope.Opener;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.service.EventService;
import io.vettid.runtime.service.EventWatcher;
import io.vettid.runtime.service.HandlerRegistry;
import io.vettid.runtime.service.HeldEvents;
import io.vettid.runtime.service.Quarantine;
import io.vettid.runtime.service.ReplyTransport;
import io.vettid.runtime.service.RuleStore;
import io.vettid.runtime.service.RuntimeCounters;
import java.io.IOException;
import java.nio.file.Files;
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
 * The reference runtime of one Data Vault: its NATS connection, the vault's JetStream layout, the
 * Manager {@link EventService} with its rules, inbox and quarantine, and one {@link EventWatcher}
 * per EventSpace it publishes.
 *
 * <p><b>Embedded default</b>: with a {@linkplain Builder#dataDirectory data directory} and a
 * {@linkplain Builder#vaultSecret vault secret}, it starts its own {@code nats-server} under that
 * directory, on loopback, with TLS that requires a client certificate only this runtime holds,
 * and with JetStream encrypted at rest under a key derived from the vault secret (the same secret
 * reopens the same store; the key reaches the server only through its environment). <b>External
 * server</b>: {@link Builder#nats(Options.Builder)} connects to a server or cluster you run.
 *
 * <pre>{@code
 * try (VettIdRuntime vault = VettIdRuntime.builder()
 *     .dataDirectory(Path.of("vault"))
 *     .vaultSecret(secret)                       // 32+ bytes kept sealed by the owner
 *     .handler(new ContactRequestHandler())      // plus any found by ServiceLoader
 *     .start()) {
 *   vault.rules().put("[{\"id\":\"contacts\",\"eventType\":\"contact.request\",\"action\":\"hold\"}]");
 *   vault.watch(guid, "home", opener);
 *   ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} stops the watchers, lets the service finish the event in hand,
 * closes the connection and stops the embedded server; unacknowledged events are redelivered on
 * the next start.
 */
public final class VettIdRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VettIdRuntime.class);
  /** The embedded server's name (it salts the store key derivation). */
  public static final String EMBEDDED_SERVER_NAME = "vettid-vault";

  private final NatsServer server;
  private final Connection nc;
  private final RuntimeCounters counters = new RuntimeCounters();
  private final RuleStore ruleStore;
  private final Quarantine quarantine;
  private final HeldEvents inbox;
  private final EventService manager;
  private final List<EventWatcher> watchers = new CopyOnWriteArrayList<>();
  private final JetStreamLayout layout;

  private VettIdRuntime(Builder b) throws IOException, GeneralSecurityException, JetStreamApiException,
      InterruptedException {
    NatsServer started = null;
    Connection conn = null;
    RuleStore rs = null;
    try {
      Options.Builder options;
      if (b.dataDirectory != null) {
        Path dir = Files.createDirectories(b.dataDirectory);
        // fresh TLS material on every start: the CA key lives in memory only, so last run's
        // certificates cannot be extended and are replaced
        Path tlsDir = Files.createDirectories(dir.resolve("tls"));
        for (String f : List.of("ca.pem", "server-cert.pem", "server-key.pem")) {
          Files.deleteIfExists(tlsDir.resolve(f));
        }
        TlsMaterial tls = TlsMaterial.generate(tlsDir, List.of("localhost"), List.of("127.0.0.1"));
        char[] storeKey = NatsServerConfig.deriveStoreKey(b.vaultSecret, EMBEDDED_SERVER_NAME);
        try {
          started = NatsServer.start(NatsServerConfig.builder()
              .serverName(EMBEDDED_SERVER_NAME)
              .workDir(dir.resolve("nats"))
              .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, storeKey)
              .tls(tls.serverTls(true))
              .build());
        } finally {
          Arrays.fill(storeKey, '\0');
        }
        options = new Options.Builder().server(started.clientUrl()).sslContext(tls.clientContext("vettid-runtime"));
      } else {
        options = b.options;
      }
      conn = Nats.connect(options.connectionTimeout(Duration.ofSeconds(10)).maxReconnects(-1).build());
      layout = JetStreamLayout.builder().replicas(b.replicas).build();
      layout.ensureVault(conn);
      RuleEngine engine = b.ruleEngine;
      if (engine == null) {
        rs = RuleStore.open(conn);
        engine = rs;
      }
      quarantine = new Quarantine(conn, counters);
      inbox = new HeldEvents(conn, quarantine);
      manager = EventService.builder(conn, "Manager")
          .handlers(b.handlers())
          .rules(engine)
          .replies(b.replies)
          .counters(counters)
          .quarantine(quarantine)
          .inbox(inbox)
          .ackWait(b.ackWait)
          .build();
      manager.start();
    } catch (IOException | GeneralSecurityException | JetStreamApiException | InterruptedException | RuntimeException e) {
      if (rs != null) {
        rs.close();
      }
      if (conn != null) {
        conn.close();
      }
      if (started != null) {
        started.close();
      }
      throw e;
    }
    this.server = started;
    this.nc = conn;
    this.ruleStore = rs;
    LOG.info("VettID runtime started ({}; {} handler(s))", server != null ? "embedded nats-server" : "external NATS",
        b.handlers().all().size());
  }

  /** {@return a new builder} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Publishes an EventSpace: creates its deposit stream and starts an {@link EventWatcher} that
   * opens deposits with the given opener into the Manager's queue.
   *
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace
   * @param opener opens deposits with this vault's keys
   * @return the watcher (closed with the runtime)
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the stream or consumer cannot be made
   */
  public EventWatcher watch(String subscriberGuid, String eventSpace, Opener opener)
      throws IOException, JetStreamApiException {
    layout.ensureEventSpace(nc, subscriberGuid, eventSpace);
    EventWatcher w = new EventWatcher(nc, subscriberGuid, eventSpace, opener, counters);
    w.start();
    watchers.add(w);
    return w;
  }

  /** {@return the vault's connection (its own account)} */
  public Connection connection() {
    return nc;
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

  @Override
  public void close() {
    for (EventWatcher w : watchers) {
      w.close();
    }
    manager.close();
    if (ruleStore != null) {
      ruleStore.close();
    }
    try {
      nc.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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

    private Builder() {}

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
     * Registers a handler factory (besides those found by {@link java.util.ServiceLoader}).
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

    HandlerRegistry handlers() {
      Providers.Builder<EventHandlerFactory> p = Providers.builder(EventHandlerFactory.class, EventHandlerFactory::name);
      if (discover) {
        p.discover(VettIdRuntime.class.getClassLoader());
      }
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
