package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.vettid.proptest.Gens;
import io.vettid.proptest.Props;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
  @Test
  void everyValueFallsInABucketThatHoldsIt() {
    Props.tries(20_000).forAll(Gens.longs(0, 1L << 40)).checkAssert(v -> {
      int i = LatencyHistogram.index(v);
      assertThat(LatencyHistogram.lowest(i)).isLessThanOrEqualTo(v);
      assertThat(LatencyHistogram.highest(i)).isGreaterThanOrEqualTo(v);
      // a bucket is at most about 3% wide
      assertThat((double) (LatencyHistogram.highest(i) - LatencyHistogram.lowest(i))).isLessThanOrEqualTo(
          Math.max(0, v * 0.032));
    });
  }

  @Test
  void percentilesAreWithinAFewPercentOfTheExactOnes() {
    Props.tries(300).forAll(Gens.lists(Gens.longs(1_000, 5_000_000_000L), 1, 400)).checkAssert(values -> {
      LatencyHistogram h = new LatencyHistogram();
      values.forEach(h::record);
      long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
      for (double p : List.of(0.5, 0.99)) {
        long exact = sorted[(int) Math.max(0, Math.ceil(p * sorted.length) - 1)];
        assertThat(LatencyHistogram.percentile(h.counts(), p)).isCloseTo(exact, org.assertj.core.data.Percentage
            .withPercentage(3.2));
      }
    });
  }

  @Test
  void extremesAreKeptNotLost() {
    LatencyHistogram h = new LatencyHistogram();
    h.record(-5);
    h.record(Long.MAX_VALUE);
    long[] counts = h.counts();
    assertThat(Arrays.stream(counts).sum()).isEqualTo(2);
    assertThat(counts[0]).isEqualTo(1);
    assertThat(counts[counts.length - 1]).isEqualTo(1);
    assertThat(LatencyHistogram.percentile(new long[counts.length], 0.5)).isZero();
  }

  @Test
  void aListenerHearsEachLatencyAndOneThatThrowsChangesNothing() {
    RuntimeCounters c = new RuntimeCounters();
    long[] heard = new long[1];
    c.addLatencyListener(n -> heard[0] += n);
    c.addLatencyListener(n -> {
      throw new IllegalStateException("a broken metrics library");
    });
    c.handled(2_000_000);
    c.handled(4_000_000);
    assertThat(heard[0]).isEqualTo(6_000_000);
    assertThat(c.snapshot().handled()).isEqualTo(2);
    assertThat(c.snapshot().p99Millis()).isCloseTo(4.0, org.assertj.core.data.Offset.offset(0.13));
  }
}
