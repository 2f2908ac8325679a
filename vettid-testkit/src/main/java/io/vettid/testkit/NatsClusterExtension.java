package io.vettid.testkit;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.tls.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a JetStream cluster of real {@code nats-server} processes on loopback ports for a test
 * class (register it on a {@code static} field). Every node has TLS on clients and on routes (one
 * private CA), JetStream encrypted at rest, and operator mode with the given accounts.
 *
 * <pre>{@code
 * static final NatsOperator OP = NatsOperator.create("test");
 * static final NatsAccount ACCOUNT = OP.createAccount("subscriber-a1", JetStreamLimits.subscriberDefault());
 * @RegisterExtension
 * static final NatsClusterExtension CLUSTER = NatsClusterExtension.builder(OP, ACCOUNT).build();
 *
 * @Test
 * void keepsQuorumWithANodeDown() throws Exception {
 *   CLUSTER.node(0).stop();      // the other two keep quorum
 * }
 * }</pre>
 *
 * <p>The nodes start in parallel: a clustered JetStream server is ready only once it has a meta
 * leader, which needs a majority of nodes up.
 */
public final class NatsClusterExtension implements BeforeAllCallback, AfterAllCallback {
  private final int size;
  private final NatsOperator operator;
  private final List<NatsAccount> accounts;
  private final List<NatsServer> nodes = new ArrayList<>();
  private final List<Connection> connections = new ArrayList<>();
  private Path dir;
  private TlsMaterial tls;
  private SSLContext clientContext;

  private NatsClusterExtension(Builder b) {
    this.size = b.size;
    this.operator = b.operator;
    this.accounts = List.copyOf(b.accounts);
  }

  /**
   * A builder for a cluster in operator mode.
   *
   * @param operator the operator
   * @param accounts accounts every node knows from the start
   * @return the builder
   */
  public static Builder builder(NatsOperator operator, NatsAccount... accounts) {
    return new Builder(operator, List.of(accounts));
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("vettid-cluster-");
    tls = TlsMaterial.generate(dir.resolve("tls"), List.of("localhost"), List.of("127.0.0.1"));
    clientContext = tls.clientContext();
    int[] routePorts = new int[size];
    for (int i = 0; i < size; i++) {
      routePorts[i] = NatsServerConfig.freePort("127.0.0.1");
    }
    char[] storeKey = NatsServerConfig.randomStoreKey();
    List<NatsServerConfig> configs = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      List<String> routes = new ArrayList<>();
      for (int j = 0; j < size; j++) {
        if (j != i) {
          routes.add("nats-route://127.0.0.1:" + routePorts[j]);
        }
      }
      Path jwtDir = Files.createDirectories(dir.resolve("jwt-" + i));
      configs.add(NatsServerConfig.builder()
          .serverName("vettid-node-" + i)
          .workDir(dir.resolve("node-" + i))
          .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, storeKey)
          .tls(tls.serverTls(false))
          .cluster(new NatsServerConfig.Cluster("vettid-test", routePorts[i], routes))
          .extraConfig(operator.serverConfig(NatsOperator.ServerRole.EVENTSPACE_SERVER, jwtDir, accounts))
          .startTimeout(Duration.ofSeconds(60))
          .build());
    }
    java.util.Arrays.fill(storeKey, '\0');
    ExecutorService starter = Executors.newFixedThreadPool(size);
    try {
      List<Future<NatsServer>> started = new ArrayList<>();
      for (NatsServerConfig config : configs) {
        started.add(starter.submit(() -> NatsServer.start(config)));
      }
      for (Future<NatsServer> f : started) {
        nodes.add(f.get());
      }
    } finally {
      starter.shutdownNow();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    for (Connection nc : connections) {
      try {
        nc.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    connections.clear();
    nodes.forEach(NatsServer::close);
    nodes.clear();
    if (dir != null) {
      io.vettid.nats.server.FileTrees.deleteQuietly(dir); // best effort: a temp directory
    }
  }

  /**
   * One node of the running cluster.
   *
   * @param index 0 .. size-1
   * @return the node
   */
  public NatsServer node(int index) {
    Objects.checkIndex(index, nodes.size());
    return nodes.get(index);
  }

  /** {@return the nodes' client URLs} */
  public String[] urls() {
    return nodes.stream().map(NatsServer::clientUrl).toArray(String[]::new);
  }

  /**
   * Connects as a user to the whole cluster (all URLs, reconnecting to another node when its node
   * stops); closed after the class.
   *
   * @param user the user
   * @return the connection
   * @throws IOException if it cannot connect
   * @throws InterruptedException if interrupted
   */
  public Connection connect(UserCredentials user) throws IOException, InterruptedException {
    Connection nc = Nats.connect(Options.builder().servers(urls()).sslContext(clientContext)
        .authHandler(user.authHandler()).connectionTimeout(Duration.ofSeconds(5)).maxReconnects(-1)
        .reconnectWait(Duration.ofMillis(200)).build());
    synchronized (this) {
      connections.add(nc);
    }
    return nc;
  }

  /** Builds a {@link NatsClusterExtension}. */
  public static final class Builder {
    private final NatsOperator operator;
    private final List<NatsAccount> accounts;
    private int size = 3;

    private Builder(NatsOperator operator, List<NatsAccount> accounts) {
      this.operator = Objects.requireNonNull(operator, "operator");
      this.accounts = accounts;
    }

    /**
     * Sets the number of nodes.
     *
     * @param nodes 3 or 5 (a majority must survive one node stopping)
     * @return this builder
     */
    public Builder nodes(int nodes) {
      if (nodes != 3 && nodes != 5) {
        throw new IllegalArgumentException("a test cluster has 3 or 5 nodes, got " + nodes);
      }
      this.size = nodes;
      return this;
    }

    /** {@return the extension} */
    public NatsClusterExtension build() {
      return new NatsClusterExtension(this);
    }
  }
}
