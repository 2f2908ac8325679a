package io.vettid.benchmarks;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/** Latency samples in nanoseconds. */
final class Latencies {
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

  /**
   * The percentile of the events sent from {@code from} to {@code to} (System.nanoTime), and how many they were.
   *
   * @return {percentile in ms (NaN when none), count}
   */
  double[] percentilesBetween(long from, long to, double p) {
    int count = Math.min(n.get(), samples.length);
    long[] s = new long[count];
    int k = 0;
    for (int i = 0; i < count; i++) {
      if (sentAt[i] >= from && sentAt[i] <= to) {
        s[k++] = samples[i];
      }
    }
    if (k == 0) {
      return new double[] {Double.NaN, 0};
    }
    s = Arrays.copyOf(s, k);
    Arrays.sort(s);
    return new double[] {s[(int) Math.min(k - 1, Math.max(0, Math.ceil(p * k) - 1))] / 1e6, k};
  }
}
