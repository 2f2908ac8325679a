package io.vettid.benchmarks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.pool.KeyPool;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.subjects.Subjects;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.VettIdRuntimeBuilder;
import io.vettid.runtime.connection.ConnectionKeys;
import io.vettid.runtime.connection.Connections;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The end-to-end benchmark: raw jnats JetStream against the VettID pipeline (sealed External
 * Event, deposit stream, Event Watcher, rules, handler, commit, ack) on one nats-server (TLS,
 * JetStream encrypted at rest, as VettID runs it), with 1 KiB payloads. Prints a table and writes
 * {@code latest.json} and {@code pipeline.png} to the output directory.
 *
 * <pre>
 * scripts/bench-pipeline.sh            # full run (minutes)
 * scripts/bench-pipeline.sh --quick    # seconds, as CI runs it
 * </pre>
 */
public final class PipelineBenchmark {
  static final EventType TYPE = EventType.of("bench.event");
  static final String RULES = "[{\"id\": \"bench\", \"eventType\": \"bench.event\", \"action\": \"handle\", "
      + "\"handler\": \"bench\"}]";
  static final int PAYLOAD = 1024;

  private final BenchConfig config;
  private final Rounds rounds;
  private final PrintStream out;
  private final SecureRandom random = new SecureRandom();
  private final byte[] payloadBytes = new byte[PAYLOAD];
  private String url;
  private long serverPid;
  private int monitorPort;
  private TlsMaterial tls;
  /** The server runs in operator mode: raw runs in an account of their own, each pipeline run in a fresh vault's accounts. */
  private io.vettid.nats.auth.NatsOperator operator;
  private io.vettid.nats.auth.UserCredentials rawUser;

  PipelineBenchmark(BenchConfig config, PrintStream out) {
    this.config = config;
    this.out = out;
    this.rounds = new Rounds(config.quick(), out);
    random.nextBytes(payloadBytes);
  }

  /**
   * Runs the benchmark.
   *
   * @param args {@code --quick} for the CI-sized run; {@code --out DIR} (default {@code docs/benchmarks})
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Map<String, Object> report = new PipelineBenchmark(BenchConfig.of(args), System.out).run();
    System.out.println("wrote " + report.get("_files"));
  }

  /** The run's temporary directory (the server's TLS material and store, the EventSpace server's). */
  private Path tmp;

  Map<String, Object> run() throws Exception {
    tmp = Files.createTempDirectory("vettid-bench-");
    tls = TlsMaterial.generate(tmp, List.of("localhost"), List.of("127.0.0.1"));
    try (NatsServer server = startServer(tmp)) {
      url = server.clientUrl();
      serverPid = server.pid();
      monitorPort = server.monitorPort();
      out.printf("nats-server %s (TLS, JetStream file storage encrypted at rest); %d cores, JDK %s; %s mode%n",
          url, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
          config.quick() ? "quick" : "full");
      if (Long.getLong("bench.soak", 0) > 0) { // the soak (issue #20): one vault, millions of events, heap per million
        soak(Long.getLong("bench.soak"));
        return new LinkedHashMap<>();
      }
      if (Boolean.getBoolean("bench.scale")) { // profiling aid: the 10,000-connection run only, nothing written
        scaleOnly();
        return new LinkedHashMap<>();
      }
      List<ConnectionKeys[]> defaultKeys = keys(Suites.DEFAULT, 10, false);
      String clusterOnly = System.getProperty("bench.cluster", "false");
      if (!clusterOnly.equals("false")) { // profiling aid: the 3-node cluster's runs only ("loss": its node loss only)
        Topology c = topology(defaultKeys, 3, !clusterOnly.equals("loss"));
        out.printf("cluster throughput ratio: %.3f; node loss: largest delay %.0f ms%n",
            c.pair() == null ? Double.NaN : c.pair().ratio(), c.loss().maxDelayMillis());
        return new LinkedHashMap<>();
      }
      if (Boolean.getBoolean("bench.flood")) { // profiling aid: the session-open flood only, nothing written
        flood(defaultKeys, config.floodConnections());
        return new LinkedHashMap<>();
      }
      if (Boolean.getBoolean("bench.paced")) { // profiling aid: the latency runs only, nothing written
        pacedOnly(defaultKeys);
        return new LinkedHashMap<>();
      }
      Rounds.Paired pair = rounds.paired("raw JetStream", n -> raw(n, config.events(), 0), "pipeline " + Suites.DEFAULT.name(),
          n -> pipeline(n, Suites.DEFAULT, defaultKeys, config.events() / 10, 0, null, 1));
      if (Boolean.getBoolean("bench.core")) { // profiling aid: the throughput runs only, nothing written
        pipeline("vault only " + Suites.DEFAULT.name() + " (deposits queued first)", Suites.DEFAULT,
            defaultKeys, config.events() / 10, 0, null, 0, true);
        out.printf("throughput ratio: %.3f%n", pair.ratio());
        return new LinkedHashMap<>();
      }
      return measure(pair, defaultKeys);
    } finally {
      io.vettid.nats.server.FileTrees.delete(tmp);
    }
  }

  /** The benchmark's nats-server: operator mode as every VettID server, raw JetStream in an account of its own. */
  private NatsServer startServer(Path tmp) throws Exception {
    char[] key = NatsServerConfig.randomStoreKey();
    operator = io.vettid.nats.auth.NatsOperator.create("vettid-bench");
    io.vettid.nats.auth.NatsAccount rawAccount = operator.createAccount("raw",
        io.vettid.nats.auth.JetStreamLimits.subscriberDefault());
    rawUser = rawAccount.issueUser("raw", io.vettid.nats.auth.UserPermissions.ACCOUNT_OWNER);
    try {
      return NatsServer.start(NatsServerConfig.builder().serverName("vettid-bench")
          .jetStreamEncryption(NatsServerConfig.Cipher.valueOf(System.getProperty("bench.cipher", "CHACHAPOLY")), key)
          .tls(tls.serverTls(false))
          .extraConfig(operator.serverConfig(io.vettid.nats.auth.NatsOperator.ServerRole.EVENTSPACE_SERVER,
              Files.createDirectories(tmp.resolve("jwt")), List.of(rawAccount))
              // profiling aid: the server's Go profiler on loopback (curl .../debug/pprof/profile?seconds=N)
              + (Integer.getInteger("bench.profPort", 0) > 0 ? "prof_port: " + Integer.getInteger("bench.profPort") + "\n"
                  : ""))
          .build());
    } finally {
      Arrays.fill(key, '\0');
    }
  }

  private void scaleOnly() throws Exception {
    if (Boolean.getBoolean("bench.scale.after")) {
      List<ConnectionKeys[]> k = keys(Suites.DEFAULT, 10, false);
      rounds.steady("pipeline " + Suites.DEFAULT.name(), n -> pipeline(n, Suites.DEFAULT, k, config.events() / 10, 0, null, 1));
    }
    ScaleResult sr = scale(Suites.MLKEM768_MLDSA65_V1, Integer.getInteger("bench.scale.connections",
        config.scaleConnections()));
    out.printf("heap after GC %.1f MB%n", sr.heapMb());
  }

