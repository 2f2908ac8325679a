package io.vettid.benchmarks;

import io.vettid.runtime.service.EventService;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pipeline run's listener: counts the handled events, opens the latches at the end of the
 * warm-up and of the run, and takes each measured event's latency from its send time.
 */
final class Tally implements EventService.Listener {
  final int n;
  final int warm;
  final CountDownLatch warmed = new CountDownLatch(1);
  final CountDownLatch done = new CountDownLatch(1);
  final AtomicInteger handled = new AtomicInteger();
  final Latencies latencies;
  final SendTimes sentAt;
  /** When the last event was handled (System.nanoTime). */
  volatile long end;
  private final Stages stages;
  private final PrintStream out;

  Tally(int n, int warm, Stages stages, PrintStream out) {
    this.n = n;
    this.warm = warm;
    this.latencies = new Latencies(n);
    this.sentAt = new SendTimes(n);
    this.stages = stages;
    this.out = out;
  }

  @Override
  public void settled(EventService.Settled s) {
    if (s.outcome() != EventService.Outcome.HANDLED) {
      out.println("  unexpected outcome: " + s.outcome() + " " + s.reason() + " " + s.detail());
      return;
    }
    long t = sentAt.take(s.eventId());
    if (t != 0) {
      long now = System.nanoTime();
      latencies.add(now - t, t);
      if (stages != null) {
        stages.handled(s.eventId(), now, t);
      }
    }
    int h = handled.incrementAndGet();
    if (h == warm) {
      warmed.countDown();
    }
    if (h == n) {
      end = System.nanoTime();
      done.countDown();
    }
  }

  /** The latency run's percentiles and, with bench.stages, where the time went (profiling aid bench.paced). */
  void printPaced(String name) throws Exception {
    out.printf("    p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n", latencies.percentileMillis(0.5),
        latencies.percentileMillis(0.99), latencies.percentileMillis(0.999), latencies.percentileMillis(1.0));
    latencies.dump(name);
    if (stages != null) {
      stages.print();
      stages.close();
    }
  }
}
