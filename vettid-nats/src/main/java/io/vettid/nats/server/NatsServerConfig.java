package io.vettid.nats.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How to start a local {@code nats-server}: ports (0 means a free loopback port), JetStream and
 * where it stores, encryption at rest, TLS, clustering, and extra configuration such as operator
 * mode. Immutable; build it with {@link #builder()}.
 *
 * <pre>{@code
 * NatsServerConfig config = NatsServerConfig.builder()
 *     .jetStreamEncryption(Cipher.CHACHAPOLY, storeKey)   // key reaches the server by environment
 *     .build();
 * try (NatsServer server = NatsServer.start(config)) {
 *   Connection nc = Nats.connect(server.clientUrl());
 * }
 * }</pre>
 *
 * <p>The encryption key is passed to the process in the environment variable {@value
 * #STORE_KEY_ENV} and referenced from the generated configuration by name, so it is never written
 * to disk beside the data. {@link #toString()} never shows it.
 */
public final class NatsServerConfig {
  /** Environment variable through which the JetStream encryption key reaches the server. */
  public static final String STORE_KEY_ENV = "VETTID_JS_STORE_KEY";

  private static final Pattern SERVER_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  /** JetStream encryption-at-rest ciphers of {@code nats-server} 2.9. */
  public enum Cipher {
    /** ChaCha20-Poly1305 (the server's default when a key is set). */
    CHACHAPOLY,
    /** AES-GCM. */
    AES;

    String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * TLS for client connections.
   *
   * @param certFile PEM server certificate (chain)
   * @param keyFile PEM server private key
   * @param caFile PEM CA that signs client certificates (for mutual TLS), or null
   * @param verifyClients whether clients must present a certificate signed by {@code caFile}
   */
  public record Tls(Path certFile, Path keyFile, Path caFile, boolean verifyClients) {
    /**
     * Validates the files.
     *
     * @param certFile the record component {@code certFile}
     * @param keyFile the record component {@code keyFile}
     * @param caFile the record component {@code caFile}
     * @param verifyClients the record component {@code verifyClients}
     * @throws NullPointerException if the certificate or key is missing
     * @throws IllegalArgumentException if client verification is asked without a CA
     */
    public Tls {
      Objects.requireNonNull(certFile, "certFile");
      Objects.requireNonNull(keyFile, "keyFile");
      if (verifyClients && caFile == null) {
        throw new IllegalArgumentException("verifyClients needs the caFile that signs client certificates");
      }
    }
  }

  /**
   * Cluster routes (for the testkit's 3-node cluster and for production clusters).
   *
   * @param name cluster name, same on every node
   * @param port route port on this node (0 means a free loopback port)
   * @param routes route URLs of the other nodes, such as {@code nats-route://127.0.0.1:6222}
   */
  public record Cluster(String name, int port, List<String> routes) {
    /**
     * Validates the settings.
     *
     * @param name the record component {@code name}
     * @param port the record component {@code port}
     * @param routes the record component {@code routes}
     * @throws IllegalArgumentException if the name or port is invalid
     */
    public Cluster {
      if (name == null || !SERVER_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("cluster name must be 1-64 of [A-Za-z0-9_-], got '" + name + "'");
      }
      checkPort("cluster port", port);
      routes = List.copyOf(routes);
    }
  }

  /**
   * The largest message the servers VettID starts take: an envelope or Internal Event of 1 MiB
   * with 64 KiB for headers (nats-server's own default is 1 MiB, headers included). Users may be
   * held lower by their JWT.
   */
  public static final int MAX_PAYLOAD = (1 << 20) + (64 << 10);

  private final Path binary;
  private final String host;
  private final int port;
  private final int monitorPort;
  private final String monitorHost;
  private final String serverName;
  private final boolean jetStream;
  private final Path workDir;
  private final Cipher cipher;
  private final char[] storeKey;
  private final Tls tls;
  private final Cluster cluster;
  private final String extraConfig;
  private final Duration startTimeout;

  private NatsServerConfig(Builder b) {
    this.binary = b.binary;
    this.host = b.host;
    this.port = b.port;
    this.monitorPort = b.monitorPort;
    this.monitorHost = b.monitorHost;
    this.serverName = b.serverName;
    this.jetStream = b.jetStream;
    this.workDir = b.workDir;
    this.cipher = b.cipher;
    this.storeKey = b.storeKey == null ? null : b.storeKey.clone();
    this.tls = b.tls;
    this.cluster = b.cluster;
    this.extraConfig = b.extraConfig;
    this.startTimeout = b.startTimeout;
  }

  /**
   * A port free on an address at this moment: for a port that must be known before a server
   * starts (a cluster's routes, a port kept in a vault's or EventSpace server's settings).
   *
   * @param host the address to bind, such as {@code 127.0.0.1}
   * @return the port
   * @throws NatsServerException if no port can be bound there
   */
  public static int freePort(String host) {
    Objects.requireNonNull(host, "host");
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new NatsServerException("cannot find a free port on " + host + ": " + e.getMessage(), e);
    }
  }

  /**
   * A new random JetStream store key: 48 characters from {@code [A-Za-z0-9]} (about 285 bits)
   * from {@link java.security.SecureRandom}. Clear the array when done.
   *
   * @return the key
   */
  public static char[] randomStoreKey() {
    java.security.SecureRandom random = new java.security.SecureRandom();
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char[] key = new char[48];
    for (int i = 0; i < key.length; i++) {
      key[i] = alphabet.charAt(random.nextInt(alphabet.length()));
    }
    return key;
  }

  /**
   * Derives a server's JetStream store key from a vault secret (HKDF-SHA256, RFC 5869, with the
   * info {@code "vettid/jetstream-store-key/v1/" + serverName}): the key comes from the vault, the
   * same vault and server name always give the same key (so a restarted server reads its store),
   * and it is never written beside the data. The result is 64 hex characters (256 bits). Clear
   * the array when done.
   *
   * @param vaultSecret at least 32 bytes of secret key material held sealed by the vault
   * @param serverName the server's name
   * @return the key
   */
  public static char[] deriveStoreKey(byte[] vaultSecret, String serverName) {
    Objects.requireNonNull(vaultSecret, "vaultSecret");
    Objects.requireNonNull(serverName, "serverName");
    if (vaultSecret.length < 32) {
      throw new IllegalArgumentException("the vault secret must be at least 32 bytes, got " + vaultSecret.length);
    }
    byte[] prk = null;
    byte[] okm = null;
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(new byte[32], "HmacSHA256")); // salt: zeros (RFC 5869)
      prk = mac.doFinal(vaultSecret);
      mac.init(new javax.crypto.spec.SecretKeySpec(prk, "HmacSHA256"));
      mac.update(("vettid/jetstream-store-key/v1/" + serverName).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      mac.update((byte) 1);
      okm = mac.doFinal();
      char[] key = new char[64];
      String hex = "0123456789abcdef";
      for (int i = 0; i < 32; i++) {
        key[2 * i] = hex.charAt((okm[i] >> 4) & 0xf);
        key[2 * i + 1] = hex.charAt(okm[i] & 0xf);
      }
      return key;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JDK", e);
    } finally {
      if (prk != null) {
        Arrays.fill(prk, (byte) 0);
      }
      if (okm != null) {
        Arrays.fill(okm, (byte) 0);
      }
    }
  }

  /** {@return a new builder with the defaults: loopback, free ports, JetStream on, no TLS} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return a builder that starts from this configuration} */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.binary = binary;
    b.host = host;
    b.port = port;
    b.monitorPort = monitorPort;
    b.monitorHost = monitorHost;
    b.serverName = serverName;
    b.jetStream = jetStream;
    b.workDir = workDir;
    b.cipher = cipher;
    b.storeKey = storeKey == null ? null : storeKey.clone();
    b.tls = tls;
    b.cluster = cluster;
    b.extraConfig = extraConfig;
    b.startTimeout = startTimeout;
    return b;
  }

  /** {@return the executable, if set explicitly; otherwise {@link NatsServerBinary#locate()} is used} */
  public Optional<Path> binary() {
    return Optional.ofNullable(binary);
  }

  /** {@return the address the server listens on} */
  public String host() {
    return host;
  }

  /** {@return the client port, or 0 for a free one} */
  public int port() {
    return port;
  }

  /** {@return the HTTP monitoring port, or 0 for a free one} */
  public int monitorPort() {
    return monitorPort;
  }

  /**
   * {@return the address the HTTP monitoring endpoint listens on: {@code 127.0.0.1} unless set}
   * The endpoint is plain HTTP without authentication, so it stays on loopback even when the
   * client port listens on a public address.
   */
  public String monitorHost() {
    return monitorHost;
  }

  /** {@return the server name, if set; otherwise one is generated} */
  public Optional<String> serverName() {
    return Optional.ofNullable(serverName);
  }

  /** {@return whether JetStream is enabled} */
  public boolean jetStream() {
    return jetStream;
  }

  /** {@return the working directory (config, log, store), if set; otherwise a temporary one is used} */
  public Optional<Path> workDir() {
    return Optional.ofNullable(workDir);
  }

  /** {@return whether JetStream storage is encrypted at rest} */
  public boolean encryptedAtRest() {
    return storeKey != null;
  }

  /** {@return TLS settings, if TLS is on} */
  public Optional<Tls> tls() {
    return Optional.ofNullable(tls);
  }

  /** {@return cluster settings, if this node is part of a cluster} */
  public Optional<Cluster> cluster() {
    return Optional.ofNullable(cluster);
  }

  /** {@return how long {@link NatsServer#start} waits for the server to become ready} */
  public Duration startTimeout() {
    return startTimeout;
  }

  /** The key for {@value #STORE_KEY_ENV}, copied; null when not encrypted. */
  char[] storeKey() {
    return storeKey == null ? null : storeKey.clone();
  }

  /**
   * Writes the server configuration for resolved ports and directories.
   *
   * @param name the server name
   * @param clientPort the client port
   * @param httpPort the monitoring port
   * @param clusterPort the cluster port (ignored without a cluster)
   * @param storeDir the JetStream store directory
   * @return the configuration text
   */
  String render(String name, int clientPort, int httpPort, int clusterPort, Path storeDir) {
    return new ConfigText(this, extraConfig, cipher).render(name, clientPort, httpPort, clusterPort, storeDir);
  }

  private static void checkPort(String what, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(what + " must be 0 (free port) or 1..65535, got " + port);
    }
  }

  /** Shows everything but the encryption key. */
  @Override
  public String toString() {
    return "NatsServerConfig[host=" + host + ", port=" + port + ", monitorPort=" + monitorPort
        + ", jetStream=" + jetStream + ", encryptedAtRest=" + (storeKey != null)
        + (storeKey != null ? "(" + cipher.configName() + ")" : "") + ", tls=" + (tls != null)
        + ", cluster=" + (cluster != null ? cluster.name() : "none") + "]";
  }

  /** Builds a {@link NatsServerConfig}. Not thread-safe. */
  public static final class Builder {
    private Path binary;
    private String host = "127.0.0.1";
    private int port;
    private int monitorPort;
    private String monitorHost = "127.0.0.1";
    private String serverName;
    private boolean jetStream = true;
    private Path workDir;
    private Cipher cipher = Cipher.CHACHAPOLY;
    private char[] storeKey;
    private Tls tls;
    private Cluster cluster;
    private String extraConfig = "";
    private Duration startTimeout = Duration.ofSeconds(30);

    private Builder() {}

    /**
     * Uses this executable instead of locating one.
     *
     * @param binary path of {@code nats-server}
     * @return this builder
     */
    public Builder binary(Path binary) {
      this.binary = Objects.requireNonNull(binary, "binary");
      return this;
    }

    /**
     * Sets the listen address (default {@code 127.0.0.1}).
     *
     * @param host an address or host name
     * @return this builder
     */
    public Builder host(String host) {
      Objects.requireNonNull(host, "host");
      if (host.isBlank() || host.chars().anyMatch(ch -> ch <= ' ' || ch == '"')) {
        throw new IllegalArgumentException("host must be an address without spaces or quotes");
      }
      this.host = host;
      return this;
    }

    /**
     * Sets the client port (default 0: a free port).
     *
     * @param port 0 or 1..65535
     * @return this builder
     */
    public Builder port(int port) {
      checkPort("port", port);
      this.port = port;
      return this;
    }

    /**
     * Sets the HTTP monitoring port (default 0: a free port). It is used to check readiness.
     *
     * @param port 0 or 1..65535
     * @return this builder
     */
    public Builder monitorPort(int port) {
      checkPort("monitorPort", port);
      this.monitorPort = port;
      return this;
    }

    /**
     * Sets the address of the HTTP monitoring endpoint (default {@code 127.0.0.1}). It is plain
     * HTTP without authentication and shows connections, accounts and subjects: open it beyond
     * loopback only on purpose.
     *
     * @param host an address without spaces or quotes
     * @return this builder
     */
    public Builder monitorHost(String host) {
      Objects.requireNonNull(host, "host");
      if (host.isBlank() || host.chars().anyMatch(ch -> ch <= ' ' || ch == '"')) {
        throw new IllegalArgumentException("host must be an address without spaces or quotes");
      }
      this.monitorHost = host;
      return this;
    }

    /**
     * Sets the server name (default: generated).
     *
     * @param name 1-64 of {@code [A-Za-z0-9_-]}
     * @return this builder
     */
    public Builder serverName(String name) {
      if (name == null || !SERVER_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("server name must be 1-64 of [A-Za-z0-9_-], got '" + name + "'");
      }
      this.serverName = name;
      return this;
    }

    /**
     * Turns JetStream on or off (default on).
     *
     * @param enabled whether JetStream is enabled
     * @return this builder
     */
    public Builder jetStream(boolean enabled) {
      this.jetStream = enabled;
      return this;
    }

    /**
     * Sets the working directory for config, log and store (default: a temporary directory
     * that {@link NatsServer#close()} deletes). A directory given here is kept.
     *
     * @param dir the directory
     * @return this builder
     */
    public Builder workDir(Path dir) {
      this.workDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Encrypts JetStream storage at rest. The key is copied; clear your array afterwards.
     *
     * @param cipher the cipher
     * @param key the key (at least 32 characters; use a random one)
     * @return this builder
     */
    public Builder jetStreamEncryption(Cipher cipher, char[] key) {
      Objects.requireNonNull(cipher, "cipher");
      Objects.requireNonNull(key, "key");
      if (key.length < 32) {
        throw new IllegalArgumentException("the JetStream store key must have at least 32 characters");
      }
      for (char ch : key) {
        if (ch <= ' ' || ch > '~' || ch == '"' || ch == '\\' || ch == '$') {
          throw new IllegalArgumentException(
              "the JetStream store key must be printable ASCII without spaces, quotes, '\\' or '$'");
        }
      }
      this.cipher = cipher;
      this.storeKey = Arrays.copyOf(key, key.length);
      return this;
    }

    /**
     * Turns TLS on for client connections.
     *
     * @param tls certificate, key and optional client CA
     * @return this builder
     */
    public Builder tls(Tls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Makes this node part of a cluster.
     *
     * @param cluster name, route port and routes to the other nodes
     * @return this builder
     */
    public Builder cluster(Cluster cluster) {
      this.cluster = Objects.requireNonNull(cluster, "cluster");
      return this;
    }

    /**
     * Appends raw configuration (for example operator mode: {@code operator}, {@code
     * system_account}, {@code resolver}). It must not contain secrets: it is written to disk.
     *
     * @param config configuration text in nats-server syntax
     * @return this builder
     */
    public Builder extraConfig(String config) {
      this.extraConfig = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Sets how long start waits for readiness (default 30 s).
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Builder startTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("startTimeout must be positive");
      }
      this.startTimeout = timeout;
      return this;
    }

    /** {@return the configuration} */
    public NatsServerConfig build() {
      return new NatsServerConfig(this);
    }
  }
}
