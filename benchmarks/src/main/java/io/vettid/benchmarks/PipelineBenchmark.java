package io.vettid.benchmarks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.ConnectionId;
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
    ScaleResult sr = scale(Suites.MLKEM768_MLDSA65_V1);
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
    Rounds.Paired split = split(defaultKeys);
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
    ScaleResult scale = scale(fast);
    List<Run> all = new ArrayList<>(List.of(pair.raw(), rawPaced, split.raw(), split.pipeline()));
    all.addAll(runs);
    all.add(paced);
    all.add(vaultOnly);
    all.add(ten);
    all.add(scale.run());
    Figures f = new Figures(pair, split, runs.get(0), paced, ten, scale, setup, all);
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
    io.vettid.nats.auth.VaultAccounts accounts = io.vettid.nats.auth.VaultAccounts.create(operator, guid,
        io.vettid.nats.auth.JetStreamLimits.subscriberDefault());
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
    Connections vault = new Connections();
    Connections sender = new Connections();
    List<ConnectionId> ids = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      ConnectionKeys[] k = keys.get(i);
      ConnectionId atVault = ConnectionId.of("c" + i);
      ConnectionId atSender = ConnectionId.of("s" + i);
      vault.add(atVault, atSender, "subscriber.sender.bench.queue." + atSender.value(), senderNc, k[0],
          k[1].signingPublic(), k[1].wrappingPublic());
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
    if (runVault == null) {
      runGuid = "g" + Long.toHexString(random.nextLong() >>> 8);
      runVault = vaultAccounts(runGuid);
    }
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
    io.vettid.nats.auth.UserCredentials senders = sendersAccount.issueUser("bench-senders",
        new io.vettid.nats.auth.UserPermissions(List.of(Subjects.depositsOf(runGuid, "bench")), List.of("_INBOX.>")));
    io.vettid.nats.auth.UserCredentials watcherUser =
        oneAccount ? accounts.issueOwner("bench-one") : accounts.issueWatcher("bench");
    ObjectNode payload = payload();
    try (Connection senderNc = connect(senders); Connection depositAccount = connect(watcherUser)) {
      // each run is a fresh vault (fresh accounts): no handled-once records of earlier runs
      Sides sides = sides(suite, runGuid, keys.size(), senderNc, keys);
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
      try (VettIdRuntime vault = builder.connections(sides.vault()).discoverHandlers(false).builtInHandlers(false)
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
      deleteStreams(connect(accounts.issueWatcher("bench-cleanup")));
      deleteStreams(connect(accounts.issueOwner("bench-cleanup")));
    }
  }

  /** An event's payload: about 1 KiB of JSON. */
  private ObjectNode payload() {
    return JsonNodeFactory.instance.objectNode()
        .put("data", java.util.Base64.getEncoder().encodeToString(Arrays.copyOf(payloadBytes, 760)));
  }

  /**
   * The split topology, raw and the default pipeline measured in alternation: the vault's own
   * server is this benchmark's, its EventSpace is on an EventSpace server of its own ({@link
   * SplitTopology}), and raw JetStream relays between the same two processes.
   */
  private Rounds.Paired split(List<ConnectionKeys[]> keys) throws Exception {
    SplitTopology t;
    try (Connection sys = connect(operator.systemUser())) {
      t = SplitTopology.start(tmp.resolve("eventspace"), operator, sys);
    }
    try (t) {
      out.printf("split topology: the vault's own server %s; its EventSpace on an EventSpace server of its own, %s"
          + " (operator, TLS and encrypted store of its own)%n", url, String.join(",", t.urlsForPrinting()));
      java.util.function.Supplier<CpuReading> cpu = () -> new CpuReading(serverPid, monitorPort, t.process().pid());
      RawJetStream relayed = new RawJetStream(this::connect, payloadBytes, cpu, this::print, out);
      return rounds.paired("raw JetStream, relayed across the two servers",
          n -> relayed.relayed(n, config.events(), t::raw),
          "pipeline " + Suites.DEFAULT.name() + ", remote watcher",
          n -> splitPipeline(n, t, keys, config.events() / 10, cpu));
    }
  }

  /** The default pipeline with the vault's watcher on the remote deposit stream of the split topology. */
  private Run splitPipeline(String name, SplitTopology t, List<ConnectionKeys[]> keys, int perConnection,
      java.util.function.Supplier<CpuReading> cpu) throws Exception {
    int warm = keys.size();
    Tally tally = new Tally(keys.size() * perConnection + warm, warm, null, out);
    try (Connection senderNc = t.senders()) {
      Sides sides = sides(Suites.DEFAULT, t.guid(), keys.size(), senderNc, keys);
      try (VettIdRuntime vault = VettIdRuntime.connect(t.accounts(), serverOptions())
          .eventSpaceServer(t.external(), t.options(), t.replicas())
          .connections(sides.vault()).discoverHandlers(false).builtInHandlers(false)
          .handler(new Sink()).listener(tally).start()) {
        long rev = vault.rules().orElseThrow().put(RULES);
        vault.rules().orElseThrow().awaitRevision(rev, Duration.ofSeconds(5));
        return measured(name, vault, t.guid(), sides, tally, new Load(perConnection, 0, 1, false, payload()), cpu);
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
   */
  private record Load(int perConnection, int rate, int warmRounds, boolean backlog, ObjectNode payload) {}

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
          Senders.pace(start, i++, load.rate());
          Senders.send(sides, c, load.payload(), tally.sentAt);
        }
      }
    } else {
      Senders.sendAll(sides, load.perConnection(), load.payload(), tally.sentAt);
    }
    int n = tally.n;
    if (!tally.done.await(600, TimeUnit.SECONDS)) {
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
    io.vettid.nats.auth.UserCredentials senders = runVault.eventSpace().issueUser("bench-senders",
        new io.vettid.nats.auth.UserPermissions(List.of(Subjects.depositsOf(runGuid, "bench")), List.of("_INBOX.>")));
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
        var quarantined = vault.counters().snapshot().quarantined();
        quarantined.forEach((reason, n) -> {
          if (n > 0) {
            out.printf("soak: quarantined %s: %,d%n", reason, n);
          }
        });
      }
    } finally {
      deleteStreams(connect(runVault.issueWatcher("bench-cleanup")));
      deleteStreams(connect(runVault.issueOwner("bench-cleanup")));
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
    if (Boolean.getBoolean("bench.histo")) { // what the heap holds, for profiling
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(ProcessHandle.current().pid()), "GC.class_histogram").redirectErrorStream(true).start();
      new String(jcmd.getInputStream().readAllBytes()).lines().filter(l -> l.contains("vettid") || l.contains(" num "))
          .limit(40).forEach(out::println);
    }
    return mb;
  }

  record ScaleResult(Run run, double heapMb, double keygenSeconds) {}

  /** Many connections on one vault: each sends a few events; heap measured after GC. */
  private ScaleResult scale(Suite suite) throws Exception {
    long t0 = System.nanoTime();
    List<ConnectionKeys[]> keys = keys(suite, config.scaleConnections(), true);
    double keygen = (System.nanoTime() - t0) / 1e9;
    String name = "pipeline " + config.scaleConnections() + " connections (" + suite.name() + ")";
    double[] heap = new double[1];
    Run r = pipelineMeasuringHeap(name, suite, keys, heap);
    return new ScaleResult(r, heap[0], keygen);
  }

  private Run pipelineMeasuringHeap(String name, Suite suite, List<ConnectionKeys[]> keys, double[] heapMb)
      throws Exception {
    return pipeline(name, suite, keys, config.scaleEvents(), 0, heapMb, 1);
  }
}
