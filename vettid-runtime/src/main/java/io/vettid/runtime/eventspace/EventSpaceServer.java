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
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An EventSpace server: the Internet-facing, multi-tenant half of VettID. One {@code nats-server}
 * in operator mode with the server's own operator and system account, a {@code full} resolver
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
 * the first start and kept, so the pin stays the same.
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

  private final NatsServer server;
  private final NatsAccount conciergeAccount;
  private final ServerAddress address;
  private final Connection system;
  private final Connection conciergeConnection;
  private final Concierge concierge;
  private final ConciergeService service;

  private EventSpaceServer(NatsServer server, NatsAccount conciergeAccount, ServerAddress address, Connection system,
      Connection conciergeConnection, Concierge concierge, ConciergeService service) {
    this.server = server;
    this.conciergeAccount = conciergeAccount;
    this.address = address;
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
    TlsMaterial tls = Files.isRegularFile(tlsDir.resolve("ca.pem")) ? TlsMaterial.load(tlsDir)
        : TlsMaterial.generate(tlsDir, b.dnsNames, b.ipAddresses);
    char[] storeKey = NatsServerConfig.deriveStoreKey(b.secret, "vettid-eventspace");
    NatsServer server;
    try {
      server = NatsServer.start(NatsServerConfig.builder()
          .serverName("vettid-eventspace")
          .host(b.host)
          .port(b.port)
          .workDir(dir.resolve("nats"))
          .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, storeKey)
          .tls(tls.serverTls(false))
          .extraConfig(s.operator().serverConfig(NatsOperator.ServerRole.EVENTSPACE_SERVER,
              Files.createDirectories(dir.resolve("nats").resolve("jwt")), List.of(s.concierge(), s.registration())))
          .build());
    } finally {
      Arrays.fill(storeKey, '\0');
    }
    List<Connection> opened = new ArrayList<>();
    try {
      ServerAddress address = new ServerAddress(b.host, server.port(), tls.caPin());
      Connection system = open(opened, address, s.operator().systemUser());
      UserCredentials user = s.concierge().issueUser("concierge", UserPermissions.ACCOUNT_OWNER);
      Connection nc = open(opened, address, user);
      Concierge concierge = new Concierge(s.operator(), s.concierge(), s.registration(), system, bucket(nc), b.granted,
          b.clock);
      concierge.restoreRevocations(); // the bootstrap users of tokens redeemed before this start
      LOG.info("EventSpace server at {} (CA pin {})", address.hostPort(), address.caPin());
      return new EventSpaceServer(server, s.concierge(), address, system, nc, concierge,
          new ConciergeService(concierge, nc));
    } catch (IOException | GeneralSecurityException | InterruptedException | RuntimeException e) {
      for (Connection c : opened) {
        c.close();
      }
      server.close();
      throw e;
    }
  }

  private static Connection open(List<Connection> opened, ServerAddress address, UserCredentials user)
      throws IOException, GeneralSecurityException, InterruptedException {
    Connection c = Nats.connect(new Options.Builder().server(address.url()).sslContext(address.sslContext())
        .authHandler(user.authHandler()).connectionTimeout(Duration.ofSeconds(10)).maxReconnects(-1).build());
    opened.add(c);
    return c;
  }

  private static KeyValue bucket(Connection nc) throws IOException {
    KeyValueManagement kvm = nc.keyValueManagement();
    try {
      if (!kvm.getBucketNames().contains(Subjects.CONCIERGE_BUCKET)) {
        kvm.create(KeyValueConfiguration.builder().name(Subjects.CONCIERGE_BUCKET).storageType(StorageType.File)
            .maxHistoryPerKey(1).maxBucketSize(32L << 20).maximumValueSize(256 * 1024).build());
      }
    } catch (JetStreamApiException e) {
      throw new IOException("the Concierge bucket cannot be made: " + e.getMessage(), e);
    }
    return nc.keyValue(Subjects.CONCIERGE_BUCKET);
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

  /** {@return the nats-server process (tests stop, kill and restart it)} */
  public NatsServer server() {
    return server;
  }

  /** Stops the Concierge and the server. */
  @Override
  public void close() {
    service.close();
    for (Connection c : List.of(conciergeConnection, system)) {
      try {
        c.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    server.close();
  }
}
