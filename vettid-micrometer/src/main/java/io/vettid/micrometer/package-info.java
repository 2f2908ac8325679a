/**
 * Micrometer meters of a VettID runtime ({@link io.vettid.micrometer.VettIdMetrics}): counters by
 * outcome and by failure reason, and the event latency as a timer with a histogram.
 */
package io.vettid.micrometer;