  private void pacedOnly(List<ConnectionKeys[]> defaultKeys) throws Exception {
    rounds.warm("pipeline " + Suites.DEFAULT.name(), n -> pipeline(n, Suites.DEFAULT, defaultKeys, config.events() / 10, 0,
        null, 1));
    raw("raw JetStream @" + config.rate() + "/s", config.rateEvents(), config.rate());
    for (int i = 1; i <= 3; i++) {
      paced("pipeline " + Suites.DEFAULT.name() + " @" + config.rate() + "/s (" + i + "/3)", Suites.DEFAULT,
          defaultKeys);
    }
  }

  /** What a full (or quick) run measures besides the pair: every suite, latency, vault only, scale. */
  private Map<String, Object> measure(Rounds.Paired pair, List<ConnectionKeys[]> defaultKeys) throws Exception {
    Topology split = topology(defaultKeys, 1);
    Run rawPaced = raw("raw JetStream @" + config.rate() + "/s", config.rateEvents(), config.rate());
    List<Run> runs = new ArrayList<>();
    Run paced = null;
    Run vaultOnly = null;
    for (Suite suite : config.suites()) {
      // steady state, as the scale runs: each connection's first event opens its session (one
      // asymmetric key block) before the clock starts; that phase is printed as session setup
      List<ConnectionKeys[]> suiteKeys = suite == Suites.DEFAULT ? defaultKeys
          : keys(suite, 10, suite != Suites.ELGAMAL3072_RSA4096_V1);
      Run r = suite == Suites.DEFAULT ? pair.pipeline()
          : rounds.steady("pipeline " + suite.name(), n -> pipeline(n, suite, suiteKeys, config.events() / 10, 0, null, 1));
      runs.add(r);
      if (runs.size() == 1) {
        vaultOnly = pipeline("vault only " + suite.name() + " (deposits queued first)", suite,
            suiteKeys, config.events() / 10, 0, null, 0, true);
        paced = paced("pipeline " + suite.name() + " @" + config.rate() + "/s", suite, suiteKeys);
      }
    }
    // connection setup last: a key pool's background key generation (RSA-4096 takes seconds) must
    // not share the cores with a throughput run
    Map<String, Double> setup = connectionSetupMillis();
    Suite fast = Suites.MLKEM768_MLDSA65_V1;
    Run ten = pipeline("pipeline 10 connections (" + fast.name() + ")", fast, keys(fast, 10, true),
        config.scaleConnections() * config.scaleEvents() / 10, 0, null, 1);
    ScaleResult scale = scale(fast, config.scaleConnections());
    ScaleResult large = scale(fast, config.largeConnections());
    Flood flood = flood(defaultKeys, config.floodConnections());
    // last: killing a node may leave the cluster unwell, and nothing else runs on it
    Topology cluster = topology(defaultKeys, 3);
    List<Run> all = new ArrayList<>(List.of(pair.raw(), rawPaced, split.pair().raw(), split.pair().pipeline(),
        cluster.pair().raw(), cluster.pair().pipeline(), cluster.loss().run()));
    all.addAll(runs);
    all.add(paced);
    all.add(vaultOnly);
    all.add(ten);
    all.add(scale.run());
    all.add(large.run());
    Figures f = new Figures(pair, split.pair(), runs.get(0), rawPaced, paced, ten, scale, setup, all, cluster, large,
        flood);
    f.print(out, config, fast);
    return f.write(config);
  }

  /** The time to make one side's two key pairs of each suite: cold, and taken from a warm key pool. */
  private Map<String, Double> connectionSetupMillis() throws Exception {
    Map<String, Double> setup = new LinkedHashMap<>();
    for (Suite suite : config.suites()) {
      long t0 = System.nanoTime();
      ConnectionKeys.generate(suite, random);
      setup.put(suite.name() + " cold", (System.nanoTime() - t0) / 1e6);
      try (KeyPool sign = KeyPool.start(suite.signature(), 1, 1); KeyPool wrap = KeyPool.start(suite.wrap(), 1, 1)) {
        while (sign.ready() < 1 || wrap.ready() < 1) {
          Thread.sleep(10);
        }
        long t1 = System.nanoTime();
        ConnectionKeys.of(suite, sign.take(), wrap.take());
        setup.put(suite.name() + " warm pool", (System.nanoTime() - t1) / 1e6);
      }
    }
    Thread.sleep(5_000); // a refill the pools started may still run (key generation is not interruptible)
    return setup;
  }

  /** A connection to the raw runs' account. */
  private Connection connect() throws Exception {
    return connect(rawUser);
  }

  private Connection connect(io.vettid.nats.auth.UserCredentials user) throws Exception {
    return Nats.connect(serverOptions().authHandler(user.authHandler()).build());
  }

  private Options.Builder serverOptions() throws Exception {
    return new Options.Builder().server(url).sslContext(tls.clientContext()).connectionTimeout(Duration.ofSeconds(10));
  }

  /**
   * A fresh vault's accounts (one per trust zone, as every vault has), pushed to the server: the
   * sender deposits from the EventSpace account through its import, the watcher reads the deposit
   * account, the vault works in its own.
   */
  private io.vettid.nats.auth.VaultAccounts vaultAccounts(String guid) throws Exception {
    return vaultAccounts(guid, io.vettid.nats.auth.JetStreamLimits.subscriberDefault().diskBytes());
  }

  /**
   * A vault's accounts with {@code diskBytes} of JetStream file storage, pushed to the server; the
   * deposit account gets what its streams may take (an eighth for the deposits, a sixty-fourth for
   * the handshakes), at least the default.
   */
  private io.vettid.nats.auth.VaultAccounts vaultAccounts(String guid, long diskBytes) throws Exception {
    io.vettid.nats.auth.JetStreamLimits d = io.vettid.nats.auth.JetStreamLimits.subscriberDefault();
    io.vettid.nats.auth.VaultAccounts accounts = io.vettid.nats.auth.VaultAccounts.create(operator, guid,
        new io.vettid.nats.auth.JetStreamLimits(d.memoryBytes(), diskBytes, d.streams(), d.consumers()),
        new io.vettid.nats.auth.JetStreamLimits(d.memoryBytes(), Math.max(d.diskBytes(), diskBytes / 8 + diskBytes / 64 + (64L << 20)),
            d.streams(), d.consumers()));
    try (Connection sys = connect(operator.systemUser())) {
      for (io.vettid.nats.auth.NatsAccount a : accounts.all()) {
        operator.push(sys, a);
      }
    }
    return accounts;
  }

