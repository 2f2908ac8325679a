package io.vettid.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The restart storm and the soak write their figures into {@code latest.json} beside the full run's. */
class FiguresMergeTest {
  @TempDir Path dir;

  @Test
  void aProgramsFiguresJoinTheReportAndKeepWhatIsThere() throws Exception {
    Files.writeString(dir.resolve("latest.json"), "{\"throughput_ratio\": 0.55, \"soak_heap_drift\": -0.035}");
    Figures.merge(dir, Map.of("restart_first_event_s", 3.05, "restart_connections", 10_000));
    JsonNode report = new ObjectMapper().readTree(dir.resolve("latest.json").toFile());
    assertThat(report.path("throughput_ratio").asDouble()).isEqualTo(0.55);
    assertThat(report.path("soak_heap_drift").asDouble()).isEqualTo(-0.035);
    assertThat(report.path("restart_first_event_s").asDouble()).isEqualTo(3.05);
    assertThat(report.path("restart_connections").asInt()).isEqualTo(10_000);
  }

  @Test
  void aKeyOfTheFullRunIsNotAnotherProgramsToWrite() {
    assertThatThrownBy(() -> Figures.merge(dir, Map.of("throughput_ratio", 0.9)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("throughput_ratio");
    assertThat(dir.resolve("latest.json")).doesNotExist();
  }
}
