package io.vettid.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * How the benchmark repeats a run: warmed until the JIT compiler is out of the way, then measured
 * several times (the median reported), or raw and pipeline measured in alternation.
 */
final class Rounds {
  private final boolean quick;
  private final PrintStream out;

  Rounds(boolean quick, PrintStream out) {
    this.quick = quick;
    this.out = out;
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
  Run steady(String name, Repetition once) throws Exception {
    warm(name, once);
    int reps = quick ? 1 : 3;
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
  Paired paired(String rawName, Repetition raw, String pipelineName, Repetition pipeline) throws Exception {
    warm(rawName, raw);
    warm(pipelineName, pipeline);
    int reps = quick ? 1 : 7;
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

  void warm(String name, Repetition once) throws Exception {
    int warm = quick ? 1 : 8;
    for (int i = 1; i <= warm; i++) {
      Run w = once.run("warm-up " + i + " " + name);
      if (!quick && i >= 2 && w.jitMicros() < 2.0) {
        break;
      }
    }
  }

  private static Run median(List<Run> runs) {
    List<Run> sorted = new ArrayList<>(runs);
    sorted.sort(java.util.Comparator.comparingDouble(Run::eventsPerSecond));
    return sorted.get(sorted.size() / 2);
  }
}
