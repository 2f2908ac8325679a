package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.FailureReason;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.apiguardian.api.API;

/**
 * What the runtime counted: events received, handled, held, dropped, seen twice, quarantined by
 * reason, and the latency from receipt to acknowledgement of handled events. Thread-safe; one
 * instance is shared by a runtime's watchers and services.
 *
 * <pre>{@code
 * RuntimeCounters.Snapshot s = runtime.counters().snapshot();
 * System.out.println(s.handled() + " handled, p99 " + s.p99Millis() + " ms");
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class RuntimeCounters {
  private static final int LATENCY_SAMPLES = 1 << 16;

  private final LongAdder received = new LongAdder();
  private final LongAdder forwarded = new LongAdder();
  private final LongAdder handled = new LongAdder();
  private final LongAdder held = new LongAdder();
  private final LongAdder approved = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final LongAdder withoutBody = new LongAdder();
  private final LongAdder deferred = new LongAdder();
  private final Map<FailureReason, LongAdder> quarantined = new EnumMap<>(FailureReason.class);
  private final long[] latencies = new long[LATENCY_SAMPLES];
  private long latencyCount;

  /** Creates zeroed counters. */
  public RuntimeCounters() {
    for (FailureReason r : FailureReason.values()) {
      quarantined.put(r, new LongAdder());
    }
  }

  void received() {
    received.increment();
  }

  void forwarded() {
    forwarded.increment();
  }

  void handled(long latencyNanos) {
    handled.increment();
    synchronized (latencies) {
      latencies[(int) (latencyCount++ % LATENCY_SAMPLES)] = latencyNanos;
    }
  }

  void held() {
    held.increment();
  }

  void approved() {
    approved.increment();
  }

  void dropped() {
    dropped.increment();
  }

  void duplicate() {
    duplicates.increment();
  }

  void quarantined(FailureReason reason) {
    quarantined.get(Objects.requireNonNull(reason, "reason")).increment();
  }

  void quarantinedWithoutBody() {
    withoutBody.increment();
  }

  void deferred() {
    deferred.increment();
  }

  /**
   * A consistent-enough copy of the counters (each value is read once; values keep moving while a
   * runtime runs).
   *
   * @param received Internal Events taken from a service queue
   * @param forwarded deposits a watcher opened and forwarded to a service queue
   * @param handled events a handler processed and the runtime committed
   * @param held events held for the owner's approval
   * @param approved held events the owner approved
   * @param dropped events dropped by a rule
   * @param duplicates redeliveries recognised and skipped (each event is handled once)
   * @param quarantined events quarantined, by reason (every reason present)
   * @param p50Millis median latency from receipt to commit of handled events, over the last
   *     65,536
   * @param p99Millis 99th percentile of the same
   * @param quarantinedWithoutBody quarantined events (counted in {@code quarantined} too) kept with
   *     their metadata only, their source being past its share of the quarantine
   * @param deferred deposits or events given back to come again because a write of the vault's
   *     failed (a full account, a server away): kept where they were, each logged with its reason
   */
  public record Snapshot(long received, long forwarded, long handled, long held, long approved, long dropped,
      long duplicates, Map<FailureReason, Long> quarantined, double p50Millis, double p99Millis,
      long quarantinedWithoutBody, long deferred) {
    /**
     * Copies the map.
     *
     * @param received Internal Events taken from a service queue
     * @param forwarded deposits forwarded by a watcher
     * @param handled events handled
     * @param held events held
     * @param approved held events approved
     * @param dropped events dropped
     * @param duplicates redeliveries skipped
     * @param quarantined by reason
     * @param p50Millis median latency
     * @param p99Millis 99th percentile latency
     * @param quarantinedWithoutBody quarantined with metadata only
     * @param deferred given back after a failed write
     */
    public Snapshot {
      quarantined = Collections.unmodifiableMap(new EnumMap<>(quarantined));
    }

    /** {@return all quarantined events, whatever the reason} */
    public long quarantinedTotal() {
      return quarantined.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /** {@return the current values} */
  public Snapshot snapshot() {
    Map<FailureReason, Long> q = new EnumMap<>(FailureReason.class);
    quarantined.forEach((k, v) -> q.put(k, v.sum()));
    long[] copy;
    synchronized (latencies) {
      copy = Arrays.copyOf(latencies, (int) Math.min(latencyCount, LATENCY_SAMPLES));
    }
    Arrays.sort(copy);
    return new Snapshot(received.sum(), forwarded.sum(), handled.sum(), held.sum(), approved.sum(),
        dropped.sum(), duplicates.sum(), q, percentile(copy, 0.50), percentile(copy, 0.99), withoutBody.sum(),
        deferred.sum());
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1_000_000.0;
  }

  @Override
  public String toString() {
    Snapshot s = snapshot();
    return "RuntimeCounters[received=" + s.received() + ", handled=" + s.handled() + ", held=" + s.held()
        + ", dropped=" + s.dropped() + ", duplicates=" + s.duplicates() + ", quarantined=" + s.quarantinedTotal() + "]";
  }
}
