package io.vettid.runtime.eventspace;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.subjects.Subjects;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.internal.SealedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An EventSpace server: the Internet-facing, multi-tenant half of VettID. One {@code nats-server},
 * or a cluster of three ({@link Builder#nodes}), in operator mode with the server's own operator and system account, a {@code full} resolver
 * (subscriber accounts pushed while it runs are kept under its directory and survive restarts),
 * TLS with its own CA (vaults pin it: {@link #address()}), JetStream encrypted at rest under a key
 * derived from the server secret; and the {@link Concierge} on it, as a NATS service ({@link
 * ConciergeService}) in an account of its own.
 *
 * <p>Accounts on it: the system account; {@code concierge} (the Concierge's bucket; exports {@code
 * concierge.register} and {@code concierge.account.update}); {@code registration} (the one-time
 * bootstrap users of registration tokens; imports {@code concierge.register} and nothing else);
 * and two per registered vault, whose keys only the vault holds ({@link
 * io.vettid.nats.auth.SubscriberAccounts}). No vault's internal namespace is here.
 *
 * <p>The operator's, the Concierge's and the registration account's keys are kept in {@code
 * eventspace.sealed} under the data directory (AES-256-GCM under a key derived from the server
 * secret; mode 0600); the CA's certificate and the server's key pair under {@code tls/}, made at
 * the first start and kept, so the pin stays the same; the CA's key kept there too, sealed under a
 * key derived from the server secret, so the server certificate is renewed 120 days before it
 * ends ({@link #renewCertificate}, daily) without a new CA.
 *
 * <pre>{@code
 * try (EventSpaceServer es = EventSpaceServer.builder(dir, secret).start()) {
 *   RegistrationToken token = es.concierge().issueToken(Duration.ofHours(1));
 *   SubscriberAccounts mine = ConciergeClient.register(es.address(), token,
 *       SubscriberAccounts.create(JetStreamLimits.subscriberDefault())).accounts();
 * }
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class EventSpaceServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventSpaceServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String STATE_FILE = "eventspace.sealed";
  private static final String PURPOSE = "vettid/eventspace/state/v1";
  /** The Concierge's own JetStream: its bucket only. */
  private static final JetStreamLimits CONCIERGE_LIMITS = new JetStreamLimits(0, 64L << 20, 4, 16);

  private final List<NatsServer> nodes;
  private final NatsAccount conciergeAccount;
  private final ServerAddress address;
  private final List<String> urls;
  private final Connection system;
  private final Connection conciergeConnection;
  private final Concierge concierge;
  private final ConciergeService service;
  private final TlsMaterial tls;
  private final java.util.concurrent.ScheduledExecutorService renewals =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vettid-eventspace-tls-renewal");
        t.setDaemon(true);
        return t;
      });

  /**
   * Renews the server certificate if it ends within {@link TlsMaterial#RENEW_BEFORE}, by the same
   * CA (vaults keep their pin), and has every node serve it (a configuration reload, no restart).
   * Called once a day while the server runs, and at its start.
   *
   * @return whether it was renewed
   */
  public boolean renewCertificate() {
    return tls.renewAndReload(java.time.Instant.now(), TlsMaterial.RENEW_BEFORE, nodes);
  }

  private EventSpaceServer(List<NatsServer> nodes, NatsAccount conciergeAccount, ServerAddress address,
      List<String> urls, Connection system, Connection conciergeConnection, Concierge concierge,
      ConciergeService service, TlsMaterial tls) {
    this.tls = tls;
    renewals.scheduleWithFixedDelay(this::renewCertificate, 1, 1, java.util.concurrent.TimeUnit.DAYS);
    this.nodes = List.copyOf(nodes);
    this.conciergeAccount = conciergeAccount;
    this.address = address;
    this.urls = List.copyOf(urls);
    this.system = system;
    this.conciergeConnection = conciergeConnection;
    this.concierge = concierge;
    this.service = service;
  }

  /**
   * A builder for the server of a data directory.
   *
   * @param dataDirectory where the server keeps its state (made if missing)
   * @param secret the server secret (32 bytes or more; copied, wipe yours)
   * @return the builder
   */
  public static Builder builder(Path dataDirectory, byte[] secret) {
    return new Builder(dataDirectory, secret);
  }

  /** The server's settings. */
  @API(status = EXPERIMENTAL, since = "0.1")
  public static final class Builder {
    private final Path dir;
    private final byte[] secret;
    private String host = "127.0.0.1";
    private int port;
    private List<String> dnsNames = List.of("localhost");
    private List<String> ipAddresses = List.of("127.0.0.1");
    private JetStreamLimits granted = JetStreamLimits.subscriberDefault();
    private Clock clock = Clock.systemUTC();
    private int nodes = 1;

    private Builder(Path dir, byte[] secret) {
      this.dir = Objects.requireNonNull(dir, "dataDirectory");
      Objects.requireNonNull(secret, "secret");
      if (secret.length < 32) {
        throw new IllegalArgumentException("the server secret must be at least 32 bytes, got " + secret.length);
      }
      this.secret = secret.clone();
    }

    /**
     * Where clients connect (default {@code 127.0.0.1}, a free port).
     *
     * @param host the listen address
     * @param port the port, or 0 for a free one
     * @return this builder
     */
    public Builder listen(String host, int port) {
      this.host = Objects.requireNonNull(host, "host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535, got " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * The names the server's certificate is made for, at the first start (default {@code
     * localhost} and {@code 127.0.0.1}).
     *
     * @param dnsNames host names
     * @param ipAddresses IP addresses
     * @return this builder
     */
    public Builder certificateNames(List<String> dnsNames, List<String> ipAddresses) {
      this.dnsNames = List.copyOf(dnsNames);
      this.ipAddresses = List.copyOf(ipAddresses);
      if (this.dnsNames.isEmpty() && this.ipAddresses.isEmpty()) {
        throw new IllegalArgumentException("the certificate needs at least one host name or IP address");
      }
      return this;
    }

    /**
     * The JetStream limits every subscriber's deposit account gets (default {@link
     * JetStreamLimits#subscriberDefault()}).
     *
     * @param limits the limits
     * @return this builder
     */
    public Builder subscriberLimits(JetStreamLimits limits) {
      this.granted = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Runs the server as a cluster of this many {@code nats-server} nodes on this machine (routes
     * over TLS with the server's CA; the Concierge's bucket and every vault's deposit streams with
     * that many replicas), or as one (the default). The first node listens where {@link #listen}
     * says, the others on free ports, which clients learn from the first.
     *
     * @param count 1 or 3
     * @return this builder
     */
    public Builder nodes(int count) {
      if (count != 1 && count != 3) {
        throw new IllegalArgumentException("an EventSpace server runs 1 node or a cluster of 3, not " + count);
      }
      this.nodes = count;
      return this;
    }

    /**
     * The Concierge's clock (tests of token expiry).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Starts the server and its Concierge.
     *
     * @return the running server
     * @throws IOException if the state cannot be read or written, or NATS cannot be reached
     * @throws GeneralSecurityException if the state does not open with this secret, or TLS fails
     * @throws InterruptedException if interrupted while starting
     */
    public EventSpaceServer start() throws IOException, GeneralSecurityException, InterruptedException {
      try {
        return EventSpaceServer.start(this);
      } finally {
        Arrays.fill(secret, (byte) 0);
      }
    }
  }

  /** The operator and the two accounts the server itself runs on. */
  private record State(NatsOperator operator, NatsAccount concierge, NatsAccount registration) {}

  private static State state(SealedFile file, byte[] secret) throws IOException, GeneralSecurityException {
    if (file.exists()) {
      byte[] plain = file.open(secret);
      try {
        JsonNode n = JSON.readTree(plain);
        NatsOperator op = NatsOperator.restore(n.path("operator").toString().getBytes(StandardCharsets.UTF_8));
        return new State(op, op.restoreAccount(n.path("concierge").toString().getBytes(StandardCharsets.UTF_8)),
            op.restoreAccount(n.path("registration").toString().getBytes(StandardCharsets.UTF_8)));
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    }
    NatsOperator op = NatsOperator.create("vettid-eventspace");
    NatsAccount concierge = op.createAccount("concierge", CONCIERGE_LIMITS);
    NatsAccount registration = op.createAccount("registration", JetStreamLimits.DISABLED);
    concierge.exportService(Subjects.CONCIERGE_REGISTER.value());
    concierge.exportService(Subjects.CONCIERGE_ACCOUNT_UPDATE.value());
    registration.importService(concierge, Subjects.CONCIERGE_REGISTER.value());
    State s = new State(op, concierge, registration);
    ObjectNode n = JSON.createObjectNode().put("v", 1);
    n.set("operator", JSON.readTree(s.operator().export()));
    n.set("concierge", JSON.readTree(s.concierge().export()));
    n.set("registration", JSON.readTree(s.registration().export()));
    byte[] plain = JSON.writeValueAsBytes(n);
    try {
      file.write(secret, plain);
    } finally {
      Arrays.fill(plain, (byte) 0);
      n.removeAll();
    }
    return s;
  }

  private static EventSpaceServer start(Builder b) throws IOException, GeneralSecurityException, InterruptedException {
    Path dir = Files.createDirectories(b.dir);
    SealedFile file = new SealedFile(dir.resolve(STATE_FILE), PURPOSE);
    State s = state(file, b.secret);
    Path tlsDir = dir.resolve("tls");
    // the CA key is kept sealed under the server secret, so the certificate is renewed by the same
    // CA (the pin vaults hold stays)
    TlsMaterial tls = Files.isRegularFile(tlsDir.resolve("ca.pem")) ? TlsMaterial.load(tlsDir, b.secret)
        : TlsMaterial.generate(tlsDir, b.dnsNames, b.ipAddresses, b.secret);
    tls.renewAndReload(java.time.Instant.now(), TlsMaterial.RENEW_BEFORE, List.of()); // before the nodes read it
    List<NatsServer> nodes = startNodes(b, dir, s, tls);
    List<Connection> opened = new ArrayList<>();
    try {
      ServerAddress address = new ServerAddress(b.host, nodes.get(0).port(), tls.caPin());
      List<String> urls = nodes.stream().map(n -> "tls://" + b.host + ":" + n.port()).toList();
      Connection system = open(opened, address, urls, s.operator().systemUser());
      UserCredentials user = s.concierge().issueUser("concierge", UserPermissions.ACCOUNT_OWNER);
      Connection nc = open(opened, address, urls, user);
      Concierge concierge = new Concierge(s.operator(), s.concierge(), s.registration(), system,
          bucket(nc, nodes.size()), b.granted, b.clock);
      concierge.restoreRevocations(); // the bootstrap users of tokens redeemed before this start
      LOG.info("EventSpace server at {} (CA pin {}, {} node(s))", address.hostPort(), address.caPin(), nodes.size());
      return new EventSpaceServer(nodes, s.concierge(), address, urls, system, nc, concierge,
          new ConciergeService(concierge, nc), tls);
    } catch (IOException | GeneralSecurityException | InterruptedException | RuntimeException e) {
      for (Connection c : opened) {
        c.close();
      }
      nodes.forEach(NatsServer::close);
      throw e;
    }
  }

  /**
   * Starts the server's nodes: one, or a cluster whose routes use TLS with the server's CA, all
   * at once (a clustered JetStream is ready only once a majority is up to elect its meta leader).
   */
  private static List<NatsServer> startNodes(Builder b, Path dir, State s, TlsMaterial tls)
      throws IOException, InterruptedException {
    int[] routePorts = new int[b.nodes];
    for (int i = 0; i < b.nodes && b.nodes > 1; i++) {
      routePorts[i] = NatsServerConfig.freePort(b.host);
    }
    char[] storeKey = NatsServerConfig.deriveStoreKey(b.secret, "vettid-eventspace");
    List<NatsServerConfig> configs = new ArrayList<>();
    try {
      for (int i = 0; i < b.nodes; i++) {
        Path work = dir.resolve(b.nodes == 1 ? "nats" : "nats-" + i);
        NatsServerConfig.Builder c = NatsServerConfig.builder()
            .serverName(b.nodes == 1 ? "vettid-eventspace" : "vettid-eventspace-" + i)
            .host(b.host)
            .port(i == 0 ? b.port : 0)
            .workDir(work)
            .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, storeKey)
            .tls(tls.serverTls(false))
            .startTimeout(Duration.ofSeconds(60))
            .extraConfig(s.operator().serverConfig(NatsOperator.ServerRole.EVENTSPACE_SERVER,
                Files.createDirectories(work.resolve("jwt")), List.of(s.concierge(), s.registration())));
        if (b.nodes > 1) {
          List<String> routes = new ArrayList<>();
          for (int j = 0; j < b.nodes; j++) {
            if (j != i) {
              routes.add("nats-route://" + b.host + ":" + routePorts[j]);
            }
          }
          c.cluster(new NatsServerConfig.Cluster("vettid-eventspace", routePorts[i], routes));
        }
        configs.add(c.build());
      }
    } finally {
      Arrays.fill(storeKey, '\0');
    }
    ExecutorService starter = Executors.newFixedThreadPool(b.nodes);
    List<Future<NatsServer>> started = new ArrayList<>();
    for (NatsServerConfig c : configs) {
      started.add(starter.submit(() -> NatsServer.start(c)));
    }
    starter.shutdown();
    List<NatsServer> nodes = new ArrayList<>();
    RuntimeException failed = null;
    for (Future<NatsServer> f : started) {
      try {
        nodes.add(f.get());
      } catch (ExecutionException e) {
        failed = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      }
    }
    if (failed != null) {
      nodes.forEach(NatsServer::close);
      throw failed;
    }
    return nodes;
  }

  private static Connection open(List<Connection> opened, ServerAddress address, List<String> urls,
      UserCredentials user) throws IOException, GeneralSecurityException, InterruptedException {
    Connection c = Nats.connect(clientOptions(address, urls).authHandler(user.authHandler())
        .connectionTimeout(Duration.ofSeconds(10)).maxReconnects(-1).build());
    opened.add(c);
    return c;
  }

  /** {@code error creating store for stream}: a node of a cluster just started may not hold the account yet. */
  private static final int STORE_NOT_CREATED = 10049;

  private static KeyValue bucket(Connection nc, int replicas) throws IOException {
    KeyValueManagement kvm = nc.keyValueManagement();
    for (int attempt = 1; ; attempt++) {
      try {
        if (!kvm.getBucketNames().contains(Subjects.CONCIERGE_BUCKET)) {
          kvm.create(KeyValueConfiguration.builder().name(Subjects.CONCIERGE_BUCKET).storageType(StorageType.File)
              .replicas(replicas).maxHistoryPerKey(1).maxBucketSize((48L << 20) / replicas) // the account has 64 MiB, each replica counts
              .maximumValueSize(256 * 1024).build());
        }
        return nc.keyValue(Subjects.CONCIERGE_BUCKET);
      } catch (JetStreamApiException | IOException e) {
        // seen in CI on a freshly started 3-node cluster: a node had not made the account's
        // directory when the stream was assigned to it ("could not create storage directory"), or
        // the cluster's JetStream did not answer the request in time (no meta leader yet, on busy
        // cores); a few tries later it has, and a bucket made by a request that timed out is found
        boolean early = e instanceof IOException || ((JetStreamApiException) e).getApiErrorCode() == STORE_NOT_CREATED;
        if (!early || attempt == 5) {
          throw new IOException("the Concierge bucket cannot be made: " + e.getMessage(), e);
        }
        LOG.warn("the Concierge bucket could not be made yet ({}); trying again", e.getMessage());
        try {
          Thread.sleep(200L * attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while making the Concierge bucket", ie);
        }
      }
    }
  }

  /** {@return where vaults and peers connect: host, port and the CA's pin} */
  public ServerAddress address() {
    return address;
  }

  /**
   * Issues a user of the Concierge's own account, for the operator's tools (the command line's
   * admin service and its clients). Nothing but the Concierge and such users is in that account.
   *
   * @param userName a name for logs
   * @param permissions what it may publish and subscribe to
   * @param validity how long it is valid
   * @return the credentials
   */
  public UserCredentials issueOperatorUser(String userName, UserPermissions permissions, Duration validity) {
    Objects.requireNonNull(validity, "validity");
    return conciergeAccount.issueUser(userName, permissions, io.vettid.nats.auth.UserLimits.UNLIMITED, validity);
  }

  /** {@return the Concierge (issue and revoke registration tokens)} */
  public Concierge concierge() {
    return concierge;
  }

  /** {@return the Concierge's service (its counters)} */
  public ConciergeService service() {
    return service;
  }

  /** {@return the first node's nats-server process (tests stop, kill and restart it)} */
  public NatsServer server() {
    return nodes.get(0);
  }

  /** {@return every node's nats-server process: one, or the cluster's} */
  public List<NatsServer> nodes() {
    return nodes;
  }

  /**
   * Every node's client URL: give them all to a client of a cluster (jnats also learns them from
   * the first it reaches), so it goes on through another node when one is down.
   *
   * @return the URLs, the first node's first
   */
  public List<String> urls() {
    return urls;
  }

  /**
   * Options for a client of this server, without a user: every node's URL ({@link #urls()}) and a
   * TLS context trusting only its CA ({@link ServerAddress#sslContext()}).
   *
   * @return a new builder; add the user's auth handler
   * @throws GeneralSecurityException if the TLS context cannot be made
   */
  public Options.Builder clientOptions() throws GeneralSecurityException {
    return clientOptions(address, urls);
  }

  private static Options.Builder clientOptions(ServerAddress address, List<String> urls)
      throws GeneralSecurityException {
    return new Options.Builder().servers(urls.toArray(String[]::new)).sslContext(address.sslContext());
  }

  /** Stops the Concierge and the server. */
  @Override
  public void close() {
    renewals.shutdownNow();
    service.close();
    for (Connection c : List.of(conciergeConnection, system)) {
      try {
        c.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    nodes.forEach(NatsServer::close);
  }
}
