package io.vettid.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.vettid.api.FailureReason;
import io.vettid.runtime.service.RuntimeCounters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * A runtime's counters as Micrometer meters:
 * <ul>
 *   <li>{@code vettid.events} (counter), tag {@code outcome}: {@code received}, {@code forwarded},
 *       {@code handled}, {@code held}, {@code approved}, {@code dropped}, {@code duplicate},
 *       {@code deferred};
 *   <li>{@code vettid.events.quarantined} (counter), tag {@code reason}: every {@link FailureReason}
 *       (zero until one happens, so a dashboard's series exist from the start);
 *   <li>{@code vettid.event.latency} (timer with a percentile histogram): from receipt to commit
 *       of each handled event.
 * </ul>
 * Counters read the runtime's own (nothing is counted twice); the timer takes each latency as the
 * runtime commits the event. No tag holds an event's content, its eventId or a connection.
 *
 * <pre>{@code
 * try (VettIdMetrics metrics = new VettIdMetrics(runtime.counters())) {
 *   metrics.bindTo(registry);                  // any MeterRegistry: Prometheus, OTLP, JMX...
 * }
 * }</pre>
 */
public final class VettIdMetrics implements MeterBinder, AutoCloseable {
  private final RuntimeCounters counters;
  private final List<Bound> bound = new ArrayList<>();

  private record Bound(MeterRegistry registry, LongConsumer listener) {}

  /**
   * Metrics of a runtime's counters.
   *
   * @param counters the runtime's counters ({@code VettIdRuntime.counters()})
   */
  public VettIdMetrics(RuntimeCounters counters) {
    this.counters = Objects.requireNonNull(counters, "counters");
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    // each counter read on its own at a scrape: no snapshot (and its percentiles) per meter
    outcome(registry, "received", RuntimeCounters.Counted.RECEIVED);
    outcome(registry, "forwarded", RuntimeCounters.Counted.FORWARDED);
    outcome(registry, "handled", RuntimeCounters.Counted.HANDLED);
    outcome(registry, "held", RuntimeCounters.Counted.HELD);
    outcome(registry, "approved", RuntimeCounters.Counted.APPROVED);
    outcome(registry, "dropped", RuntimeCounters.Counted.DROPPED);
    outcome(registry, "duplicate", RuntimeCounters.Counted.DUPLICATES);
    outcome(registry, "deferred", RuntimeCounters.Counted.DEFERRED);
    for (FailureReason reason : FailureReason.values()) {
      FunctionCounter.builder("vettid.events.quarantined", counters, c -> c.quarantinedFor(reason))
          .tag("reason", reason.name())
          .description("events quarantined, by the reason of the check that failed")
          .register(registry);
    }
    Timer latency = Timer.builder("vettid.event.latency")
        .description("from an event's receipt to its commit, for handled events")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(1))
        .register(registry);
    LongConsumer listener = nanos -> latency.record(nanos, TimeUnit.NANOSECONDS);
    counters.addLatencyListener(listener);
    bound.add(new Bound(registry, listener));
  }

  private void outcome(MeterRegistry registry, String outcome, RuntimeCounters.Counted what) {
    FunctionCounter.builder("vettid.events", counters, c -> c.count(what))
        .tag("outcome", outcome)
        .description("events by what became of them")
        .register(registry);
  }

  /** Stops feeding the latency timers (the counters stay readable in their registries). */
  @Override
  public synchronized void close() {
    bound.forEach(b -> counters.removeLatencyListener(b.listener()));
    bound.clear();
  }
}
