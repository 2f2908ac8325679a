package io.vettid.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vettid.crypto.Suite;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a benchmark run found: the table of every run, the goals' figures, and the report written
 * as {@code latest.json} (or {@code latest-quick.json}) with its chart.
 *
 * @param pair raw JetStream and the default pipeline, measured in alternation
 * @param split the same across the split topology: raw relayed between the two servers, and the
 *     pipeline with the vault's watcher on the EventSpace server's deposit stream
 * @param first the default suite's pipeline run
 * @param rawPaced raw JetStream at the offered rate, in the same run
 * @param paced the latency run at the offered rate
 * @param ten the 10-connection run the scale run is compared with
 * @param scale the many-connection run
 * @param setup connection setup times, ms, by suite
 * @param all every run, in the table's order
 * @param cluster the same on a 3-node cluster (R3), and a node's loss
 * @param large the largest scale run (100,000 connections in a full run)
 * @param flood the session-open flood
 */
record Figures(Rounds.Paired pair, Rounds.Paired split, Run first, Run rawPaced, Run paced, Run ten,
    PipelineBenchmark.ScaleResult scale, Map<String, Double> setup, List<Run> all, PipelineBenchmark.Topology cluster,
    PipelineBenchmark.ScaleResult large, PipelineBenchmark.Flood flood) {

  /** Prints the table and the figures the goals name. */
  void print(PrintStream out, BenchConfig config, Suite fast) {
    out.println();
    out.printf("%-58s %8s %12s %9s %9s %12s %12s%n", "run", "events", "events/s", "p50 ms", "p99 ms",
        "server us/ev", "client us/ev");
    for (Run r : all) {
      out.printf("%-58s %8d %12.0f %9.2f %9.2f %12.1f %12.1f%n", r.name(), r.events(), r.eventsPerSecond(),
          r.p50Millis(), r.p99Millis(), r.serverMicros(), r.clientMicros());
    }
    out.printf("%nthroughput ratio pipeline (%s) / raw: %.3f (goal >= 0.7)%n", first.name(), pair.ratio());
    out.printf("split topology (vault and EventSpace server as two nats-server processes): pipeline / raw relayed"
        + " across them: %.3f (goal >= 0.7)%n", split.ratio());
    out.printf("3-node cluster, R3 deposit streams: pipeline / raw R3 relayed from it: %.3f (goal >= 0.7); a node"
        + " killed at %d events/s: %,d of %,d handled, largest delay %.0f ms%n", cluster.pair().ratio(), config.rate(),
        cluster.loss().handled(), cluster.loss().sent(), cluster.loss().maxDelayMillis());
    out.printf("at %d events/s offered: p50 %.2f ms, p99 %.2f ms (goal <= 4), %.2f x raw JetStream's own p99 %.2f ms"
        + " (goal <= 1.5)%n", config.rate(), paced.p50Millis(), paced.p99Millis(), p99VsRaw(), rawPaced.p99Millis());
    for (PipelineBenchmark.ScaleResult s : List.of(scale, large)) {
      out.printf("%d connections: heap after GC %.1f MB; throughput %.0f/s = %.2f x the 10-connection figure; key"
          + " generation for them %.1f s (%s, both sides)%n", s.connections(), s.heapMb(), s.run().eventsPerSecond(),
          s.run().eventsPerSecond() / ten.eventsPerSecond(), s.keygenSeconds(), fast.name());
    }
    out.printf("session-open flood: %,d connections at once, %.0f openings/s; the other connections' p99 %.2f ms"
        + " during it, %.2f ms before it%n", flood.connections(), flood.openingsPerSecond(), flood.otherP99Millis(),
        flood.otherP99BeforeMillis());
    out.println("connection setup (both key pairs of one side), ms: " + setup);
  }

  /** {@return the pipeline's p99 at the offered rate over raw JetStream's in the same run} */
  double p99VsRaw() {
    return paced.p99Millis() / rawPaced.p99Millis();
  }

  private static double round(double x, double unit) {
    double per = Math.round(1 / unit);
    return Math.round(x * per) / per;
  }

  /** Writes the report (JSON) and the chart (PNG) under the configured directory; returns the report. */
  Map<String, Object> write(BenchConfig config) throws IOException {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("raw_events_per_s", Math.round(pair.raw().eventsPerSecond()));
    report.put("pipeline_events_per_s", Math.round(first.eventsPerSecond()));
    report.put("throughput_ratio", Math.round(pair.ratio() * 1000) / 1000.0); // the median of the rounds' ratios
    report.put("split_raw_events_per_s", Math.round(split.raw().eventsPerSecond()));
    report.put("split_pipeline_events_per_s", Math.round(split.pipeline().eventsPerSecond()));
    report.put("split_throughput_ratio", Math.round(split.ratio() * 1000) / 1000.0);
    report.put("p50_ms", Math.round(paced.p50Millis() * 100) / 100.0);
    report.put("p99_ms", Math.round(paced.p99Millis() * 100) / 100.0);
    report.put("offered_rate_per_s", config.rate());
    report.put("heap_mb_10k_connections", Math.round(scale.heapMb() * 10) / 10.0);
    report.put("scale_connections", config.scaleConnections());
    report.put("scale_throughput_ratio", Math.round(scale.run().eventsPerSecond() / ten.eventsPerSecond() * 100)
        / 100.0);
    report.put("scale_keygen_s", Math.round(scale.keygenSeconds() * 10) / 10.0);
    report.put("connection_setup_ms", setup);
    report.put("p99_vs_raw", round(p99VsRaw(), 0.01));
    report.put("cluster_raw_events_per_s", Math.round(cluster.pair().raw().eventsPerSecond()));
    report.put("cluster_pipeline_events_per_s", Math.round(cluster.pair().pipeline().eventsPerSecond()));
    report.put("cluster_throughput_ratio", round(cluster.pair().ratio(), 0.001));
    report.put("cluster_node_loss_max_delay_ms", Math.round(cluster.loss().maxDelayMillis()));
    report.put("cluster_node_loss_max_deposit_ms", Math.round(cluster.loss().maxDepositMillis()));
    report.put("cluster_node_loss_handled", cluster.loss().handled());
    report.put("cluster_node_loss_sent", cluster.loss().sent());
    report.put("large_connections", large.connections());
    report.put("heap_mb_100k_connections", round(large.heapMb(), 0.1));
    report.put("scale_100k_throughput_ratio", round(large.run().eventsPerSecond() / ten.eventsPerSecond(), 0.01));
    report.put("flood_connections", flood.connections());
    report.put("flood_openings_per_s", Math.round(flood.openingsPerSecond()));
    report.put("flood_other_p99_ms", round(flood.otherP99Millis(), 0.01));
    report.put("flood_other_p99_before_ms", round(flood.otherP99BeforeMillis(), 0.01));
    Map<String, Object> runTable = new LinkedHashMap<>();
    for (Run r : all) {
      runTable.put(r.name(), Map.of("events", r.events(), "events_per_s", Math.round(r.eventsPerSecond()),
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
    keepOthers(json, report);
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), report);
    Path png = config.out().resolve(config.quick() ? "pipeline-quick.png" : "pipeline.png");
    Chart.write(png, all);
    report.put("_files", List.of(json.toString(), png.toString()));
    return report;
  }

  /** The prefixes of the keys other programs write to {@code latest.json} (the restart storm, the soak). */
  static final List<String> OTHER_PROGRAMS = List.of("restart_", "soak_");

  /** Keeps, in a report about to replace {@code json}, the keys the other programs wrote there. */
  private static void keepOthers(Path json, Map<String, Object> report) throws IOException {
    if (!Files.exists(json)) {
      return;
    }
    new ObjectMapper().readTree(json.toFile()).fields().forEachRemaining(e -> {
      if (OTHER_PROGRAMS.stream().anyMatch(e.getKey()::startsWith) && !report.containsKey(e.getKey())) {
        report.put(e.getKey(), e.getValue());
      }
    });
  }

  /**
   * Writes a program's figures into {@code latest.json} in {@code dir}, keeping everything else
   * there (the restart storm and the soak have programs of their own).
   *
   * @param dir the report's directory
   * @param figures the keys (each starting with one of {@link #OTHER_PROGRAMS}) and their values
   */
  static void merge(Path dir, Map<String, Object> figures) throws IOException {
    for (String key : figures.keySet()) {
      if (OTHER_PROGRAMS.stream().noneMatch(key::startsWith)) {
        throw new IllegalArgumentException("not a key of another program: " + key);
      }
    }
    Files.createDirectories(dir);
    Path json = dir.resolve("latest.json");
    ObjectMapper mapper = new ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode report = Files.exists(json)
        ? (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(json.toFile()) : mapper.createObjectNode();
    figures.forEach((k, v) -> report.set(k, mapper.valueToTree(v)));
    mapper.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), report);
  }
}
