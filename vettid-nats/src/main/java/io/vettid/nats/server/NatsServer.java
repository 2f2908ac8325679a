package io.vettid.nats.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running local {@code nats-server} process. The runtime's embedded default and {@code
 * vettid-testkit} both start servers with this class.
 *
 * <pre>{@code
 * try (NatsServer server = NatsServer.start(NatsServerConfig.builder().build())) {
 *   try (Connection nc = Nats.connect(server.clientUrl())) {
 *     nc.publish("Example.Subject", new byte[] {1});
 *   }
 * }   // stops the process and deletes its temporary directory
 * }</pre>
 *
 * <p>Free ports are chosen on loopback when the configuration asks for port 0; if another
 * process takes a chosen port before the server binds it, start is retried with new ports. {@link
 * #stop()}, {@link #kill()} and {@link #restart()} keep the ports and the store, so durability
 * can be tested. A JVM shutdown hook stops a server that was not closed.
 */
public final class NatsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NatsServer.class);
  private static final Logger SERVER_LOG = LoggerFactory.getLogger("io.vettid.nats.server.nats-server");
  private static final int START_ATTEMPTS = 3;

  private final NatsServerConfig config;
  private final Path binary;
  private final Path workDir;
  private final boolean ownsWorkDir;
  private final String name;
  private final Path configFile;
  private final Path logFile;
  private final Path storeDir;
  private int port;
  private int monitorPort;
  private int clusterPort;
  private Process process;
  private Thread shutdownHook;
  private boolean closed;

  private NatsServer(NatsServerConfig config, Path binary, Path workDir, boolean ownsWorkDir) {
    this.config = config;
    this.binary = binary;
    this.workDir = workDir;
    this.ownsWorkDir = ownsWorkDir;
    this.name = config.serverName().orElse("vettid-" + UUID.randomUUID().toString().substring(0, 8));
    this.configFile = workDir.resolve("nats-server.conf");
    this.logFile = workDir.resolve("nats-server.log");
    this.storeDir = workDir.resolve("jetstream");
  }

  /**
   * Starts a server and waits until it is ready (its monitoring endpoint answers healthy).
   *
   * @param config how to start it
   * @return the running server
   * @throws NatsServerException if the binary is missing, the process exits, or it is not ready
   *     within {@link NatsServerConfig#startTimeout()}; the message ends with the log's tail
   */
  public static NatsServer start(NatsServerConfig config) {
    Objects.requireNonNull(config, "config");
    Path binary = config.binary().orElseGet(NatsServerBinary::locate);
    if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
      throw new NatsServerException(
          "nats-server binary " + binary + " is not an executable file. " + NatsServerBinary.INSTALL_HINT);
    }
    Path workDir;
    boolean owns;
    try {
      if (config.workDir().isPresent()) {
        workDir = Files.createDirectories(config.workDir().get());
        owns = false;
      } else {
        workDir = Files.createTempDirectory("vettid-nats-");
        owns = true;
      }
    } catch (IOException e) {
      throw new NatsServerException("cannot create the server's working directory: " + e.getMessage(), e);
    }
    NatsServer server = new NatsServer(config, binary, workDir, owns);
    try {
      server.startWithRetries();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void startWithRetries() {
    boolean freePorts = config.port() == 0 || config.monitorPort() == 0
        || config.cluster().map(c -> c.port() == 0).orElse(false);
    for (int attempt = 1; ; attempt++) {
      port = config.port() != 0 ? config.port() : freePort();
      monitorPort = config.monitorPort() != 0 ? config.monitorPort() : freePort();
      clusterPort = config.cluster().map(c -> c.port() != 0 ? c.port() : freePort()).orElse(0);
      try {
        launch();
        return;
      } catch (NatsServerException e) {
        if (!freePorts || attempt >= START_ATTEMPTS || !logTail().contains("address already in use")) {
          throw e;
        }
        LOG.info("nats-server {}: a chosen port was taken, retrying with new ports", name);
      }
    }
  }

  private synchronized void launch() {
    try {
      Files.createDirectories(storeDir);
      Files.writeString(
          configFile, config.render(name, port, monitorPort, clusterPort, storeDir), StandardCharsets.UTF_8);
      restrictToOwner(configFile);
      Files.deleteIfExists(logFile);
    } catch (IOException e) {
      throw new NatsServerException("cannot write the server configuration in " + workDir, e);
    }
    ProcessBuilder pb = new ProcessBuilder(binary.toString(), "-c", configFile.toString())
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.PIPE);
    Map<String, String> env = pb.environment();
    char[] key = config.storeKey();
    if (key != null) {
      // nats-server parses a variable's value as a configuration value: unquoted, a key such as
      // "12e4..." reads as a number and fails (or worse). Quoted, it is always the string itself;
      // the builder refuses '"', '\\' and '$' in keys, so the quotes cannot be broken out of.
      env.put(NatsServerConfig.STORE_KEY_ENV, '"' + new String(key) + '"');
      Arrays.fill(key, '\0');
    } else {
      env.remove(NatsServerConfig.STORE_KEY_ENV);
    }
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new NatsServerException("cannot start " + binary + ": " + e.getMessage(), e);
    } finally {
      env.remove(NatsServerConfig.STORE_KEY_ENV);
    }
    forwardLog(process);
    if (shutdownHook == null) {
      Thread hook = new Thread(this::destroyQuietly, "vettid-nats-server-shutdown-" + name);
      Runtime.getRuntime().addShutdownHook(hook);
      shutdownHook = hook;
    }
    awaitReady();
    LOG.info("nats-server {} ready on {} (jetStream={}, encryptedAtRest={}, tls={}, pid={})",
        name, clientUrl(), config.jetStream(), config.encryptedAtRest(), config.tls().isPresent(),
        process.pid());
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    String monitor = config.monitorHost().contains(":") ? "[" + config.monitorHost() + "]" : config.monitorHost();
    URI health = URI.create("http://" + monitor + ":" + monitorPort + "/healthz");
    long deadline = System.nanoTime() + config.startTimeout().toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new NatsServerException(
            "nats-server " + name + " exited with code " + process.exitValue() + " while starting. "
                + "Log tail:\n" + logTail());
      }
      try {
        HttpResponse<String> r = http.send(
            HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        destroyQuietly();
        throw new NatsServerException("interrupted while waiting for nats-server " + name, e);
      }
      sleep(50);
    }
    destroyQuietly();
    throw new NatsServerException(
        "nats-server " + name + " was not ready within " + config.startTimeout().toSeconds()
            + " s. Log tail:\n" + logTail());
  }

  /** {@return the client URL, {@code nats://host:port} or {@code tls://host:port} when TLS is on} */
  public String clientUrl() {
    return (config.tls().isPresent() ? "tls://" : "nats://") + hostForUrl() + ":" + port;
  }

  private String hostForUrl() {
    return config.host().contains(":") ? "[" + config.host() + "]" : config.host();
  }

  /** {@return the server name} */
  public String name() {
    return name;
  }

  /** {@return the client port} */
  public int port() {
    return port;
  }

  /** {@return the HTTP monitoring port} */
  public int monitorPort() {
    return monitorPort;
  }

  /** {@return the cluster route port, or 0 when not clustered} */
  public int clusterPort() {
    return clusterPort;
  }

  /** {@return the JetStream store directory} */
  public Path storeDir() {
    return storeDir;
  }

  /** {@return the working directory (config, log, store)} */
  public Path workDir() {
    return workDir;
  }

  /** {@return the configuration this server was started with} */
  public NatsServerConfig config() {
    return config;
  }

  /** {@return whether the process is running} */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** {@return the process id, while running} */
  public synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException("nats-server " + name + " is not running");
    }
    return process.pid();
  }

  /**
   * Stops the process gracefully (SIGTERM, then SIGKILL after 10 s). Store and ports are kept.
   */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        LOG.warn("nats-server {} did not stop in 10 s; killing it", name);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    process = null;
    LOG.info("nats-server {} stopped", name);
  }

  /** Kills the process at once (SIGKILL), as a crash would. Store and ports are kept. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /**
   * Starts the process again on the same ports and store (after {@link #stop()} or {@link
   * #kill()}; a running process is stopped first).
   *
   * @throws NatsServerException if it does not become ready
   */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("nats-server " + name + " is closed");
    }
    stop();
    launch();
  }

  /**
   * Makes the running server read its configuration and files again (SIGHUP, what {@code
   * nats-server --signal reload} sends): a renewed TLS certificate is served from the next
   * connection on, without a restart. Waits until the server reports the reload (at most 10 s).
   *
   * @throws NatsServerException if the server is not running or does not report the reload
   */
  public synchronized void reload() {
    long pid = pid();
    long before = reloads();
    try {
      Process k = new ProcessBuilder("kill", "-HUP", Long.toString(pid)).redirectErrorStream(true).start();
      if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
        throw new NatsServerException("could not signal nats-server " + name + " to reload");
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (reloads() == before) {
        if (System.nanoTime() > deadline) {
          throw new NatsServerException("nats-server " + name + " did not report a reload in 10 s:\n" + logTail());
        }
        Thread.sleep(20);
      }
    } catch (IOException e) {
      throw new NatsServerException("could not signal nats-server " + name + " to reload: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NatsServerException("interrupted while nats-server " + name + " reloaded", e);
    }
    LOG.info("nats-server {} reloaded its configuration", name);
  }

  /** {@return how often the server's log says it reloaded its configuration} */
  private long reloads() {
    try (java.util.stream.Stream<String> lines = Files.lines(logFile, StandardCharsets.UTF_8)) {
      return lines.filter(l -> l.contains("Reloaded server configuration")).count();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  /**
   * Copies the server's output to its log file (for {@link #logTail()}) and to SLF4J, logger
   * {@code io.vettid.nats.server.nats-server}: errors and warnings at WARN, the rest at DEBUG. The
   * server never sees key material in clear (the store key comes through the environment).
   */
  private void forwardLog(Process p) {
    Thread t = new Thread(() -> {
      try (java.io.BufferedReader in = new java.io.BufferedReader(
              new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
          java.io.Writer file = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
              java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
        String line;
        while ((line = in.readLine()) != null) {
          file.write(line);
          file.write('\n');
          file.flush();
          if (line.contains("[ERR]") || line.contains("[FTL]") || line.contains("[WRN]")) {
            SERVER_LOG.warn("{}: {}", name, line);
          } else {
            SERVER_LOG.debug("{}: {}", name, line);
          }
        }
      } catch (IOException e) {
        SERVER_LOG.debug("{}: log forwarding ended: {}", name, e.getMessage());
      }
    }, "vettid-nats-server-log-" + name);
    t.setDaemon(true);
    t.start();
  }

  /** {@return the last lines of the server's log, for error messages} */
  public String logTail() {
    try {
      if (!Files.exists(logFile)) {
        return "(no log)";
      }
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  /** Stops the process and deletes the working directory if this class created it. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop();
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down already
      }
    }
    if (ownsWorkDir) {
      deleteTree(workDir);
    }
  }

  private void destroyQuietly() {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
    }
  }

  private static void deleteTree(Path dir) {
    IOException failed = FileTrees.deleteQuietly(dir);
    if (failed != null) {
      LOG.warn("could not delete all of {}: {}", dir, failed.getMessage());
    }
  }

  private static void restrictToOwner(Path file) {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system; nothing secret is in the file anyway
    }
  }

  private static int freePort() {
    return NatsServerConfig.freePort(InetAddress.getLoopbackAddress().getHostAddress());
  }


  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NatsServerException("interrupted while waiting for nats-server", e);
    }
  }

  @Override
  public String toString() {
    return "NatsServer[" + name + " " + clientUrl() + ", running=" + isRunning() + "]";
  }
}
