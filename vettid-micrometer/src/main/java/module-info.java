/**
 * VettID metrics for Micrometer: {@link io.vettid.micrometer.VettIdMetrics} binds a runtime's
 * counters and event latency to any {@code MeterRegistry}.
 */
module io.vettid.micrometer {
  requires transitive io.vettid.runtime;
  requires transitive micrometer.core;

  exports io.vettid.micrometer;
}
