package io.vettid.benchmarks;

import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What to run.
 *
 * @param largeConnections the connections of the largest scale run (100,000 in a full run)
 * @param floodConnections the connections that open their sessions at once in the session-open flood
 */
record BenchConfig(boolean quick, int events, int rateEvents, int rate, int scaleConnections, int scaleEvents,
    List<Suite> suites, Path out, int largeConnections, int floodConnections) {
  static BenchConfig of(String[] args) {
    boolean quick = Arrays.asList(args).contains("--quick");
    Path out = Path.of("docs/benchmarks");
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--out")) {
        out = Path.of(args[i + 1]);
      }
    }
    BenchConfig c = quick
        ? new BenchConfig(true, 300, 200, 1000, 200, 2, List.of(Suites.DEFAULT), out, 400, 10)
        : new BenchConfig(false, 40_000, 10_000, 1000, 10_000, 3, Suites.all(), out, 100_000, 1_000);
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--events")) { // a custom size, for profiling
        int n = Integer.parseInt(args[i + 1]);
        c = new BenchConfig(c.quick(), n, n, c.rate(), c.scaleConnections(), c.scaleEvents(), List.of(Suites.DEFAULT), out,
            c.largeConnections(), c.floodConnections());
      }
    }
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--rate")) { // another offered rate for the latency runs (10 s of events), for profiling
        int rate = Integer.parseInt(args[i + 1]);
        if (rate < 10 || rate > 100_000) {
          throw new IllegalArgumentException("--rate must be 10..100000, got " + rate);
        }
        c = new BenchConfig(c.quick(), c.events(), rate * 10, rate, c.scaleConnections(), c.scaleEvents(), c.suites(), out,
            c.largeConnections(), c.floodConnections());
      }
    }
    return c;
  }
}
