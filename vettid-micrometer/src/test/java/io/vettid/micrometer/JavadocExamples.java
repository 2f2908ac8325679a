package io.vettid.micrometer;

import io.micrometer.core.instrument.MeterRegistry;
import io.vettid.runtime.VettIdRuntime;

/** The javadoc's examples, compiled as they read (DocumentationExamplesTest in vettid-runtime). */
@SuppressWarnings("unused")
final class JavadocExamples {
  private JavadocExamples() {}

  static void vettIdMetrics(VettIdRuntime runtime, MeterRegistry registry) {
    // example: VettIdMetrics
    try (VettIdMetrics metrics = new VettIdMetrics(runtime.counters())) {
      metrics.bindTo(registry);                  // any MeterRegistry: Prometheus, OTLP, JMX...
    }
    // end
  }
}
