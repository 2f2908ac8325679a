package io.vettid.benchmarks;

import io.vettid.api.EventId;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * When each measured event was sent. A measured event's eventId starts with its index ({@code
 * t<index>-<uuid>}), so the vault's listener finds its send time in an array, not in a map shared
 * with the senders: the benchmark's bookkeeping stays off the measured threads' back, as raw's
 * timestamp header does.
 */
final class SendTimes {
  private final java.util.concurrent.atomic.AtomicLongArray at;
  private final AtomicInteger next = new AtomicInteger();

  SendTimes(int n) {
    at = new java.util.concurrent.atomic.AtomicLongArray(n);
  }

  /** {@return a fresh eventId for the next event, its send time noted now} */
  EventId stamp() {
    int i = next.getAndIncrement();
    EventId id = EventId.of("t" + i + "-" + UUID.randomUUID());
    if (i < at.length()) {
      at.set(i, System.nanoTime());
    }
    return id;
  }

  /** {@return the send time of a measured event, once; 0 for another event or a second time} */
  long take(EventId id) {
    String v = id.value();
    int dash = v.indexOf('-');
    if (v.charAt(0) != 't' || dash < 2) {
      return 0;
    }
    int i = Integer.parseInt(v, 1, dash, 10);
    return i < at.length() ? at.getAndSet(i, 0) : 0;
  }
}
