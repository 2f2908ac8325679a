package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.FailureReason;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.apiguardian.api.API;

/**
 * What the runtime counted: events received, handled, held, dropped, seen twice, quarantined by
 * reason, and the latency from receipt to acknowledgement of handled events (in a lock-free
 * histogram; listeners can take each value, see {@link #addLatencyListener}). Thread-safe; one
 * instance is shared by a runtime's watchers and services.
 *
 * <pre>{@code
 * RuntimeCounters.Snapshot s = runtime.counters().snapshot();
 * System.out.println(s.handled() + " handled, p99 " + s.p99Millis() + " ms");
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class RuntimeCounters {
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
  private final LatencyHistogram latencies = new LatencyHistogram();
  private final java.util.List<java.util.function.LongConsumer> latencyListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

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
    latencies.record(latencyNanos);
    for (java.util.function.LongConsumer l : latencyListeners) {
      try {
        l.accept(latencyNanos);
      } catch (RuntimeException e) {
        // a metrics listener never stands in the way of an event: what it failed to count is lost
      }
    }
  }

  /**
   * Tells a listener the latency of every handled event from now on (receipt to commit, in
   * nanoseconds), for a metrics library's timer (see {@code vettid-micrometer}). It is called on the
   * thread that commits the event: it must be quick; an exception it throws is ignored.
   *
   * @param listener the listener
   */
  public void addLatencyListener(java.util.function.LongConsumer listener) {
    latencyListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Stops telling a listener.
   *
   * @param listener a listener added before
   */
  public void removeLatencyListener(java.util.function.LongConsumer listener) {
    latencyListeners.remove(listener);
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
   * @param p50Millis median latency from receipt to commit of handled events since the counters
   *     were created (within about 3%)
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

  /** What {@link #count} reads. */
  public enum Counted {
    /** Internal Events taken from a service queue. */
    RECEIVED,
    /** Deposits forwarded by a watcher. */
    FORWARDED,
    /** Events handled. */
    HANDLED,
    /** Events held for the owner. */
    HELD,
    /** Held events approved. */
    APPROVED,
    /** Events dropped. */
    DROPPED,
    /** Redeliveries skipped. */
    DUPLICATES,
    /** Events given back after a failed write. */
    DEFERRED
  }

  /**
   * One count, read on its own: cheaper than a {@link #snapshot()} (which also computes the latency
   * percentiles), for a metrics library that reads each counter at every scrape.
   *
   * @param what the count
   * @return its value now
   */
  public long count(Counted what) {
    return switch (Objects.requireNonNull(what, "what")) {
      case RECEIVED -> received.sum();
      case FORWARDED -> forwarded.sum();
      case HANDLED -> handled.sum();
      case HELD -> held.sum();
      case APPROVED -> approved.sum();
      case DROPPED -> dropped.sum();
      case DUPLICATES -> duplicates.sum();
      case DEFERRED -> deferred.sum();
    };
  }

  /**
   * {@return how many events were quarantined for a reason, read on its own (see {@link #count})}
   *
   * @param reason the reason
   */
  public long quarantinedFor(FailureReason reason) {
    return quarantined.get(Objects.requireNonNull(reason, "reason")).sum();
  }

  /** {@return the current values} */
  public Snapshot snapshot() {
    Map<FailureReason, Long> q = new EnumMap<>(FailureReason.class);
    quarantined.forEach((k, v) -> q.put(k, v.sum()));
    long[] counts = latencies.counts();
    return new Snapshot(received.sum(), forwarded.sum(), handled.sum(), held.sum(), approved.sum(),
        dropped.sum(), duplicates.sum(), q, LatencyHistogram.percentile(counts, 0.50) / 1_000_000.0,
        LatencyHistogram.percentile(counts, 0.99) / 1_000_000.0, withoutBody.sum(), deferred.sum());
  }

  @Override
  public String toString() {
    Snapshot s = snapshot();
    return "RuntimeCounters[received=" + s.received() + ", handled=" + s.handled() + ", held=" + s.held()
        + ", dropped=" + s.dropped() + ", duplicates=" + s.duplicates() + ", quarantined=" + s.quarantinedTotal() + "]";
  }
}
