package io.vettid.benchmarks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.Subscription;
import io.vettid.api.ConnectionId;
import io.vettid.api.FailureReason;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.subjects.Subjects;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.connection.ConnectionKeys;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.connection.PeerConnector;
import io.vettid.runtime.service.EventService;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A vault with many connections restarted (issue #20): how long from the start of the new runtime
 * to its first handled event, and until every connection's waiting event is handled, with the
 * envelope sessions kept in its sealed store (so no event is quarantined {@code UNKNOWN_SESSION}
 * and no peer is asked for a new session).
 *
 * <p>{@code -Dbench.restart=N} connections (10,000 by default), {@code -Dbench.restart.suite=NAME}
 * ({@code VETTID-RSA4096-V1} by default). The vault's wrapping keys are distinct per connection
 * (a key belongs to one connection) and come from {@link KeyCache}; its signing key and the peers'
 * keys are shared, which changes nothing of what a restart does. Each connection first opens its
 * session (one asymmetric key block each: timed, as the session-opening figure), then the vault is
 * closed, every peer deposits one more event, and a new runtime starts: its connections added again
 * from their encoded keys (decoding counted, as a restore decodes its records), their sessions read
 * back from the {@code Connections} bucket, the watcher started. Run it with {@code
 * BENCH_JAVA_OPTS="-Dbench.restart=10000" scripts/bench-restart.sh}.
 */
public final class RestartBenchmark {
  private static final String RULES = PipelineBenchmark.RULES;

  private RestartBenchmark() {}

  /**
   * Runs it and prints the figures.
   *
   * @param args none
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int n = Integer.getInteger("bench.restart", 10_000);
    Suite suite = Suites.byName(System.getProperty("bench.restart.suite", Suites.DEFAULT.name()))
        .orElseThrow(() -> new IllegalArgumentException("no suite " + System.getProperty("bench.restart.suite")));
    run(n, suite, System.out);
  }

  static void run(int n, Suite suite, PrintStream out) throws Exception {
    Path tmp = Files.createTempDirectory("vettid-bench-restart-");
    TlsMaterial tls = TlsMaterial.generate(tmp, List.of("localhost"), List.of("127.0.0.1"));
    NatsOperator operator = NatsOperator.create("vettid-bench-restart");
    char[] storeKey = NatsServerConfig.randomStoreKey();
    String guid = "g" + Long.toHexString(new SecureRandom().nextLong() >>> 8);
    VaultAccounts accounts = VaultAccounts.create(operator, guid, new JetStreamLimits(64L << 20, 4L << 30, 64, 1024));
    try (NatsServer server = NatsServer.start(NatsServerConfig.builder().serverName("vettid-bench-restart")
        .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, storeKey).tls(tls.serverTls(false))
        .extraConfig(operator.serverConfig(NatsOperator.ServerRole.DATA_VAULT, Files.createDirectories(
            tmp.resolve("jwt")), accounts.all())).build())) {
      Arrays.fill(storeKey, '\0');
      Options.Builder base = new Options.Builder().server(server.clientUrl()).sslContext(tls.clientContext())
          .connectionTimeout(Duration.ofSeconds(10));
      out.printf("nats-server %s (TLS, JetStream encrypted at rest); %d cores, JDK %s; restart of a vault with %,d"
          + " connections (%s)%n", server.clientUrl(), Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"), n, suite.name());
      List<KeyCache.Encoded> wrapping = KeyCache.get(suite.wrap(), n, out);
      ConnectionKeys shared = ConnectionKeys.generate(suite, new SecureRandom());
      KeyPair signing = new KeyPair(shared.signingPublic().key(), shared.signing().key());
      ConnectionKeys peer = ConnectionKeys.generate(suite, new SecureRandom());
      byte[] secret = new byte[32];
      new SecureRandom().nextBytes(secret);
      String peerPrefix = "subscriber.peers.bench.queue.";
      UserCredentials peers = accounts.eventSpace().issueUser("bench-peers", new UserPermissions(
          List.of(Subjects.depositsOf(guid, "bench"), peerPrefix + ">"), List.of("_INBOX.>", peerPrefix + ">")));
      try (Connection peerNc = Nats.connect(new Options.Builder(base.build()).authHandler(peers.authHandler()).build())) {
        // what the vault sends its peers (a session.reset, were its sessions lost) is counted here
        Subscription toPeers = peerNc.subscribe(peerPrefix + ">");
        Connections sender = new Connections();
        List<ConnectionId> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          ConnectionId atVault = ConnectionId.of("c" + i);
          ConnectionId atPeer = ConnectionId.of("p" + i);
          sender.add(atPeer, atVault, Subjects.deposit(guid, "bench", atVault).value(), peerNc, peer,
              shared.signingPublic(), PublicKeyEntry.of(suite.wrap(), suite.wrap().decodePublicKey(
                  wrapping.get(i).publicKey())));
          ids.add(atPeer);
        }
        ObjectNode payload = JsonNodeFactory.instance.objectNode().put("p", "x".repeat(1000));

        // the first run: every connection opens its session
        AtomicLong handled = new AtomicLong();
        long t0 = System.nanoTime();
        try (Vault first = Vault.start(accounts, base, secret, suite, signing, peer, wrapping, peerNc, peerPrefix,
            handled, null)) {
          double added = (System.nanoTime() - t0) / 1e9;
          long s0 = System.nanoTime();
          send(sender, ids, payload);
          await(() -> handled.get() >= n, Duration.ofMinutes(30));
          double opened = (System.nanoTime() - s0) / 1e9;
          out.printf("first run: %,d connections added in %.1f s; %,d sessions opened (one %s key block each) in %.1f s,"
              + " %,.0f/s across the cores%n", n, added, n, suite.name(), opened, n / opened);
        }
        // the vault is down: every peer deposits one more event, which waits on the deposit stream
        send(sender, ids, payload);
        AtomicLong again = new AtomicLong();
        long[] firstHandled = new long[1];
        long r0 = System.nanoTime();
        try (Vault second = Vault.start(accounts, base, secret, suite, signing, peer, wrapping, peerNc, peerPrefix,
            again, firstHandled)) {
          double restored = (System.nanoTime() - r0) / 1e9;
          await(() -> again.get() >= n, Duration.ofMinutes(30));
          double all = (System.nanoTime() - r0) / 1e9;
          var c = second.runtime.counters().snapshot();
          long resets = 0;
          while (toPeers.nextMessage(Duration.ofMillis(200)) != null) {
            resets++;
          }
          out.printf("restart: connections and their kept sessions back in %.2f s; first handled event %.2f s after"
              + " the start; all %,d waiting events handled after %.1f s%n", restored,
              (firstHandled[0] - r0) / 1e9, n, all);
          out.printf("restart: quarantined UNKNOWN_SESSION %d, other quarantines %d; messages to peers (session.reset"
              + " or other) %d%n", c.quarantined().getOrDefault(FailureReason.UNKNOWN_SESSION, 0L),
              c.quarantined().values().stream().mapToLong(Long::longValue).sum()
                  - c.quarantined().getOrDefault(FailureReason.UNKNOWN_SESSION, 0L), resets);
          out.printf("restart_first_event_s=%.2f restart_all_s=%.1f%n", (firstHandled[0] - r0) / 1e9, all);
          Map<String, Object> figures = new LinkedHashMap<>();
          figures.put("restart_connections", n);
          figures.put("restart_suite", suite.name());
          figures.put("restart_first_event_s", Math.round((firstHandled[0] - r0) / 1e7) / 100.0);
          figures.put("restart_all_handled_s", Math.round(all * 10) / 10.0);
          figures.put("restart_unknown_session", c.quarantined().getOrDefault(FailureReason.UNKNOWN_SESSION, 0L));
          Path dir = Path.of(System.getProperty("bench.out", "docs/benchmarks"));
          Figures.merge(dir, figures);
          out.println("wrote the restart_* figures to " + dir.resolve("latest.json"));
        }
      }
    } finally {
      io.vettid.nats.server.FileTrees.delete(tmp);
    }
  }

  /** A running vault with the benchmark's connections, added from their encoded keys. */
  private record Vault(VettIdRuntime runtime) implements AutoCloseable {
    static Vault start(VaultAccounts accounts, Options.Builder base, byte[] secret, Suite suite, KeyPair signing,
        ConnectionKeys peer, List<KeyCache.Encoded> wrapping, Connection peerNc, String peerPrefix, AtomicLong handled,
        long[] firstHandled) throws Exception {
      Connections connections = new Connections();
      PeerConnector none = (creds, inbox) -> {
        throw new java.io.IOException("no connection of the benchmark has a peer-issued user");
      };
      VettIdRuntime rt = VettIdRuntime.connect(accounts, base).connections(connections, secret, none)
          .discoverHandlers(false).handler(new Sink()).listener(s -> {
            if (s.outcome() == EventService.Outcome.HANDLED && handled.incrementAndGet() == 1 && firstHandled != null) {
              firstHandled[0] = System.nanoTime();
            }
          }).start();
      try {
        long rev = rt.rules().orElseThrow().put(RULES);
        rt.rules().orElseThrow().awaitRevision(rev, Duration.ofSeconds(5));
        for (int i = 0; i < wrapping.size(); i++) {
          ConnectionId atVault = ConnectionId.of("c" + i);
          connections.add(atVault, ConnectionId.of("p" + i), peerPrefix + "p" + i, peerNc,
              ConnectionKeys.of(suite, signing, wrapping.get(i).decode(suite.wrap())), peer.signingPublic(),
              peer.wrappingPublic());
        }
        rt.watch(accounts.guid(), "bench");
        return new Vault(rt);
      } catch (Exception | Error e) {
        rt.close();
        throw e;
      }
    }

    @Override
    public void close() {
      runtime.close();
    }
  }

  private static void send(Connections sender, List<ConnectionId> ids, ObjectNode payload) throws Exception {
    for (ConnectionId id : ids) {
      sender.send(id, PipelineBenchmark.TYPE, payload);
    }
  }

  private static void await(java.util.function.BooleanSupplier done, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not done within " + max);
      }
      Thread.sleep(5);
    }
  }
}