  /**
   * The vault every pipeline run uses, and its guid. Each vault account reserves its JetStream
   * storage limit on the server, so a fresh vault per run would use up the server's storage over
   * a full benchmark; instead a run ends by deleting every stream of the vault's accounts (so the
   * next run starts as a fresh vault: no records, no deposits, no duplicate window).
   */
  private io.vettid.nats.auth.VaultAccounts runVault;
  private String runGuid;

  /** The profile the kept connections' peer presented (one for all: the senders are one party). */
  private static io.vettid.profile.Profile peerProfile(Suite suite) throws Exception {
    java.security.KeyPair id = suite.signature().generateKeyPair(new SecureRandom());
    return io.vettid.profile.Profile.builder("bench",
        io.vettid.profile.Profile.Owner.of("senders", suite.signature(), id.getPublic()).ageOver(18).location("Berlin area"))
        .build();
  }

  /** Deletes every stream of the account the connection is in, then closes the connection. */
  private void deleteStreams(Connection account) throws Exception {
    try (Connection c = account) {
      io.nats.client.JetStreamManagement jsm = c.jetStreamManagement();
      for (String stream : jsm.getStreamNames()) {
        try {
          jsm.deleteStream(stream);
        } catch (io.nats.client.JetStreamApiException e) {
          out.println("  could not delete the run's stream " + stream + ": " + e.getMessage());
        }
      }
    }
  }

  /** Deletes every stream of a vault's deposit account and of its own account: the next run starts as a fresh vault. */
  private void deleteStreams(io.vettid.nats.auth.VaultAccounts accounts) throws Exception {
    deleteStreams(connect(accounts.issueWatcher("bench-cleanup")));
    deleteStreams(connect(accounts.issueOwner("bench-cleanup")));
  }

  /** Makes the vault the pipeline runs use, once ({@link #runVault}). */
  private void ensureRunVault() throws Exception {
    if (runVault == null) {
      runGuid = "g" + Long.toHexString(random.nextLong() >>> 8);
      runVault = vaultAccounts(runGuid);
    }
  }

  /** The peers' side: a user of {@code account} that may deposit on the run vault's EventSpace {@code bench}. */
  private io.vettid.nats.auth.UserCredentials senders(io.vettid.nats.auth.NatsAccount account) {
    return account.issueUser("bench-senders",
        new io.vettid.nats.auth.UserPermissions(List.of(Subjects.depositsOf(runGuid, "bench")), List.of("_INBOX.>")));
  }

  /** Raw JetStream: publish with a timestamp header, consume with a pull consumer, ack. */
  private Run raw(String name, int n, int rate) throws Exception {
    return new RawJetStream(this::connect, payloadBytes, () -> new CpuReading(serverPid, monitorPort), this::print, out)
        .run(name, n, rate);
  }

  void print(Run r) {
    out.printf("  %-56s %10.0f events/s   CPU per event: server %6.1f us, client %6.1f us (JIT %.1f)%n", r.name(),
        r.eventsPerSecond(), r.serverMicros(), r.clientMicros(), r.jitMicros());
  }

  private Sides sides(Suite suite, String guid, int connections, Connection senderNc, List<ConnectionKeys[]> keys)
      throws Exception {
    return sides(suite, guid, connections, senderNc, keys, false);
  }

  /**
   * @param kept whether the vault's connections are made as an invitation makes them (with the
   *     peer's user, which they are kept in the vault's sealed store with, and go cold in when idle:
   *     {@link Connections#keepKeysWarm}), not added with a NATS connection only
   */
  private Sides sides(Suite suite, String guid, int connections, Connection senderNc, List<ConnectionKeys[]> keys,
      boolean kept) throws Exception {
    Connections vault = new Connections();
    Connections sender = new Connections();
    List<ConnectionId> ids = new ArrayList<>();
    // a kept connection's route: the peer's user and inbox (one for all: the senders share a connection)
    io.vettid.nats.auth.UserCredentials peerUser = kept ? senders(runVault.eventSpace()) : null;
    io.vettid.runtime.connection.PeerConnector connector = (creds, inbox) -> senderNc;
    io.vettid.profile.Profile peer = kept ? peerProfile(suite) : null;
    for (int i = 0; i < connections; i++) {
      ConnectionKeys[] k = keys.get(i);
      ConnectionId atVault = ConnectionId.of("c" + i);
      ConnectionId atSender = ConnectionId.of("s" + i);
      if (kept) {
        vault.add(new io.vettid.runtime.connection.Established(atVault, atSender,
            "subscriber.sender.bench.queue." + atSender.value(), "_INBOX_bench", peerUser, k[0], k[1].signingPublic(),
            k[1].wrappingPublic(), peer, peerUser.publicKey(), Subjects.deposit(guid, "bench", atVault).value()),
            connector);
      } else {
        vault.add(atVault, atSender, "subscriber.sender.bench.queue." + atSender.value(), senderNc, k[0],
            k[1].signingPublic(), k[1].wrappingPublic());
      }
      sender.add(atSender, atVault, Subjects.deposit(guid, "bench", atVault).value(), senderNc, k[1],
          k[0].signingPublic(), k[0].wrappingPublic());
      ids.add(atSender);
    }
    return new Sides(vault, new java.util.concurrent.atomic.AtomicReference<>(sender), ids);
  }

  /**
   * Keys for {@code connections} connections. With {@code distinct} false, the expensive pairs are
   * shared where the runtime allows it, to keep setup short: the signing keys and the sender's
   * wrapping key; the vault's wrapping key is generated per connection (in parallel), since a key
   * belongs to one connection and opens nothing on another's subject.
   */
  private List<ConnectionKeys[]> keys(Suite suite, int connections, boolean distinct) throws Exception {
    List<ConnectionKeys[]> keys = new ArrayList<>();
    if (distinct) {
      for (int i = 0; i < connections; i++) {
        keys.add(new ConnectionKeys[] {ConnectionKeys.generate(suite, random), ConnectionKeys.generate(suite, random)});
      }
      return keys;
    }
    ConnectionKeys vaultShared = ConnectionKeys.generate(suite, random);
    ConnectionKeys sender = ConnectionKeys.generate(suite, random);
    java.security.KeyPair signing = new java.security.KeyPair(vaultShared.signingPublic().key(),
        vaultShared.signing().key());
    List<java.util.concurrent.Future<java.security.KeyPair>> wrapping = new ArrayList<>();
    java.util.concurrent.ExecutorService gen = java.util.concurrent.Executors.newFixedThreadPool(
        Runtime.getRuntime().availableProcessors());
    try {
      for (int i = 0; i < connections; i++) {
        wrapping.add(gen.submit(() -> suite.wrap().generateKeyPair(new java.security.SecureRandom())));
      }
      for (java.util.concurrent.Future<java.security.KeyPair> w : wrapping) {
        keys.add(new ConnectionKeys[] {ConnectionKeys.of(suite, signing, w.get()), sender});
      }
    } finally {
      gen.shutdownNow();
    }
    return keys;
  }


