package io.vettid.benchmarks;

/**
 * One measured run.
 *
 * @param serverMicros nats-server CPU time per event, in microseconds (NaN when not measured)
 * @param clientMicros this JVM's CPU time per event (senders and vault together), in microseconds
 */
record Run(String name, int events, double eventsPerSecond, double p50Millis, double p99Millis,
    double serverMicros, double clientMicros, double jitMicros) {
  Run(String name, int events, double eventsPerSecond, double p50Millis, double p99Millis, CpuReading from) {
    this(name, events, eventsPerSecond, p50Millis, p99Millis, from.serverMicrosPerEvent(events),
        from.clientMicrosPerEvent(events), from.jitMicrosPerEvent(events));
  }

  Run named(String newName) {
    return new Run(newName, events, eventsPerSecond, p50Millis, p99Millis, serverMicros, clientMicros, jitMicros);
  }
}
