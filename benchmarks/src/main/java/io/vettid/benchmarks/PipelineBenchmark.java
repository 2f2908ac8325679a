package io.vettid.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
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
import io.vettid.runtime.service.EventService;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

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

  /** What to run. */
  record Config(boolean quick, int events, int rateEvents, int rate, int scaleConnections, int scaleEvents,
      List<Suite> suites, Path out) {
    static Config of(String[] args) {
      boolean quick = Arrays.asList(args).contains("--quick");
      Path out = Path.of("docs/benchmarks");
      for (int i = 0; i < args.length - 1; i++) {
        if (args[i].equals("--out")) {
          out = Path.of(args[i + 1]);
        }
      }
      Config c = quick
          ? new Config(true, 300, 200, 1000, 200, 2, List.of(Suites.DEFAULT), out)
          : new Config(false, 40_000, 10_000, 1000, 10_000, 3, Suites.all(), out);
      for (int i = 0; i < args.length - 1; i++) {
        if (args[i].equals("--events")) { // a custom size, for profiling
          int n = Integer.parseInt(args[i + 1]);
          c = new Config(c.quick(), n, n, c.rate(), c.scaleConnections(), c.scaleEvents(), List.of(Suites.DEFAULT), out);
        }
      }
      for (int i = 0; i < args.length - 1; i++) {
        if (args[i].equals("--rate")) { // another offered rate for the latency runs (10 s of events), for profiling
          int rate = Integer.parseInt(args[i + 1]);
          if (rate < 10 || rate > 100_000) {
            throw new IllegalArgumentException("--rate must be 10..100000, got " + rate);
          }
          c = new Config(c.quick(), c.events(), rate * 10, rate, c.scaleConnections(), c.scaleEvents(), c.suites(), out);
        }
      }
      return c;
    }
  }

  /** Latency samples in nanoseconds. */
  static final class Latencies {
    private final long[] samples;
    private final long[] sentAt;
    private final AtomicInteger n = new AtomicInteger();

    Latencies(int capacity) {
      samples = new long[capacity];
      sentAt = new long[capacity];
    }

    void add(long nanos) {
      add(nanos, 0);
    }

    /** One latency, and when its event was sent (System.nanoTime). */
    void add(long nanos, long sent) {
      int i = n.getAndIncrement();
      if (i < samples.length) {
        samples[i] = nanos;
        sentAt[i] = sent;
      }
    }

    /**
     * Writes one line per event, "sent-ms-since-first latency-ms sent-nanoTime", to a file in the
     * directory bench.latencyDir names, if it is set (a profiling aid: when the slow events came).
     */
    void dump(String name) throws java.io.IOException {
      String dir = System.getProperty("bench.latencyDir");
      if (dir == null) {
        return;
      }
      int count = Math.min(n.get(), samples.length);
      long first = Long.MAX_VALUE;
      for (int i = 0; i < count; i++) {
        first = Math.min(first, sentAt[i]);
      }
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < count; i++) {
        b.append(String.format("%.3f %.3f %d%n", (sentAt[i] - first) / 1e6, samples[i] / 1e6, sentAt[i]));
      }
      java.nio.file.Files.writeString(Path.of(dir, name.replaceAll("[^A-Za-z0-9]+", "_") + ".tsv"), b);
    }

    double percentileMillis(double p) {
      long[] s = Arrays.copyOf(samples, Math.min(n.get(), samples.length));
      if (s.length == 0) {
        return Double.NaN;
      }
      Arrays.sort(s);
      return s[(int) Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] / 1e6;
    }
  }

  /**
   * One measured run.
   *
   * @param serverMicros nats-server CPU time per event, in microseconds (NaN when not measured)
   * @param clientMicros this JVM's CPU time per event (senders and vault together), in microseconds
   */
  record Run(String name, int events, double eventsPerSecond, double p50Millis, double p99Millis,
      double serverMicros, double clientMicros, double jitMicros) {
    Run(String name, int events, double eventsPerSecond, double p50Millis, double p99Millis, Cpu from) {
      this(name, events, eventsPerSecond, p50Millis, p99Millis, from.serverMicrosPerEvent(events),
          from.clientMicrosPerEvent(events), from.jitMicrosPerEvent(events));
    }

    Run named(String newName) {
      return new Run(newName, events, eventsPerSecond, p50Millis, p99Millis, serverMicros, clientMicros, jitMicros);
    }
  }

  /** One repetition of a throughput run. */
  @FunctionalInterface
  interface Repetition {
    Run run(String name) throws Exception;
  }

  /**
   * A throughput run in the steady state, as JMH measures: repeated unreported until the JIT
   * compiler's time during a repetition is below 2 us per event (at most 8 repetitions: JIT
   * compilation shares the two cores with the run, and cost up to half of a run's CPU when it was
   * measured after a fixed warm-up), then measured three times; the median by throughput is
   * reported.
   */
  private Run steady(String name, Repetition once) throws Exception {
    warm(name, once);
    int reps = config.quick() ? 1 : 3;
    List<Run> measured = new ArrayList<>();
    for (int i = 1; i <= reps; i++) {
      measured.add(once.run(name + (reps > 1 ? " (" + i + "/" + reps + ")" : "")));
    }
    return median(measured).named(name);
  }

  /** Raw JetStream and the default pipeline, measured in alternation. */
  record Paired(Run raw, Run pipeline, double ratio) {}

  /**
   * Raw JetStream and the pipeline, each warmed as {@link #steady} warms, then measured in
   * alternation (raw, pipeline, raw, pipeline...) seven times. The throughputs reported are each
   * side's median; the ratio reported is the median of the seven rounds' ratios. This VM's speed
   * drifts by a quarter or more within a minute (every thread's CPU per event, the server's too,
   * moves together), so runs of the two that are minutes apart compare the machine's moods, not
   * the two paths; a round's two runs, seconds apart, mostly do not. Each round's ratio is printed,
   * and the ratio of the medians too.
   */
  private Paired paired(String rawName, Repetition raw, String pipelineName, Repetition pipeline) throws Exception {
    warm(rawName, raw);
    warm(pipelineName, pipeline);
    int reps = config.quick() ? 1 : 7;
    List<Run> raws = new ArrayList<>();
    List<Run> pipelines = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    for (int i = 1; i <= reps; i++) {
      String of = reps > 1 ? " (" + i + "/" + reps + ")" : "";
      Run r = raw.run(rawName + of);
      Run p = pipeline.run(pipelineName + of);
      raws.add(r);
      pipelines.add(p);
      ratios.add(p.eventsPerSecond() / r.eventsPerSecond());
    }
    StringBuilder each = new StringBuilder();
    ratios.forEach(x -> each.append(String.format(" %.3f", x)));
    List<Double> sorted = new ArrayList<>(ratios);
    java.util.Collections.sort(sorted);
    double ratio = sorted.get(sorted.size() / 2);
    Run medianRaw = median(raws).named(rawName);
    Run medianPipeline = median(pipelines).named(pipelineName);
    out.printf("  ratio in each round:%s; median %.3f (the ratio of the medians: %.3f)%n", each, ratio,
        medianPipeline.eventsPerSecond() / medianRaw.eventsPerSecond());
    return new Paired(medianRaw, medianPipeline, ratio);
  }

  private void warm(String name, Repetition once) throws Exception {
    int warm = config.quick() ? 1 : 8;
    for (int i = 1; i <= warm; i++) {
      Run w = once.run("warm-up " + i + " " + name);
      if (!config.quick() && i >= 2 && w.jitMicros() < 2.0) {
        break;
      }
    }
  }

  private static Run median(List<Run> runs) {
    List<Run> sorted = new ArrayList<>(runs);
    sorted.sort(java.util.Comparator.comparingDouble(Run::eventsPerSecond));
    return sorted.get(sorted.size() / 2);
  }

  /** CPU time of the server process and of this JVM, read at the start of a measured run. */
  final class Cpu {
    private final long server = serverCpuNanos();
    private final long client = clientCpuNanos();
    private final Map<String, Long> threads = threadCpuNanos();
    private final long jit = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    private final long[] varz = detail() ? varz() : null;
    private final long[] userSys = detail() ? userSys() : null;

    /** The server's user and system CPU per event, from /proc (bench.core). */
    String serverUserSysPerEvent(int events) {
      long[] now = userSys();
      double tick = 1e6 / 100; // microseconds per clock tick (USER_HZ 100)
      return String.format(" user=%.1f sys=%.1f us/event", (now[0] - userSys[0]) * tick / events,
          (now[1] - userSys[1]) * tick / events);
    }

    /** The server's message and byte counts per event since this account began (bench.core). */
    String serverTrafficPerEvent(int events) {
      long[] now = varz();
      return String.format(" in_msgs=%.2f out_msgs=%.2f in_bytes=%.0f out_bytes=%.0f",
          (now[0] - varz[0]) / (double) events, (now[1] - varz[1]) / (double) events,
          (now[2] - varz[2]) / (double) events, (now[3] - varz[3]) / (double) events);
    }

    /** This JVM's CPU per event by thread group (senders, watcher, services, NATS I/O...), in microseconds. */
    String threadsPerEvent(int events) {
      Map<String, Long> now = threadCpuNanos();
      StringBuilder b = new StringBuilder();
      now.forEach((k, v) -> {
        double us = (v - threads.getOrDefault(k, 0L)) / 1e3 / events;
        if (us >= 0.5) {
          b.append(String.format(" %s=%.1f", k, us));
        }
      });
      return b.toString();
    }

    double serverMicrosPerEvent(int events) {
      long now = serverCpuNanos();
      return server < 0 || now < 0 ? Double.NaN : (now - server) / 1e3 / events;
    }

    double clientMicrosPerEvent(int events) {
      return (clientCpuNanos() - client) / 1e3 / events;
    }

    double jitMicrosPerEvent(int events) {
      return (ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit) * 1e3 / events;
    }
  }

  private int monitorPort;

  /** in_msgs, out_msgs, in_bytes, out_bytes from the server's /varz. */
  private long[] varz() {
    try {
      var client = java.net.http.HttpClient.newHttpClient();
      String body = client.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + monitorPort + "/varz")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
      return new long[] {n.path("in_msgs").asLong(), n.path("out_msgs").asLong(), n.path("in_bytes").asLong(),
          n.path("out_bytes").asLong()};
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private long[] userSys() {
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc/" + serverPid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    } catch (java.io.IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  private long serverCpuNanos() {
    return serverPid <= 0 ? -1 : ProcessHandle.of(serverPid).flatMap(h -> h.info().totalCpuDuration())
        .map(Duration::toNanos).orElse(-1L);
  }

  private static Map<String, Long> threadCpuNanos() {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> byGroup = new java.util.TreeMap<>();
    byGroup.put("senders(ended)", SENDER_CPU.get());
    long gcMillis = 0;
    for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcMillis += Math.max(0, gc.getCollectionTime());
    }
    byGroup.put("gc-pauses(wall)", gcMillis * 1_000_000);
    byGroup.put("jit(wall)", ManagementFactory.getCompilationMXBean().getTotalCompilationTime() * 1_000_000);
    for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      long cpu = mx.getThreadCpuTime(t.getThreadId());
      if (cpu > 0) {
        byGroup.merge(t.getThreadName().replaceAll("[0-9]+", "N"), cpu, Long::sum);
      }
    }
    return byGroup;
  }

  private static long clientCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private final Config config;
  private final PrintStream out;
  private final SecureRandom random = new SecureRandom();
  private final byte[] payloadBytes = new byte[PAYLOAD];
  private String url;
  private long serverPid;
  private TlsMaterial tls;
  /** The server runs in operator mode: raw runs in an account of their own, each pipeline run in a fresh vault's accounts. */
  private io.vettid.nats.auth.NatsOperator operator;
  private io.vettid.nats.auth.UserCredentials rawUser;

  PipelineBenchmark(Config config, PrintStream out) {
    this.config = config;
    this.out = out;
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
    Map<String, Object> report = new PipelineBenchmark(Config.of(args), System.out).run();
    System.out.println("wrote " + report.get("_files"));
  }

  Map<String, Object> run() throws Exception {
    Path tmp = Files.createTempDirectory("vettid-bench-");
    tls = TlsMaterial.generate(tmp, List.of("localhost"), List.of("127.0.0.1"));
    char[] key = NatsServerConfig.randomStoreKey();
    Map<String, Object> report = new LinkedHashMap<>();
    operator = io.vettid.nats.auth.NatsOperator.create("vettid-bench");
    io.vettid.nats.auth.NatsAccount rawAccount = operator.createAccount("raw", io.vettid.nats.auth.JetStreamLimits.subscriberDefault());
    rawUser = rawAccount.issueUser("raw", io.vettid.nats.auth.UserPermissions.ACCOUNT_OWNER);
    try (NatsServer server = NatsServer.start(NatsServerConfig.builder().serverName("vettid-bench")
        .jetStreamEncryption(NatsServerConfig.Cipher.valueOf(System.getProperty("bench.cipher", "CHACHAPOLY")), key)
        .tls(tls.serverTls(false))
        // operator mode as every VettID server; raw JetStream in an account of its own
        .extraConfig(operator.serverConfig(io.vettid.nats.auth.NatsOperator.ServerRole.EVENTSPACE_SERVER,
            Files.createDirectories(tmp.resolve("jwt")), List.of(rawAccount))
            // profiling aid: the server's Go profiler on loopback (curl .../debug/pprof/profile?seconds=N)
            + (Integer.getInteger("bench.profPort", 0) > 0 ? "prof_port: " + Integer.getInteger("bench.profPort") + "\n" : ""))
        .build())) {
      Arrays.fill(key, '\0');
      url = server.clientUrl();
      serverPid = server.pid();
      monitorPort = server.monitorPort();
      out.printf("nats-server %s (TLS, JetStream file storage encrypted at rest); %d cores, JDK %s; %s mode%n",
          url, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
          config.quick() ? "quick" : "full");

      if (Boolean.getBoolean("bench.scale")) { // profiling aid: the 10,000-connection run only, nothing written
        if (Boolean.getBoolean("bench.scale.after")) {
          List<ConnectionKeys[]> k = keys(Suites.DEFAULT, 10, false);
          steady("pipeline " + Suites.DEFAULT.name(), n -> pipeline(n, Suites.DEFAULT, k, config.events() / 10, 0, null, 1));
        }
        ScaleResult sr = scale(Suites.MLKEM768_MLDSA65_V1);
        out.printf("heap after GC %.1f MB%n", sr.heapMb());
        return report;
      }
      List<ConnectionKeys[]> defaultKeys = keys(Suites.DEFAULT, 10, false);
      if (Boolean.getBoolean("bench.paced")) { // profiling aid: the latency runs only, nothing written
        warm("pipeline " + Suites.DEFAULT.name(), n -> pipeline(n, Suites.DEFAULT, defaultKeys, config.events() / 10, 0,
            null, 1));
        raw("raw JetStream @" + config.rate() + "/s", config.rateEvents(), config.rate());
        for (int i = 1; i <= 3; i++) {
          paced("pipeline " + Suites.DEFAULT.name() + " @" + config.rate() + "/s (" + i + "/3)", Suites.DEFAULT,
              defaultKeys);
        }
        return report;
      }
      Paired pair = paired("raw JetStream", n -> raw(n, config.events(), 0), "pipeline " + Suites.DEFAULT.name(),
          n -> pipeline(n, Suites.DEFAULT, defaultKeys, config.events() / 10, 0, null, 1));
      Run raw = pair.raw();
      if (Boolean.getBoolean("bench.core")) { // profiling aid: the throughput runs only, nothing written
        Run p = pair.pipeline();
        pipeline("vault only " + Suites.DEFAULT.name() + " (deposits queued first)", Suites.DEFAULT,
            defaultKeys, config.events() / 10, 0, null, 0, true);
        out.printf("throughput ratio: %.3f%n", pair.ratio());
        return report;
      }
      Run rawPaced = raw("raw JetStream @" + config.rate() + "/s", config.rateEvents(), config.rate());
      List<Run> runs = new ArrayList<>();
      Map<String, Double> setup = new LinkedHashMap<>();
      Run first = null;
      Run paced = null;
      Run vaultOnly = null;
      for (Suite suite : config.suites()) {
        // steady state, as the scale runs: each connection's first event opens its session (one
        // asymmetric key block) before the clock starts; that phase is printed as session setup
        List<ConnectionKeys[]> suiteKeys = suite == Suites.DEFAULT ? defaultKeys
            : keys(suite, 10, suite != Suites.ELGAMAL3072_RSA4096_V1);
        Run r = suite == Suites.DEFAULT ? pair.pipeline()
            : steady("pipeline " + suite.name(), n -> pipeline(n, suite, suiteKeys, config.events() / 10, 0, null, 1));
        runs.add(r);
        if (first == null) {
          first = r;
          vaultOnly = pipeline("vault only " + suite.name() + " (deposits queued first)", suite,
              suiteKeys, config.events() / 10, 0, null, 0, true);
          paced = paced("pipeline " + suite.name() + " @" + config.rate() + "/s", suite, suiteKeys);
        }
      }
      // connection setup last: a key pool's background key generation (RSA-4096 takes seconds) must
      // not share the cores with a throughput run
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
      Suite fast = Suites.MLKEM768_MLDSA65_V1;
      Run ten = pipeline("pipeline 10 connections (" + fast.name() + ")", fast, keys(fast, 10, true),
          config.scaleConnections() * config.scaleEvents() / 10, 0, null, 1);
      ScaleResult scale = scale(fast);

      out.println();
      out.printf("%-58s %8s %12s %9s %9s %12s %12s%n", "run", "events", "events/s", "p50 ms", "p99 ms",
          "server us/ev", "client us/ev");
      List<Run> all = new ArrayList<>(List.of(raw, rawPaced));
      all.addAll(runs);
      all.add(paced);
      all.add(vaultOnly);
      all.add(ten);
      all.add(scale.run());
      for (Run r : all) {
        out.printf("%-58s %8d %12.0f %9.2f %9.2f %12.1f %12.1f%n", r.name(), r.events(), r.eventsPerSecond(),
            r.p50Millis(), r.p99Millis(), r.serverMicros(), r.clientMicros());
      }
      double ratio = pair.ratio(); // the median of the paired rounds' ratios
      out.printf("%nthroughput ratio pipeline (%s) / raw: %.3f (goal >= 0.5)%n", first.name(), ratio);
      out.printf("at %d events/s offered: p50 %.2f ms (goal <= 2), p99 %.2f ms (goal <= 10)%n", config.rate(),
          paced.p50Millis(), paced.p99Millis());
      out.printf("%d connections: heap after GC %.1f MB (goal <= 256); throughput %.0f/s = %.2f x the 10-connection"
          + " figure (goal >= 0.8); key generation for them %.1f s (%s, both sides)%n", config.scaleConnections(),
          scale.heapMb(), scale.run().eventsPerSecond(), scale.run().eventsPerSecond() / ten.eventsPerSecond(),
          scale.keygenSeconds(), fast.name());
      out.println("connection setup (both key pairs of one side), ms: " + setup);

      report.put("raw_events_per_s", round(raw.eventsPerSecond()));
      report.put("pipeline_events_per_s", round(first.eventsPerSecond()));
      report.put("throughput_ratio", Math.round(ratio * 1000) / 1000.0);
      report.put("p50_ms", Math.round(paced.p50Millis() * 100) / 100.0);
      report.put("p99_ms", Math.round(paced.p99Millis() * 100) / 100.0);
      report.put("offered_rate_per_s", config.rate());
      report.put("heap_mb_10k_connections", Math.round(scale.heapMb() * 10) / 10.0);
      report.put("scale_connections", config.scaleConnections());
      report.put("scale_throughput_ratio", Math.round(scale.run().eventsPerSecond() / ten.eventsPerSecond() * 100)
          / 100.0);
      report.put("scale_keygen_s", Math.round(scale.keygenSeconds() * 10) / 10.0);
      report.put("connection_setup_ms", setup);
      Map<String, Object> runTable = new LinkedHashMap<>();
      for (Run r : all) {
        runTable.put(r.name(), Map.of("events", r.events(), "events_per_s", round(r.eventsPerSecond()),
            "p50_ms", Math.round(r.p50Millis() * 100) / 100.0, "p99_ms", Math.round(r.p99Millis() * 100) / 100.0,
            "server_cpu_us_per_event", Math.round(r.serverMicros() * 10) / 10.0,
            "client_cpu_us_per_event", Math.round(r.clientMicros() * 10) / 10.0));
      }
      report.put("runs", runTable);
      report.put("mode", config.quick() ? "quick" : "full");
      report.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
          "jdk", System.getProperty("java.version"), "os", System.getProperty("os.name") + " "
              + System.getProperty("os.arch")));
      Files.createDirectories(config.out());
      Path json = config.out().resolve(config.quick() ? "latest-quick.json" : "latest.json");
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), report);
      Path png = config.out().resolve(config.quick() ? "pipeline-quick.png" : "pipeline.png");
      Chart.write(png, all);
      report.put("_files", List.of(json.toString(), png.toString()));
      return report;
    } finally {
      try (var walk = Files.walk(tmp)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static long round(double v) {
    return Math.round(v);
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
    String stream = "BenchRaw" + System.nanoTime() % 100000;
    try (Connection pub = connect(); Connection sub = connect()) {
      pub.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(stream + ".In")
          .storageType(StorageType.File).build());
      JetStream js = pub.jetStream();
      JetStreamSubscription s = sub.jetStream().subscribe(stream + ".In",
          PullSubscribeOptions.builder().durable("bench").build());
      Latencies lat = new Latencies(n);
      CountDownLatch done = new CountDownLatch(1);
      long[] end = new long[1];
      Thread consumer = new Thread(() -> {
        // a reader keeps pull requests outstanding, as the vault's watcher and services do
        io.nats.client.JetStreamReader reader = s.reader(256, 64);
        int got = 0;
        try {
          while (got < n) {
            Message m = reader.nextMessage(Duration.ofMillis(500));
            if (m == null) {
              continue;
            }
            lat.add(System.nanoTime() - Long.parseLong(m.getHeaders().getFirst("t")));
            m.ack();
            got++;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } finally {
          reader.stop();
        }
        end[0] = System.nanoTime();
        done.countDown();
      });
      consumer.start();
      Cpu cpu = new Cpu();
      long start = System.nanoTime();
      if (rate > 0) {
        List<CompletableFuture<PublishAck>> inflight = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          pace(start, i, rate);
          inflight.add(js.publishAsync(stream + ".In", new Headers().put("t", Long.toString(System.nanoTime())),
              payloadBytes));
        }
        for (CompletableFuture<PublishAck> f : inflight) {
          f.get(10, TimeUnit.SECONDS);
        }
      } else {
        // the same senders as the pipeline's: 4 threads, each with a window of 256 publishes in flight
        onThreads(4, t -> {
          Window window = new Window();
          for (int i = 0; i < n / 4 + (t < n % 4 ? 1 : 0); i++) {
            window.add(js.publishAsync(stream + ".In", new Headers().put("t", Long.toString(System.nanoTime())),
                payloadBytes));
          }
          window.drain();
        });
      }
      if (!done.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + ": not all messages arrived");
      }
      Run r = new Run(name, n, n / ((end[0] - start) / 1e9), lat.percentileMillis(0.5), lat.percentileMillis(0.99), cpu);
      pub.jetStreamManagement().deleteStream(stream);
      print(r);
      if (detail()) {
        out.println("    client CPU by thread, us/event:" + cpu.threadsPerEvent(n));
        out.println("    server traffic per event:" + cpu.serverTrafficPerEvent(n) + cpu.serverUserSysPerEvent(n));
      }
      return r;
    }
  }

  /** Whether the runs print their CPU by thread and the server's traffic (the profiling aids core and paced). */
  private static boolean detail() {
    return Boolean.getBoolean("bench.core") || Boolean.getBoolean("bench.paced");
  }

  private void print(Run r) {
    out.printf("  %-56s %10.0f events/s   CPU per event: server %6.1f us, client %6.1f us (JIT %.1f)%n", r.name(),
        r.eventsPerSecond(), r.serverMicros(), r.clientMicros(), r.jitMicros());
  }

  private static void pace(long start, int i, int rate) {
    if (rate <= 0) {
      return;
    }
    long due = start + (long) (i * (1e9 / rate));
    long wait = due - System.nanoTime();
    if (wait > 0) {
      LockSupport.parkNanos(wait);
    }
  }

  /** A handler that finishes at once: the pipeline's own cost is what is measured. */
  static final class Sink implements EventHandlerFactory {
    @Override
    public String name() {
      return "bench";
    }

    @Override
    public Set<EventType> eventTypes() {
      return Set.of(TYPE);
    }

    @Override
    public EventHandler create(EventHandlerContext ctx) {
      return event -> ctx.finish();
    }
  }

  /** The two sides of a benchmark vault: its connections and a sender holding the peers' ends. */
  record Sides(Connections vault, java.util.concurrent.atomic.AtomicReference<Connections> senderRef,
      List<ConnectionId> senderIds) {
    Connections sender() {
      return senderRef.get();
    }
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
    String guid = runGuid;
    int warm = keys.size() * warmRounds;
    int n = keys.size() * perConnection + warm;
    CountDownLatch warmed = new CountDownLatch(1);
    Latencies lat = new Latencies(n);
    SendTimes sentAt = new SendTimes(n);
    AtomicInteger handled = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    long[] end = new long[1];
    io.vettid.nats.auth.VaultAccounts accounts = runVault;
    Stages stages = Boolean.getBoolean("bench.stages") && rate > 0
        ? new Stages(n, connect(accounts.issueOwner("stages"))) : null;
    EventService.Listener listener = s -> {
      if (s.outcome() == EventService.Outcome.HANDLED) {
        long t = sentAt.take(s.eventId());
        if (t != 0) {
          long now = System.nanoTime();
          lat.add(now - t, t);
          if (stages != null) {
            stages.handled(s.eventId(), now, t);
          }
        }
        int h = handled.incrementAndGet();
        if (h == warm) {
          warmed.countDown();
        }
        if (h == n) {
          end[0] = System.nanoTime();
          done.countDown();
        }
      } else {
        out.println("  unexpected outcome: " + s.outcome() + " " + s.reason() + " " + s.detail());
      }
    };
    // the peers' side: one user of the vault's EventSpace account deposits for every connection
    // (bench.direct: a user of the deposit account, skipping the service import, to measure its cost)
    // (bench.oneAccount: everything in the vault's account, the shape before the trust-zone split)
    boolean oneAccount = Boolean.getBoolean("bench.oneAccount");
    io.vettid.nats.auth.NatsAccount sendersAccount = oneAccount ? accounts.vault()
        : Boolean.getBoolean("bench.direct") ? accounts.deposits() : accounts.eventSpace();
    io.vettid.nats.auth.UserCredentials senders = sendersAccount.issueUser("bench-senders",
        new io.vettid.nats.auth.UserPermissions(List.of(Subjects.depositsOf(guid, "bench")), List.of("_INBOX.>")));
    io.vettid.nats.auth.UserCredentials watcherUser =
        oneAccount ? accounts.issueOwner("bench-one") : accounts.issueWatcher("bench");
    try (Connection senderNc = connect(senders); Connection depositAccount = connect(watcherUser)) {
      // each run is a fresh vault (fresh accounts): no handled-once records of earlier runs
      Sides sides = sides(suite, guid, keys.size(), senderNc, keys);
      if (heapMb != null) {
        keys.clear(); // from here the vault's connections hold their keys; the sender holds the peers'
      }
      if (backlog) {
        io.vettid.nats.jetstream.JetStreamLayout.builder().build().ensureEventSpace(depositAccount, guid, "bench");
        ObjectNode p = JsonNodeFactory.instance.objectNode()
            .put("data", java.util.Base64.getEncoder().encodeToString(Arrays.copyOf(payloadBytes, 760)));
        sendAll(sides, perConnection, p, null);
      }
      try {
        VettIdRuntimeBuilder builder = oneAccount
            ? VettIdRuntime.connect(serverOptions().authHandler(watcherUser.authHandler()))
                .eventSpaceNats(serverOptions().authHandler(watcherUser.authHandler()),
                    serverOptions().authHandler(watcherUser.authHandler()))
                .account(accounts.apps()).storageBytes(accounts.vault().limits().diskBytes())
            : VettIdRuntime.connect(accounts, serverOptions());
        try (VettIdRuntime vault = builder
            .connections(sides.vault()).discoverHandlers(false).builtInHandlers(false).handler(new Sink())
            .listener(listener).start()) {
          long rev = vault.rules().orElseThrow().put(RULES);
          vault.rules().orElseThrow().awaitRevision(rev, Duration.ofSeconds(5));
          io.vettid.runtime.service.EventWatcher[] watcher = new io.vettid.runtime.service.EventWatcher[1];
          if (!backlog) {
            watcher[0] = vault.watch(guid, "bench");
          }
          ObjectNode payload = JsonNodeFactory.instance.objectNode()
              .put("data", java.util.Base64.getEncoder().encodeToString(Arrays.copyOf(payloadBytes, 760))); // ~1 KiB JSON
          if (warm > 0) {
            long w0 = System.nanoTime();
            sendAll(sides, warmRounds, payload, null);
            if (!warmed.await(600, TimeUnit.SECONDS)) {
              throw new IllegalStateException(name + ": only " + handled.get() + " of " + warm + " warm-up events handled");
            }
            out.printf("  %-56s %10.0f events/s (first event of each connection: opens its session)%n",
                name + ", session setup", warm / ((System.nanoTime() - w0) / 1e9));
          }
          Cpu cpu = new Cpu();
          long start = System.nanoTime();
          long forwards0 = watcher[0] == null ? 0 : watcher[0].forwardMessages();
          long forwarded0 = watcher[0] == null ? 0 : watcher[0].forwarded();
          if (backlog) {
            watcher[0] = vault.watch(guid, "bench");
          } else if (rate > 0) {
            int i = 0;
            for (int round = 0; round < perConnection; round++) {
              for (ConnectionId c : sides.senderIds()) {
                pace(start, i++, rate);
                send(sides, c, payload, sentAt);
              }
            }
          } else {
            sendAll(sides, perConnection, payload, sentAt);
          }
          if (!done.await(600, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + ": only " + handled.get() + " of " + n + " handled");
          }
          Run r = new Run(name, n, n / ((end[0] - start) / 1e9), lat.percentileMillis(0.5), lat.percentileMillis(0.99),
              cpu);
          print(r);
          if (Boolean.getBoolean("bench.paced")) {
            out.printf("    p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n", lat.percentileMillis(0.5),
                lat.percentileMillis(0.99), lat.percentileMillis(0.999), lat.percentileMillis(1.0));
            lat.dump(name);
            if (stages != null) {
              stages.print();
              stages.close();
            }
          }
          if (detail()) {
            out.println("    client CPU by thread, us/event:" + cpu.threadsPerEvent(n));
            out.println("    server traffic per event:" + cpu.serverTrafficPerEvent(n) + cpu.serverUserSysPerEvent(n));
            long messages = watcher[0].forwardMessages() - forwards0;
            out.printf("    watcher: %.1f events per forward message%n",
                (watcher[0].forwarded() - forwarded0) / (double) Math.max(1, messages));
          }
          if (heapMb != null) {
            sides.senderRef().set(null); // the peers are elsewhere in real life
            for (int i = 0; i < 3; i++) {
              System.gc();
              Thread.sleep(200);
            }
            heapMb[0] = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
            if (Boolean.getBoolean("bench.histo")) { // what the heap holds, for profiling
              Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  Long.toString(ProcessHandle.current().pid()), "GC.class_histogram").redirectErrorStream(true).start();
              new String(jcmd.getInputStream().readAllBytes()).lines().filter(l -> l.contains("vettid") || l.contains(" num ")).limit(40).forEach(out::println);
            }
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
  }

  /** Senders in parallel (as many peers are), each over its share of the connections. */
  private static void sendAll(Sides sides, int rounds, ObjectNode payload, SendTimes sentAt)
      throws InterruptedException {
    int threads = Math.min(4, sides.senderIds().size());
    onThreads(threads, first -> {
      Window window = new Window();
      for (int round = 0; round < rounds; round++) {
        for (int c = first; c < sides.senderIds().size(); c += threads) {
          window.add(sendAsync(sides, sides.senderIds().get(c), payload, sentAt));
        }
      }
      window.drain();
    });
  }

  /** One sender thread's work. */
  @FunctionalInterface
  private interface Sender {
    void run(int thread) throws Exception;
  }

  /** The CPU time of sender threads that ended (publishers and senders), in nanoseconds. */
  static final java.util.concurrent.atomic.AtomicLong SENDER_CPU = new java.util.concurrent.atomic.AtomicLong();

  /** Runs a sender on each of {@code threads} threads and waits for all. */
  private static void onThreads(int threads, Sender sender) throws InterruptedException {
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread th = new Thread(() -> {
        try {
          sender.run(index);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        } finally {
          SENDER_CPU.addAndGet(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime());
        }
      }, "bench-sender-" + t);
      th.start();
      all.add(th);
    }
    for (Thread th : all) {
      th.join();
    }
  }

  /** A sender's window: at most 256 asynchronous sends in flight, as a busy peer keeps. */
  private static final class Window {
    private final java.util.ArrayDeque<CompletableFuture<?>> inFlight = new java.util.ArrayDeque<>();

    void add(CompletableFuture<?> f) throws Exception {
      inFlight.add(f);
      if (inFlight.size() >= 256) {
        inFlight.poll().get(30, TimeUnit.SECONDS);
      }
    }

    void drain() throws Exception {
      for (CompletableFuture<?> f : inFlight) {
        f.get(30, TimeUnit.SECONDS);
      }
      inFlight.clear();
    }
  }

  private static CompletableFuture<Void> sendAsync(Sides sides, ConnectionId c, ObjectNode payload,
      SendTimes sentAt) {
    EventId id = sentAt != null ? sentAt.stamp() : EventId.random();
    return sides.sender().sendAsync(c, TYPE, id, payload, "b-" + id.value());
  }

  private static void send(Sides sides, ConnectionId c, ObjectNode payload, SendTimes sentAt)
      throws Exception {
    EventId id = sentAt != null ? sentAt.stamp() : EventId.random();
    sides.sender().send(c, TYPE, id, payload, "b-" + id.value());
  }

  /**
   * A profiling aid (bench.stages, paced runs): when each measured event's forward to DataVault.Queue
   * and its handler record were published, seen by a core subscription on a connection of its own,
   * so the latency splits into the watcher's part, the Manager's part and the record's round trip.
   */
  final class Stages implements AutoCloseable {
    private final Connection nc;
    private final java.util.concurrent.atomic.AtomicLongArray forwarded;
    private final java.util.concurrent.atomic.AtomicLongArray recorded;
    private final java.util.concurrent.atomic.AtomicLongArray handled;
    private final java.util.concurrent.atomic.AtomicLongArray sent;
    private final java.util.regex.Pattern id = java.util.regex.Pattern.compile("\"t(\\d+)-");

    Stages(int n, Connection nc) {
      this.nc = nc;
      forwarded = new java.util.concurrent.atomic.AtomicLongArray(n);
      recorded = new java.util.concurrent.atomic.AtomicLongArray(n);
      handled = new java.util.concurrent.atomic.AtomicLongArray(n);
      sent = new java.util.concurrent.atomic.AtomicLongArray(n);
      io.nats.client.Dispatcher d = nc.createDispatcher(m -> {
        long now = System.nanoTime();
        boolean queue = m.getSubject().equals(Subjects.DATA_VAULT_QUEUE.value());
        java.util.regex.Matcher x = id.matcher(new String(m.getData(), java.nio.charset.StandardCharsets.UTF_8));
        while (x.find()) {
          int i = Integer.parseInt(x.group(1));
          if (i < forwarded.length()) {
            (queue ? forwarded : recorded).compareAndSet(i, 0, now);
          }
        }
      });
      d.subscribe(Subjects.DATA_VAULT_QUEUE.value());
      d.subscribe("$KV." + Subjects.name("EventHandlers") + ".>");
    }

    void handled(EventId e, long now, long sentAt) {
      String v = e.value();
      int dash = v.indexOf('-');
      if (v.charAt(0) == 't' && dash > 1) {
        int i = Integer.parseInt(v, 1, dash, 10);
        if (i < handled.length()) {
          handled.set(i, now);
          sent.set(i, sentAt);
        }
      }
    }

    void print() throws java.io.IOException {
      List<long[]> rows = new ArrayList<>();
      for (int i = 0; i < handled.length(); i++) {
        if (sent.get(i) != 0 && forwarded.get(i) != 0 && recorded.get(i) != 0 && handled.get(i) != 0) {
          rows.add(new long[] {sent.get(i), forwarded.get(i), recorded.get(i), handled.get(i)});
        }
      }
      String[] names = {"send->forward", "forward->record", "record->handled"};
      for (int k = 0; k < 3; k++) {
        int kk = k;
        long[] d = rows.stream().mapToLong(r -> r[kk + 1] - r[kk]).sorted().toArray();
        if (d.length > 0) {
          out.printf("    %-16s p50 %.2f ms p90 %.2f p99 %.2f (of %d)%n", names[k], d[d.length / 2] / 1e6,
              d[(int) (d.length * 0.9)] / 1e6, d[(int) (d.length * 0.99)] / 1e6, d.length);
        }
      }
      String dir = System.getProperty("bench.latencyDir");
      if (dir != null) {
        StringBuilder b = new StringBuilder();
        long first = rows.isEmpty() ? 0 : rows.stream().mapToLong(r -> r[0]).min().getAsLong();
        for (long[] r : rows) {
          b.append(String.format("%.3f %.3f %.3f %.3f%n", (r[0] - first) / 1e6, (r[1] - r[0]) / 1e6,
              (r[2] - r[1]) / 1e6, (r[3] - r[2]) / 1e6));
        }
        java.nio.file.Files.writeString(Path.of(dir, "stages-" + System.nanoTime() + ".tsv"), b);
      }
    }

    @Override
    public void close() throws InterruptedException {
      nc.close();
    }
  }

  /**
   * When each measured event was sent. A measured event's eventId starts with its index ({@code
   * t<index>-<uuid>}), so the vault's listener finds its send time in an array, not in a map shared
   * with the senders: the benchmark's bookkeeping stays off the measured threads' back, as raw's
   * timestamp header does.
   */
  static final class SendTimes {
    private final java.util.concurrent.atomic.AtomicLongArray at;
    private final AtomicInteger next = new AtomicInteger();

    SendTimes(int n) {
      at = new java.util.concurrent.atomic.AtomicLongArray(n);
    }

    /** {@return a fresh eventId for the next event, its send time noted now} */
    EventId stamp() {
      int i = next.getAndIncrement();
      EventId id = EventId.of("t" + i + "-" + UUID.randomUUID());
      if (i < at.length()) {
        at.set(i, System.nanoTime());
      }
      return id;
    }

    /** {@return the send time of a measured event, once; 0 for another event or a second time} */
    long take(EventId id) {
      String v = id.value();
      int dash = v.indexOf('-');
      if (v.charAt(0) != 't' || dash < 2) {
        return 0;
      }
      int i = Integer.parseInt(v, 1, dash, 10);
      return i < at.length() ? at.getAndSet(i, 0) : 0;
    }
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