  /**
   * A latency run at the configured rate. As in the throughput runs, each connection's first event
   * opens its session before the clock starts: ten RSA-4096 key blocks, about 11 ms each and one
   * after the other on the watcher, would otherwise queue the round's first ~150 ms of events
   * behind them.
   */
  private Run paced(String name, Suite suite, List<ConnectionKeys[]> keys) throws Exception {
    return pipeline(name, suite, keys, config.rateEvents() / 10, config.rate(), null, 1);
  }

  /**
   * The pipeline: sender seals and deposits; the vault's watcher, rules, handler, commit and ack.
   *
   * @param heapMb when not null, the vault's heap is measured after the run, with the runtime still
   *     up and the sender side (the peers' keys and sessions) dropped
   * @param warmRounds events per connection sent and handled before the clock starts (they open
   *     the connections' sessions: one asymmetric key block each), not counted in the figures
   */
  private Run pipeline(String name, Suite suite, List<ConnectionKeys[]> keys, int perConnection, int rate,
      double[] heapMb, int warmRounds) throws Exception {
    return pipeline(name, suite, keys, perConnection, rate, heapMb, warmRounds, false);
  }

  /**
   * @param backlog deposit every event before the vault starts, and time only the vault draining
   *     them (what the vault can do when the senders are out of the picture)
   */
  private Run pipeline(String name, Suite suite, List<ConnectionKeys[]> keys, int perConnection, int rate,
      double[] heapMb, int warmRounds, boolean backlog) throws Exception {
    ensureRunVault();
    io.vettid.nats.auth.VaultAccounts accounts = runVault;
    int warm = keys.size() * warmRounds;
    int n = keys.size() * perConnection + warm;
    Stages stages = Boolean.getBoolean("bench.stages") && rate > 0
        ? new Stages(n, connect(accounts.issueOwner("stages")), out) : null;
    Tally tally = new Tally(n, warm, stages, out);
    // the peers' side: one user of the vault's EventSpace account deposits for every connection
    // (bench.direct: a user of the deposit account, skipping the service import, to measure its cost)
    // (bench.oneAccount: everything in the vault's account, the shape before the trust-zone split)
    boolean oneAccount = Boolean.getBoolean("bench.oneAccount");
    io.vettid.nats.auth.NatsAccount sendersAccount = oneAccount ? accounts.vault()
        : Boolean.getBoolean("bench.direct") ? accounts.deposits() : accounts.eventSpace();
    io.vettid.nats.auth.UserCredentials senders = senders(sendersAccount);
    io.vettid.nats.auth.UserCredentials watcherUser =
        oneAccount ? accounts.issueOwner("bench-one") : accounts.issueWatcher("bench");
    ObjectNode payload = payload();
    try (Connection senderNc = connect(senders); Connection depositAccount = connect(watcherUser)) {
      // each run is a fresh vault (fresh accounts): no handled-once records of earlier runs
      // a scale run's connections are kept in the vault's sealed store, as an invitation's are
      boolean kept = heapMb != null;
      Sides sides = sides(suite, runGuid, keys.size(), senderNc, keys, kept);
      if (heapMb != null) {
        keys.clear(); // from here the vault's connections hold their keys; the sender holds the peers'
      }
      if (backlog) {
        io.vettid.nats.jetstream.JetStreamLayout.builder().build().ensureEventSpace(depositAccount, runGuid, "bench");
        Senders.sendAll(sides, perConnection, payload, null);
      }
      VettIdRuntimeBuilder builder = oneAccount
          ? VettIdRuntime.connect(serverOptions().authHandler(watcherUser.authHandler()))
              .eventSpaceNats(serverOptions().authHandler(watcherUser.authHandler()),
                  serverOptions().authHandler(watcherUser.authHandler()))
              .account(accounts.apps()).storageBytes(accounts.vault().limits().diskBytes())
          : VettIdRuntime.connect(accounts, serverOptions());
      OwnerSide.configure(builder, System.getProperty("bench.ownerSide", "none"));
      if (kept) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        builder.connections(sides.vault(), secret, (creds, inbox) -> senderNc);
      } else {
        builder.connections(sides.vault());
      }
      try (VettIdRuntime vault = builder.discoverHandlers(false).builtInHandlers(false)
          .handler(new Sink()).listener(tally).start()) {
        long rev = vault.rules().orElseThrow().put(RULES);
        vault.rules().orElseThrow().awaitRevision(rev, Duration.ofSeconds(5));
        Run r = measured(name, vault, sides, tally, new Load(perConnection, rate, warmRounds, backlog, payload));
        if (heapMb != null) {
          heapMb[0] = heapAfterGc(sides);
        }
        return r;
      }
    } finally {
      // as raw deletes its stream after a run: the next run starts without this one's deposit
      // stream and the duplicate window the server keeps for it, and as a fresh vault (its
      // buckets and queues gone too)
      deleteStreams(accounts);
    }
  }

  /** An event's payload: about 1 KiB of JSON. */
  private ObjectNode payload() {
    return JsonNodeFactory.instance.objectNode()
        .put("data", java.util.Base64.getEncoder().encodeToString(Arrays.copyOf(payloadBytes, 760)));
  }

  /** What the split topology or the cluster measured: raw and the pipeline in alternation, and on the cluster a node's loss. */
  record Topology(Rounds.Paired pair, NodeLoss loss) {}

  /**
   * The pipeline at the offered rate on the cluster while one node is killed ({@code kill -9}) and
   * restarted.
   *
   * @param run the run (its p99 and the largest delay are the events' latencies, retries included)
   * @param maxDelayMillis the largest latency of an event, from just before its first send to its commit
   * @param maxDepositMillis the longest a deposit waited to be stored (the EventSpace server's part of the delay)
   * @param retried deposits the senders sent again because the node went away under them
   * @param handled events handled, each once (a second handling would count here too)
   * @param sent events sent
   */
  record NodeLoss(Run run, double maxDelayMillis, double maxDepositMillis, int retried, int handled, int sent) {}

  /**
   * The split topology ({@code nodes} 1) or a cluster ({@code nodes} 3): raw and the default
   * pipeline measured in alternation. The vault's own server is this benchmark's; its EventSpace is
   * on an EventSpace server of its own ({@link SplitTopology}), and raw JetStream relays between
   * the same processes, from a stream with as many replicas as the deposit streams have. On the
   * cluster, the pipeline then runs at the offered rate while a node is killed and restarted.
   */
  private Topology topology(List<ConnectionKeys[]> keys, int nodes) throws Exception {
    return topology(keys, nodes, true);
  }

  /** @param paired whether to measure raw and the pipeline in alternation (else only the node loss) */
  private Topology topology(List<ConnectionKeys[]> keys, int nodes, boolean paired) throws Exception {
    SplitTopology t;
    try (Connection sys = connect(operator.systemUser())) {
      t = SplitTopology.start(tmp.resolve("eventspace-" + nodes), operator, sys, nodes);
    }
    try (t) {
      out.printf("%s: the vault's own server %s; its EventSpace on an EventSpace server of its own, %s"
          + " (operator, TLS and encrypted store of its own; deposit streams of %d replica(s))%n",
          nodes == 1 ? "split topology" : nodes + "-node cluster", url, String.join(",", t.urlsForPrinting()),
          t.replicas());
      java.util.function.Supplier<CpuReading> cpu = () -> new CpuReading(serverPid, monitorPort, t.pids());
      RawJetStream relayed = new RawJetStream(this::connect, payloadBytes, cpu, this::print, out);
      Rounds.Paired pair = !paired ? null : rounds.paired(nodes == 1 ? "raw JetStream, relayed across the two servers"
              : "raw JetStream R" + t.replicas() + ", relayed from the " + nodes + "-node cluster",
          n -> relayed.relayed(n, config.events(), t::raw, t.replicas()),
          "pipeline " + Suites.DEFAULT.name() + ", remote watcher" + (nodes == 1 ? "" : " on the " + nodes + "-node cluster"),
          n -> splitPipeline(n, t, keys, new Load(config.events() / 10, 0, 1, false, payload()), cpu));
      return new Topology(pair, nodes == 1 ? null : nodeLoss(t, keys));
    }
  }

  /**
   * The default pipeline on the cluster at the offered rate: a third of the way in, the node that
   * leads the watcher's consumer is killed ({@code kill -9}); two thirds of the way in, it is
   * restarted. A deposit that fails
   * because its node went away is sent again with the same eventId and deduplication id, as a peer
   * does, so the server keeps it once.
   */
  private NodeLoss nodeLoss(SplitTopology t, List<ConnectionKeys[]> keys) throws Exception {
    int n = config.rateEvents();
    io.vettid.nats.server.NatsServer[] victim = new io.vettid.nats.server.NatsServer[1];
    java.util.concurrent.atomic.AtomicInteger retried = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.LongAccumulator slowestDeposit = new java.util.concurrent.atomic.LongAccumulator(Math::max, 0);
    Thread restarting = new Thread(() -> {
      try {
        victim[0].restart();
        out.println("    the node is back");
      } catch (Exception e) {
        out.println("    the node did not come back: " + e.getMessage().lines().findFirst().orElse(""));
      }
    }, "bench-node-restart");
    Load load = new Load(n / keys.size(), config.rate(), 1, false, payload(), i -> {
      if (i == n / 3) {
        // the worst node to lose: the one leading the watcher's consumer (its pull requests wait
        // there); the deposit stream's leader is printed too
        String streamLeader;
        String consumerLeader;
        try (Connection c = t.deposits()) {
          io.nats.client.JetStreamManagement jsm = c.jetStreamManagement();
          String stream = Subjects.depositStream(t.guid(), SplitTopology.ES);
          streamLeader = jsm.getStreamInfo(stream).getClusterInfo().getLeader();
          consumerLeader = jsm.getConsumerInfo(stream, Subjects.consumer("Watcher", SplitTopology.ES)).getClusterInfo()
              .getLeader();
        } catch (Exception e) {
          throw new IllegalStateException("cannot find the cluster's leaders", e);
        }
        victim[0] = t.nodes().stream().filter(node -> node.name().equals(consumerLeader)).findFirst()
            .orElseThrow(() -> new IllegalStateException("no node " + consumerLeader));
        out.printf("    killing %s (kill -9), the leader of the watcher's consumer; the deposit stream's leader: %s%n",
            consumerLeader, streamLeader);
        victim[0].kill();
      } else if (i == 2 * n / 3) {
        out.println("    restarting it");
        restarting.start(); // on a thread of its own: the senders go on meanwhile
      }
    }, retried, slowestDeposit, 180);
    // the CPU of the vault's server only: the killed node's process is replaced midway
    Tally[] tally = new Tally[1];
    String name = "pipeline " + Suites.DEFAULT.name() + " @" + config.rate() + "/s, a cluster node killed";
    Run r;
    try {
      r = splitPipeline(name, t, keys, load, () -> new CpuReading(serverPid, monitorPort), tally);
    } catch (IllegalStateException e) {
      // not every event handled within the wait: reported as such (a stall or a loss), not hidden
      out.println("    " + e.getMessage());
      r = new Run(name, tally[0].n, 0, Double.NaN, Double.NaN, new CpuReading(serverPid, monitorPort));
    }
    restarting.join(70_000);
    Thread.sleep(1_000); // an event handled twice would show by now
    NodeLoss loss = new NodeLoss(r, tally[0].latencies.percentileMillis(1.0), slowestDeposit.get() / 1e6,
        retried.get(), tally[0].handled.get() - tally[0].warm, n / keys.size() * keys.size());
    out.printf("    node loss: %,d of %,d events handled (each once), %,d deposits sent again; p99 %.2f ms, largest"
        + " delay %.0f ms (the longest a deposit waited to be stored: %.0f ms)%n", loss.handled(), loss.sent(),
        loss.retried(), r.p99Millis(), loss.maxDelayMillis(), loss.maxDepositMillis());
    return loss;
  }

  /**
   * What the session-open flood measured.
   *
   * @param connections connections that opened their sessions at once
   * @param openingsPerSecond sessions opened per second, from the flood's first deposit to its last handled event
   * @param otherP99Millis the p99 of the other connections' events sent while the flood was handled
   * @param otherP99BeforeMillis the same for their events of the two seconds before it
   * @param otherEvents how many of their events were sent while the flood was handled
   */
  record Flood(int connections, double openingsPerSecond, double otherP99Millis, double otherP99BeforeMillis,
      int otherEvents) {}

  /**
   * The session-open flood: ten connections send at a fixed rate (half the offered rate) through a
   * vault whose sessions with them are open; then {@code floodConnections} other connections of the
   * same vault (RSA-4096, each with its own wrapping key) deposit their first events at once, each
   * opening its session (an RSA-4096 key block). Those first envelopes are sealed before the clock
   * starts (with the {@code Sealer}, as an independent peer would), so that the two cores measure
   * the vault's openings, not the peers' signing.
   */
  private Flood flood(List<ConnectionKeys[]> steadyKeys, int floodConnections) throws Exception {
    Suite suite = Suites.DEFAULT;
    List<KeyCache.Encoded> wrapping = KeyCache.get(suite.wrap(), floodConnections, out);
    ensureRunVault();
    io.vettid.nats.auth.UserCredentials senders = senders(runVault.eventSpace());
    ConnectionKeys[] shared = steadyKeys.get(0); // the vault's signing key and the peers' keys, shared
    java.security.KeyPair signing = new java.security.KeyPair(shared[0].signingPublic().key(), shared[0].signing().key());
    ObjectNode payload = payload();
    int rate = Math.max(10, config.rate() / 2);
    java.util.concurrent.atomic.AtomicInteger openings = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicLong lastOpening = new java.util.concurrent.atomic.AtomicLong();
    Latencies steady = new Latencies(rate * 600);
    SendTimes sentAt = new SendTimes(rate * 600);
    io.vettid.runtime.service.EventService.Listener listener = st -> {
      if (st.outcome() != io.vettid.runtime.service.EventService.Outcome.HANDLED) {
        out.println("  unexpected outcome: " + st.outcome() + " " + st.reason() + " " + st.detail());
        return;
      }
      long t = sentAt.take(st.eventId());
      long now = System.nanoTime();
      if (t != 0) {
        steady.add(now - t, t);
      } else {
        openings.incrementAndGet();
        lastOpening.set(now);
      }
    };
    try (Connection senderNc = connect(senders)) {
      Sides sides = sides(suite, runGuid, steadyKeys.size(), senderNc, steadyKeys);
      List<byte[]> firsts = new ArrayList<>();
      List<String> subjects = new ArrayList<>();
      for (int i = 0; i < floodConnections; i++) {
        ConnectionId atVault = ConnectionId.of("f" + i);
        ConnectionKeys vaultKeys = ConnectionKeys.of(suite, signing, wrapping.get(i).decode(suite.wrap()));
        sides.vault().add(atVault, ConnectionId.of("fs" + i), "subscriber.sender.bench.queue.fs" + i, senderNc,
            vaultKeys, shared[1].signingPublic(), shared[1].wrappingPublic());
        String subject = Subjects.deposit(runGuid, "bench", atVault).value();
        io.vettid.api.InternalEvent first = io.vettid.api.InternalEvent.builder().type(TYPE).eventId(EventId.random())
            .connectionId(atVault).payload(payload).build();
        firsts.add(io.vettid.crypto.envelope.Sealer.builder(suite, shared[1].signing(), vaultKeys.wrappingPublic(),
            subject).build().seal(first).sealed());
        subjects.add(subject);
      }
      try (VettIdRuntime vault = VettIdRuntime.connect(runVault, serverOptions()).connections(sides.vault())
          .discoverHandlers(false).builtInHandlers(false).handler(new Sink()).listener(listener).start()) {
        long rev = vault.rules().orElseThrow().put(RULES);
        vault.rules().orElseThrow().awaitRevision(rev, Duration.ofSeconds(5));
        vault.watch(runGuid, "bench");
        Senders.sendAll(sides, 1, payload, null); // the ten connections open their sessions
        awaitCount(openings, steadyKeys.size(), "the ten connections' sessions");
        openings.set(0);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        long start = System.nanoTime();
        Thread other = new Thread(() -> {
          try {
            for (int i = 0; !stop.get(); i++) {
              Senders.pace(start, i, rate);
              Senders.send(sides, sides.senderIds().get(i % sides.senderIds().size()), payload, sentAt);
            }
          } catch (Exception e) {
            out.println("  the steady sender failed: " + e);
          }
        }, "bench-steady");
        other.start();
        Thread.sleep(2_000);
        long floodStart = System.nanoTime();
        io.nats.client.JetStream js = senderNc.jetStream();
        List<java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck>> acks = new ArrayList<>();
        for (int i = 0; i < floodConnections; i++) {
          acks.add(js.publishAsync(subjects.get(i), new io.nats.client.impl.Headers().put("Nats-Msg-Id",
              "flood-" + i + "-" + runGuid), firsts.get(i)));
        }
        for (var a : acks) {
          a.get(30, TimeUnit.SECONDS);
        }
        awaitCount(openings, floodConnections, "the flood's sessions");
        long floodEnd = lastOpening.get();
        Thread.sleep(500);
        stop.set(true);
        other.join(5_000);
        double[] during = steady.percentilesBetween(floodStart, floodEnd, 0.99);
        double[] before = steady.percentilesBetween(start, floodStart, 0.99);
        Flood f = new Flood(floodConnections, floodConnections / ((floodEnd - floodStart) / 1e9), during[0],
            before[0], (int) during[1]);
        out.printf("  session-open flood: %,d connections (%s) opened their sessions at %.0f/s across the cores;"
            + " the other ten connections' p99 at %d/s: %.2f ms during it (%d events), %.2f ms before it%n",
            floodConnections, suite.name(), f.openingsPerSecond(), rate, f.otherP99Millis(), f.otherEvents(),
            f.otherP99BeforeMillis());
        return f;
      }
    } finally {
      deleteStreams(runVault);
    }
  }

  private static void awaitCount(java.util.concurrent.atomic.AtomicInteger count, int n, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (count.get() < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + ": only " + count.get() + " of " + n + " handled");
      }
      Thread.sleep(2);
    }
  }

  /** The default pipeline with the vault's watcher on the remote deposit stream of the split topology. */
  private Run splitPipeline(String name, SplitTopology t, List<ConnectionKeys[]> keys, Load load,
      java.util.function.Supplier<CpuReading> cpu) throws Exception {
    return splitPipeline(name, t, keys, load, cpu, new Tally[1]);
  }

  /**
   * @param tallyOut receives the run's tally
   */
  private Run splitPipeline(String name, SplitTopology t, List<ConnectionKeys[]> keys, Load load,
      java.util.function.Supplier<CpuReading> cpu, Tally[] tallyOut) throws Exception {
    int warm = keys.size();
    Tally tally = new Tally(keys.size() * load.perConnection() + warm, warm, null, out);
    tallyOut[0] = tally;
    try (Connection senderNc = t.senders()) {
      Sides sides = sides(Suites.DEFAULT, t.guid(), keys.size(), senderNc, keys);
      try (VettIdRuntime vault = VettIdRuntime.connect(t.accounts(), serverOptions())
          .eventSpaceServer(t.external(), t.options(), t.replicas())
          .connections(sides.vault()).discoverHandlers(false).builtInHandlers(false)
          .handler(new Sink()).listener(tally).start()) {
        long rev = vault.rules().orElseThrow().put(RULES);
        vault.rules().orElseThrow().awaitRevision(rev, Duration.ofSeconds(5));
        return measured(name, vault, t.guid(), sides, tally, load, cpu);
      }
    } finally {
      // each run as a fresh vault, as in the single-server runs
      deleteStreams(t.deposits());
      deleteStreams(connect(t.accounts().issueOwner("bench-cleanup")));
    }
  }

  /**
   * What one pipeline run sends.
   *
   * @param perConnection measured events per connection
   * @param rate events per second offered, 0 for as fast as the senders go
   * @param warmRounds events per connection sent first, not measured
   * @param backlog whether every event is deposited before the watcher starts
   * @param payload each event's payload
   * @param beforeEvent called with each measured event's index before it is sent (paced runs)
   * @param retried when not null, a paced deposit that fails is sent again (same eventId) and counted here
   * @param slowestDeposit with {@code retried}: the longest wait of a deposit until it was stored, ns
   * @param waitSeconds how long to wait for every event to be handled once all are sent
   */
  private record Load(int perConnection, int rate, int warmRounds, boolean backlog, ObjectNode payload,
      java.util.function.IntConsumer beforeEvent, java.util.concurrent.atomic.AtomicInteger retried,
      java.util.concurrent.atomic.LongAccumulator slowestDeposit, int waitSeconds) {
    Load(int perConnection, int rate, int warmRounds, boolean backlog, ObjectNode payload) {
      this(perConnection, rate, warmRounds, backlog, payload, i -> { }, null, null, 600);
    }
  }

  /** Sends a run's events (after its warm-up) to a running vault and measures them. */
  private Run measured(String name, VettIdRuntime vault, Sides sides, Tally tally, Load load) throws Exception {
    return measured(name, vault, runGuid, sides, tally, load, () -> new CpuReading(serverPid, monitorPort));
  }

  /**
   * Sends a run's events to a running vault whose EventSpace {@code bench} is the subscriber's and
   * measures them, reading the CPU time of the servers the run uses.
   */
  private Run measured(String name, VettIdRuntime vault, String guid, Sides sides, Tally tally, Load load,
      java.util.function.Supplier<CpuReading> cpuNow) throws Exception {
    io.vettid.runtime.service.EventWatcher watcher = load.backlog() ? null : vault.watch(guid, "bench");
    if (tally.warm > 0) {
      long w0 = System.nanoTime();
      Senders.sendAll(sides, load.warmRounds(), load.payload(), null);
      if (!tally.warmed.await(600, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + ": only " + tally.handled.get() + " of " + tally.warm
            + " warm-up events handled");
      }
      out.printf("  %-56s %10.0f events/s (first event of each connection: opens its session)%n",
          name + ", session setup", tally.warm / ((System.nanoTime() - w0) / 1e9));
    }
    CpuReading cpu = cpuNow.get();
    long start = System.nanoTime();
    long forwards0 = watcher == null ? 0 : watcher.forwardMessages();
    long forwarded0 = watcher == null ? 0 : watcher.forwarded();
    if (load.backlog()) {
      watcher = vault.watch(guid, "bench");
    } else if (load.rate() > 0) {
      int i = 0;
      for (int round = 0; round < load.perConnection(); round++) {
        for (ConnectionId c : sides.senderIds()) {
          load.beforeEvent().accept(i);
          Senders.pace(start, i++, load.rate());
          if (load.retried() == null) {
            Senders.send(sides, c, load.payload(), tally.sentAt);
          } else {
            load.retried().addAndGet(Senders.sendRetrying(sides, c, load.payload(), tally.sentAt,
                load.slowestDeposit()));
          }
        }
      }
    } else {
      Senders.sendAll(sides, load.perConnection(), load.payload(), tally.sentAt);
    }
    int n = tally.n;
    if (!tally.done.await(load.waitSeconds(), TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + ": only " + tally.handled.get() + " of " + n + " handled");
    }
    Run r = new Run(name, n, n / ((tally.end - start) / 1e9), tally.latencies.percentileMillis(0.5),
        tally.latencies.percentileMillis(0.99), cpu);
    print(r);
    if (Boolean.getBoolean("bench.paced")) {
      tally.printPaced(name);
    }
    if (CpuReading.detail()) {
      out.println("    client CPU by thread, us/event:" + cpu.threadsPerEvent(n));
      out.println("    server traffic per event:" + cpu.serverTrafficPerEvent(n) + cpu.serverUserSysPerEvent(n));
      long messages = watcher.forwardMessages() - forwards0;
      out.printf("    watcher: %.1f events per forward message%n",
          (watcher.forwarded() - forwarded0) / (double) Math.max(1, messages));
    }
    return r;
  }

  /**
   * The soak: {@code total} events of 10 connections through one vault, sent as fast as it takes
   * them (at most 20,000 ahead); at each million the senders wait for the vault to catch up and the
   * vault's heap is read after GC. The handled-once records of finished events expire after the
   * runtime's horizon ({@code -Dbench.soak.horizon=PT10M}, the default; never less than the
   * duplicate window, 2 minutes, and four acknowledgement waits, {@code -Dbench.soak.ackWait=PT60S}
   * by default), so the heap grows until a horizon's worth of events is indexed and stays flat after
   * it. {@code -Dbench.soak.storage} sets the account's storage (1 GiB).
   */
  private void soak(long total) throws Exception {
    List<ConnectionKeys[]> keys = keys(Suites.DEFAULT, 10, false);
    runGuid = "g" + Long.toHexString(random.nextLong() >>> 8);
    long storage = Long.getLong("bench.soak.storage", 1L << 30); // the account's file storage, bytes
    runVault = io.vettid.nats.auth.VaultAccounts.create(operator, runGuid,
        new io.vettid.nats.auth.JetStreamLimits(64L << 20, storage, 64, 1024));
    try (Connection sys = connect(operator.systemUser())) {
      for (io.vettid.nats.auth.NatsAccount a : runVault.all()) {
        operator.push(sys, a);
      }
    }
    Duration horizon = Duration.parse(System.getProperty("bench.soak.horizon", "PT10M"));
    Duration ackWait = Duration.parse(System.getProperty("bench.soak.ackWait", "PT60S"));
    java.util.concurrent.atomic.AtomicLong handled = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicLong other = new java.util.concurrent.atomic.AtomicLong();
    io.vettid.nats.auth.UserCredentials senders = senders(runVault.eventSpace());
    ObjectNode payload = payload();
    try (Connection senderNc = connect(senders)) {
      Sides sides = sides(Suites.DEFAULT, runGuid, keys.size(), senderNc, keys);
      try (VettIdRuntime vault = VettIdRuntime.connect(runVault, serverOptions()).connections(sides.vault())
          .storageBytes(storage).handledOnceHorizon(horizon).ackWait(ackWait).discoverHandlers(false).builtInHandlers(false).handler(new Sink())
          .listener(s -> (s.outcome() == io.vettid.runtime.service.EventService.Outcome.HANDLED ? handled : other)
              .incrementAndGet()).start()) {
        long rev = vault.rules().orElseThrow().put(RULES);
        vault.rules().orElseThrow().awaitRevision(rev, Duration.ofSeconds(5));
        vault.watch(runGuid, "bench");
        Connection depositAccount = connect(runVault.issueWatcher("bench-soak-monitor"));
        Thread monitor = new Thread(() -> {
          try {
            while (!Thread.currentThread().isInterrupted()) {
              Thread.sleep(15_000);
              var st = depositAccount.jetStreamManagement().getStreamInfo(Subjects.depositStream(runGuid, "bench"))
                  .getStreamState();
              var c = vault.counters().snapshot();
              out.printf("    [%,d handled, %,d forwarded, %,d deferred, %,d quarantined; deposit stream %,d messages,"
                  + " seq %,d..%,d]%n", c.handled(), c.forwarded(), c.deferred(), c.quarantinedTotal(), st.getMsgCount(),
                  st.getFirstSequence(), st.getLastSequence());
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (Exception e) {
            out.println("    [monitor: " + e + "]");
          }
        }, "soak-monitor");
        monitor.setDaemon(true);
        monitor.start();
        // the runtime keeps at least the duplicate window (2 min) and four acknowledgement waits
        Duration effective = java.util.Collections.max(List.of(horizon, Duration.ofMinutes(2), ackWait.multipliedBy(4)));
        out.printf("soak: %,d events of 10 connections (%s), ~1 KiB each; handled-once horizon %s (asked %s);"
            + " acknowledgement wait %s; storage %d MiB (EventHandlers %d MiB); -Xmx %d MB%n", total,
            Suites.DEFAULT.name(), effective, horizon, ackWait,
            storage >> 20,
            io.vettid.nats.jetstream.JetStreamLayout.builder().storageBytes(storage).build().capOf("EventHandlers") >> 20,
            Runtime.getRuntime().maxMemory() >> 20);
        out.printf("  %12s %9s %12s %10s %12s%n", "handled", "seconds", "events/s", "heap MB", "not handled");
        long sent = 0;
        long refused = 0;
        long start = System.nanoTime();
        long lastMark = start;
        double first = 0;
        double heap = 0;
        while (sent < total) {
          long chunk = Math.min(1_000_000 - sent % 1_000_000, total - sent);
          for (long done = 0; done < chunk; done += 1_000) {
            while (sent - handled.get() - other.get() > 20_000) {
              Thread.sleep(2);
            }
            refused += soakSend(sides, 1_000, payload);
            sent += 1_000;
          }
          long target = sent;
          while (handled.get() + other.get() < target) {
            Thread.sleep(20);
          }
          long now = System.nanoTime();
          heap = heapNow();
          if (first == 0) {
            first = heap;
          }
          out.printf("  %,12d %9.0f %,12.0f %10.1f %,12d%n", handled.get(), (now - start) / 1e9,
              1_000_000 / ((now - lastMark) / 1e9), heap, other.get());
          lastMark = System.nanoTime();
        }
        out.printf("soak: heap after GC %.1f MB at the first million, %.1f MB at the end (%+.1f%%); %,d handled,"
            + " %,d not handled; %,d deposits refused by a full stream and sent again; %,d deferred by the vault%n",
            first, heap, 100 * (heap - first) / first, handled.get(), other.get(), refused,
            vault.counters().snapshot().deferred());
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("soak_events", handled.get() + other.get());
        figures.put("soak_heap_mb_first_million", Math.round(first * 10) / 10.0);
        figures.put("soak_heap_mb_end", Math.round(heap * 10) / 10.0);
        figures.put("soak_heap_drift", Math.round((heap - first) / first * 1000) / 1000.0);
        figures.put("soak_not_handled", other.get());
        Figures.merge(config.out(), figures);
        out.println("soak: wrote the soak_* figures to " + config.out().resolve("latest.json"));
        var quarantined = vault.counters().snapshot().quarantined();
        quarantined.forEach((reason, n) -> {
          if (n > 0) {
            out.printf("soak: quarantined %s: %,d%n", reason, n);
          }
        });
      }
    } finally {
      deleteStreams(runVault);
    }
  }

  /**
   * Sends {@code n} events round-robin over the connections, 256 in flight, as a peer would: a
   * deposit the stream refuses (a connection's share full until the vault's next purge) is sent
   * again after a pause.
   *
   * @return how many sends were refused and repeated
   */
  private static long soakSend(Sides sides, int n, ObjectNode payload) throws Exception {
    java.util.ArrayDeque<java.util.Map.Entry<ConnectionId, java.util.concurrent.CompletableFuture<Void>>> window =
        new java.util.ArrayDeque<>();
    List<ConnectionId> ids = sides.senderIds();
    long refused = 0;
    for (int i = 0; i < n || !window.isEmpty(); ) {
      if (i < n && window.size() < 256) {
        ConnectionId c = ids.get(i++ % ids.size());
        window.add(java.util.Map.entry(c, Senders.sendAsync(sides, c, payload, null)));
        continue;
      }
      var head = window.poll();
      try {
        head.getValue().get(30, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        if (refused++ % 10_000 == 0) {
          Throwable t = e;
          while (t.getCause() != null) {
            t = t.getCause();
          }
          System.out.println("  (a deposit refused and sent again: " + t.getMessage() + ")");
        }
        Thread.sleep(50);
        window.add(java.util.Map.entry(head.getKey(), Senders.sendAsync(sides, head.getKey(), payload, null)));
      }
    }
    return refused;
  }

  /** The heap in use after GC, with everything running. */
  private static double heapNow() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
  }

  /** The vault's heap after GC, with the runtime still up and the sender side dropped. */
  private double heapAfterGc(Sides sides) throws Exception {
    sides.senderRef().set(null); // the peers are elsewhere in real life
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    double mb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
    String histo = System.getProperty("bench.histo", "false");
    if (!histo.equals("false")) { // what the heap holds, for profiling ("all": every class, not only VettID's)
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(ProcessHandle.current().pid()), "GC.class_histogram").redirectErrorStream(true).start();
      new String(jcmd.getInputStream().readAllBytes()).lines()
          .filter(l -> histo.equals("all") || l.contains("vettid") || l.contains(" num "))
          .limit(40).forEach(out::println);
    }
    return mb;
  }

  record ScaleResult(int connections, Run run, double heapMb, double keygenSeconds) {}

  /** Many connections on one vault: each sends a few events; heap measured after GC. */
  private ScaleResult scale(Suite suite, int connections) throws Exception {
    long t0 = System.nanoTime();
    List<ConnectionKeys[]> keys = keys(suite, connections, true);
    double keygen = (System.nanoTime() - t0) / 1e9;
    String name = "pipeline " + connections + " connections (" + suite.name() + ")";
    double[] heap = new double[1];
    // a vault of its own, whose Connections bucket (6 % of the account's storage) holds every
    // connection's sealed record (about 19 KB with ML-KEM-768 + ML-DSA-65, and its kept sessions):
    // a vault with many connections is given the storage for them (35 GB for 100,000, reserved,
    // not used); its streams go with the run
    io.vettid.nats.auth.VaultAccounts shared = runVault;
    String sharedGuid = runGuid;
    runGuid = "g" + Long.toHexString(random.nextLong() >>> 8);
    runVault = vaultAccounts(runGuid, Math.max(1L << 30, connections * 21_000L * 100 / 6));
    try {
      Run r = pipelineMeasuringHeap(name, suite, keys, heap);
      return new ScaleResult(connections, r, heap[0], keygen);
    } finally {
      runVault = shared;
      runGuid = sharedGuid;
    }
  }

  private Run pipelineMeasuringHeap(String name, Suite suite, List<ConnectionKeys[]> keys, double[] heapMb)
      throws Exception {
    // profiling aid: -Dbench.scale.events=N sends N events per connection instead of the run's figure
    return pipeline(name, suite, keys, Integer.getInteger("bench.scale.events", config.scaleEvents()), 0, heapMb, 1);
  }
}
