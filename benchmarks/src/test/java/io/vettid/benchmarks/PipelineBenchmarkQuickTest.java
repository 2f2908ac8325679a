package io.vettid.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the benchmark program working: its quick mode runs against a real nats-server and writes a
 * report with every key and a chart. The figures are printed, never asserted (speed goals live in
 * the full run, by hand).
 */
class PipelineBenchmarkQuickTest {
  @TempDir Path out;

  @Test
  void theQuickRunWritesAReportWithEveryKeyAndAChart() throws Exception {
    System.setProperty("java.awt.headless", "true");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    new PipelineBenchmark(BenchConfig.of(new String[] {"--quick", "--out", out.toString()}),
        new PrintStream(printed, true, StandardCharsets.UTF_8)).run();
    String text = printed.toString(StandardCharsets.UTF_8);
    System.out.print(text);

    JsonNode report = new ObjectMapper().readTree(out.resolve("latest-quick.json").toFile());
    for (String key : new String[] {"raw_events_per_s", "pipeline_events_per_s", "throughput_ratio", "p50_ms",
        "p99_ms", "heap_mb_10k_connections", "split_raw_events_per_s", "split_pipeline_events_per_s",
        "split_throughput_ratio", "p99_vs_raw", "cluster_throughput_ratio", "cluster_node_loss_max_delay_ms",
        "heap_mb_100k_connections", "scale_100k_throughput_ratio", "flood_openings_per_s", "flood_other_p99_ms",
        "machine"}) {
      assertThat(report.has(key)).as(key).isTrue();
    }
    assertThat(report.path("raw_events_per_s").asDouble()).isPositive();
    assertThat(report.path("pipeline_events_per_s").asDouble()).isPositive();
    assertThat(report.path("split_pipeline_events_per_s").asDouble()).isPositive();
    assertThat(report.path("cluster_pipeline_events_per_s").asDouble()).isPositive();
    assertThat(report.path("cluster_node_loss_handled").asInt()).as("none lost, none twice while a node was down")
        .isEqualTo(report.path("cluster_node_loss_sent").asInt());
    assertThat(report.path("flood_openings_per_s").asDouble()).isPositive();
    assertThat(report.path("machine").path("cores").asInt()).isPositive();
    assertThat(report.path("runs").size()).isGreaterThanOrEqualTo(8);
    assertThat(Files.size(out.resolve("pipeline-quick.png"))).isGreaterThan(1000);
    assertThat(text).contains("throughput ratio").doesNotContain("unexpected outcome");
  }
}
