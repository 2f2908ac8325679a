package io.vettid.testkit;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts a real {@code nats-server} (through {@link NatsServer}) for a test class or a test.
 *
 * <p>Registered on a {@code static} field, one server serves the whole class; on an instance
 * field, each test gets its own. Parameters of type {@link NatsServer} and {@link Connection}
 * are resolved; connections are closed after the test.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final NatsServerExtension NATS = NatsServerExtension.builder()
 *     .encryptedAtRest()                                   // random store key
 *     .configure(c -> c.serverName("vault-a"))             // any NatsServerConfig setting
 *     .build();
 *
 * @Test
 * void survivesRestart() throws Exception {
 *   try (Connection nc = NATS.connect()) {
 *     nc.publish("Example.Subject", new byte[] {1});
 *   }
 *   NATS.server().restart();
 * }
 * }</pre>
 *
 * <p>If {@code nats-server} is not installed, the test fails with a message saying how to
 * install it (see {@link io.vettid.nats.server.NatsServerBinary}).
 */
public final class NatsServerExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
        ParameterResolver {

  private final NatsServerConfig config;
  private final SSLContext sslContext;
  private final io.vettid.nats.tls.TlsMaterial tlsMaterial;
  private final NatsOperator operator;
  private final java.nio.file.Path jwtDir;
  private final List<Connection> connections = new ArrayList<>();
  private final List<Connection> classConnections = new ArrayList<>();
  private boolean inTest;
  private NatsServer server;
  private boolean perClass;

  /** The extension with the defaults: JetStream on, free loopback ports, temporary store. */
  public NatsServerExtension() {
    this(NatsServerConfig.builder().build(), null, null, null, null);
  }

  private NatsServerExtension(NatsServerConfig config, SSLContext sslContext, io.vettid.nats.tls.TlsMaterial tls,
      NatsOperator operator, java.nio.file.Path jwtDir) {
    this.jwtDir = jwtDir;
    this.config = config;
    this.sslContext = sslContext;
    this.tlsMaterial = tls;
    this.operator = operator;
  }

  /**
   * The operator made by {@link Builder#operatorMode}.
   *
   * @return the operator
   * @throws IllegalStateException if the server is not in operator mode
   */
  public NatsOperator operator() {
    if (operator == null) {
      throw new IllegalStateException("operator mode is not on: build the extension with operatorMode(...)");
    }
    return operator;
  }

  /**
   * Connects as a given NATS user (operator mode); closed after the current test (or class).
   *
   * @param user the user's credentials
   * @param options options to start from (inbox prefix, listeners)
   * @return the connection
   * @throws IOException if it cannot connect (such as an authorization violation)
   * @throws InterruptedException if interrupted while connecting
   */
  public Connection connect(UserCredentials user, Options.Builder options) throws IOException, InterruptedException {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(options, "options");
    return connect(options.authHandler(user.authHandler()));
  }

  /**
   * Pushes accounts' current JWTs to the running server through the system account (operator
   * mode), one connection for all, and waits for the server to confirm each.
   *
   * @param accounts the accounts
   * @throws IOException if the system user cannot connect
   * @throws InterruptedException if interrupted
   */
  public void push(NatsAccount... accounts) throws IOException, InterruptedException {
    Options.Builder options = Options.builder().server(url()).connectionTimeout(Duration.ofSeconds(5))
        .authHandler(operator().systemUser().authHandler());
    if (sslContext != null) {
      options.sslContext(sslContext);
    }
    try (Connection sys = Nats.connect(options.build())) {
      for (NatsAccount account : accounts) {
        operator().push(sys, account);
      }
    }
  }

  /**
   * The TLS material made by {@link Builder#tls()}.
   *
   * @return the material
   * @throws IllegalStateException if TLS was not turned on with {@link Builder#tls()}
   */
  public io.vettid.nats.tls.TlsMaterial tlsMaterial() {
    if (tlsMaterial == null) {
      throw new IllegalStateException("TLS is not on: build the extension with tls()");
    }
    return tlsMaterial;
  }

  /** {@return a new builder for a configured server} */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The running server.
   *
   * @return the server
   * @throws IllegalStateException outside a test's lifetime
   */
  public synchronized NatsServer server() {
    if (server == null) {
      throw new IllegalStateException("the nats-server is not running: use it inside a test");
    }
    return server;
  }

  /** {@return the client URL of the running server} */
  public String url() {
    return server().clientUrl();
  }

  /**
   * Opens a connection to the running server; it is closed after the current test (or class).
   *
   * @return the connection
   * @throws IOException if it cannot connect
   * @throws InterruptedException if interrupted while connecting
   */
  public Connection connect() throws IOException, InterruptedException {
    return connect(Options.builder());
  }

  /**
   * Opens a connection with extra options; the server URL (and TLS context, if configured) is set
   * for you. It is closed after the current test (or class).
   *
   * @param options options to start from
   * @return the connection
   * @throws IOException if it cannot connect
   * @throws InterruptedException if interrupted while connecting
   */
  public Connection connect(Options.Builder options) throws IOException, InterruptedException {
    Objects.requireNonNull(options, "options");
    options.server(url()).connectionTimeout(Duration.ofSeconds(5)).maxReconnects(-1);
    if (sslContext != null) {
      options.sslContext(sslContext);
    }
    return track(Nats.connect(options.build()));
  }

  /**
   * Options for the running server (URL, TLS context, a 5-second connect timeout) that a test
   * changes further, for connections it opens and closes itself with {@code Nats.connect}.
   *
   * @return a new options builder
   */
  public Options.Builder options() {
    Options.Builder options = Options.builder().server(url()).connectionTimeout(Duration.ofSeconds(5));
    if (sslContext != null) {
      options.sslContext(sslContext);
    }
    return options;
  }

  private Connection track(Connection nc) {
    synchronized (this) {
      (inTest ? connections : classConnections).add(nc);
    }
    return nc;
  }

  @Override
  public synchronized void beforeAll(ExtensionContext context) {
    perClass = true;
    server = NatsServer.start(config);
  }

  @Override
  public synchronized void beforeEach(ExtensionContext context) {
    inTest = true;
    if (!perClass) {
      server = NatsServer.start(config);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    closeConnections(connections);
    synchronized (this) {
      inTest = false;
    }
    if (!perClass) {
      stopServer();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    closeConnections(connections);
    closeConnections(classConnections);
    stopServer();
    if (jwtDir != null) {
      deleteTree(jwtDir);
    }
  }

  private static void deleteTree(java.nio.file.Path dir) {
    // best effort: a temp directory left behind holds only public account JWTs
    io.vettid.nats.server.FileTrees.deleteQuietly(dir);
  }

  private synchronized void stopServer() {
    if (server != null) {
      server.close();
      server = null;
    }
  }


  private void closeConnections(List<Connection> which) {
    List<Connection> open;
    synchronized (this) {
      open = new ArrayList<>(which);
      which.clear();
    }
    for (Connection nc : open) {
      try {
        nc.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == NatsServer.class || type == Connection.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    if (type == NatsServer.class) {
      return server();
    }
    try {
      return connect();
    } catch (IOException e) {
      throw new ParameterResolutionException("cannot connect to " + server(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ParameterResolutionException("interrupted while connecting to " + server(), e);
    }
  }

  /** Builds a {@link NatsServerExtension}. */
  public static final class Builder {
    private NatsServerConfig.Builder config = NatsServerConfig.builder();
    private SSLContext sslContext;
    private io.vettid.nats.tls.TlsMaterial tlsMaterial;
    private NatsOperator operator;
    private java.nio.file.Path jwtDir;

    private Builder() {}

    /**
     * Runs the server in operator mode (role EventSpace Server) with a {@code full} resolver in a
     * temporary directory, knowing the given accounts from the start; more can be {@linkplain
     * NatsServerExtension#push pushed} while it runs. Connect with {@link
     * NatsServerExtension#connect(UserCredentials, Options.Builder)}.
     *
     * @param operator the operator
     * @param preload accounts the server knows at start
     * @return this builder
     */
    public Builder operatorMode(NatsOperator operator, NatsAccount... preload) {
      return operatorMode(operator, List.of(preload));
    }

    /**
     * Runs the server in operator mode knowing every account of the given vaults from the start
     * (each vault's internal, apps, EventSpace and deposit accounts, {@link
     * io.vettid.nats.auth.VaultAccounts}).
     *
     * @param operator the operator
     * @param vault a vault whose accounts the server knows at start
     * @param more more of them
     * @return this builder
     */
    public Builder operatorMode(NatsOperator operator, io.vettid.nats.auth.VaultAccounts vault,
        io.vettid.nats.auth.VaultAccounts... more) {
      List<NatsAccount> all = new java.util.ArrayList<>(vault.all());
      for (io.vettid.nats.auth.VaultAccounts v : more) {
        all.addAll(v.all());
      }
      return operatorMode(operator, all);
    }

    private Builder operatorMode(NatsOperator operator, List<NatsAccount> preload) {
      this.operator = Objects.requireNonNull(operator, "operator");
      try {
        jwtDir = java.nio.file.Files.createTempDirectory("vettid-jwt-");
        config.extraConfig(operator.serverConfig(NatsOperator.ServerRole.EVENTSPACE_SERVER, jwtDir, preload));
        return this;
      } catch (IOException e) {
        throw new IllegalStateException("cannot make the resolver directory: " + e.getMessage(), e);
      }
    }

    /**
     * Changes the server configuration.
     *
     * @param change applied to the configuration builder
     * @return this builder
     */
    public Builder configure(UnaryOperator<NatsServerConfig.Builder> change) {
      config = Objects.requireNonNull(change.apply(config), "configure must return the builder");
      return this;
    }

    /**
     * Encrypts JetStream storage with a random key (ChaCha20-Poly1305).
     *
     * @return this builder
     */
    public Builder encryptedAtRest() {
      char[] key = NatsServerConfig.randomStoreKey();
      config.jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, key);
      java.util.Arrays.fill(key, '\0');
      return this;
    }

    /**
     * Turns TLS on with a fresh private CA and a server certificate for {@code localhost} and
     * {@code 127.0.0.1} (see {@link io.vettid.nats.tls.TlsMaterial}); {@link #connect()} then
     * uses a context that trusts only that CA and verifies the host name. The files go to a
     * temporary directory deleted when the JVM exits.
     *
     * @return this builder
     */
    public Builder tls() {
      try {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("vettid-tls-");
        // deleted at exit in the reverse order of these calls: the files first, then the directory
        // (registered after them, it was deleted first, while not empty, and stayed)
        dir.toFile().deleteOnExit();
        io.vettid.nats.tls.TlsMaterial material =
            io.vettid.nats.tls.TlsMaterial.generate(dir, java.util.List.of("localhost"), java.util.List.of("127.0.0.1"));
        config.tls(material.serverTls(false));
        this.sslContext = material.clientContext();
        this.tlsMaterial = material;
        for (String f : new String[] {"ca.pem", "server-cert.pem", "server-key.pem"}) {
          dir.resolve(f).toFile().deleteOnExit();
        }
        return this;
      } catch (java.io.IOException | java.security.GeneralSecurityException e) {
        throw new IllegalStateException("cannot make TLS material for the test server: " + e.getMessage(), e);
      }
    }

    /**
     * Sets the TLS context that {@link #connect()} uses (with {@code configure(c -> c.tls(...))}).
     *
     * @param sslContext trusts the server's CA (and holds a client certificate for mutual TLS)
     * @return this builder
     */
    public Builder clientTls(SSLContext sslContext) {
      this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
      return this;
    }

    /** {@return the extension} */
    public NatsServerExtension build() {
      return new NatsServerExtension(config.build(), sslContext, tlsMaterial, operator, jwtDir);
    }
  }
}
