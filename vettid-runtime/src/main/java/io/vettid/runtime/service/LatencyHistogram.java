package io.vettid.runtime.service;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies counted into log-linear buckets (32 per power of two: each value kept within about 3%),
 * without a lock: a commit thread records with one atomic increment, a reader sums the buckets.
 * Replaces a ring buffer of samples that every recording locked.
 */
final class LatencyHistogram {
  /** Sub-buckets per power of two, as bits. */
  private static final int SUB_BITS = 5;
  private static final int SUB = 1 << SUB_BITS;
  /** Values up to 2^40 ns (about 18 minutes) are kept apart; longer ones count in the last bucket. */
  private static final int MAX_EXPONENT = 40;
  private static final int BUCKETS = SUB + (MAX_EXPONENT - SUB_BITS + 1) * SUB;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

  /** Records one value (negative ones count as zero). */
  void record(long nanos) {
    counts.incrementAndGet(index(nanos));
  }

  static int index(long value) {
    long v = Math.max(0, value);
    if (v < SUB) {
      return (int) v;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(v);
    if (exponent > MAX_EXPONENT) {
      return BUCKETS - 1;
    }
    int sub = (int) ((v >>> (exponent - SUB_BITS)) & (SUB - 1));
    return SUB + (exponent - SUB_BITS) * SUB + sub;
  }

  /** The smallest value a bucket holds. */
  static long lowest(int index) {
    if (index < SUB) {
      return index;
    }
    int k = (index - SUB) / SUB;
    int sub = (index - SUB) % SUB;
    return (long) (SUB + sub) << k;
  }

  /** The largest value a bucket holds. */
  static long highest(int index) {
    return index + 1 < BUCKETS ? lowest(index + 1) - 1 : Long.MAX_VALUE;
  }

  /** A copy of the counts, for percentiles. */
  long[] counts() {
    long[] c = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      c[i] = counts.get(i);
    }
    return c;
  }

  /**
   * A percentile of copied counts: the middle of the bucket that holds it.
   *
   * @param counts the counts
   * @param p the percentile, 0 to 1
   * @return the value in nanoseconds, 0 if nothing was recorded
   */
  static double percentile(long[] counts, double p) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(p * total));
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return i == counts.length - 1 ? lowest(i) : (lowest(i) + highest(i)) / 2.0;
      }
    }
    return lowest(counts.length - 1);
  }
}
