package io.vettid.benchmarks;

import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * The benchmark's chart: throughput of each run (PNG, with XChart). The labels stand upright, so
 * the last one is not cut off at the right edge.
 */
final class Chart {
  private Chart() {}

  static void write(Path png, List<Run> runs) throws java.io.IOException {
    CategoryChart chart = new CategoryChartBuilder().width(1100).height(900)
        .title("VettID pipeline vs raw JetStream (1 KiB, one nats-server, TLS, encrypted store)")
        .xAxisTitle("run").yAxisTitle("events per second").build();
    chart.getStyler().setLegendVisible(false);
    chart.getStyler().setXAxisLabelRotation(90);
    chart.addSeries("events/s", runs.stream().map(Run::name).toList(),
        runs.stream().map(r -> (Number) r.eventsPerSecond()).toList());
    String name = png.getFileName().toString();
    BitmapEncoder.saveBitmap(chart, png.getParent().resolve(name.substring(0, name.length() - 4)).toString(),
        BitmapEncoder.BitmapFormat.PNG);
  }
}
