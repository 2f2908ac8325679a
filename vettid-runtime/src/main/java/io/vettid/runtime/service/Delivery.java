package io.vettid.runtime.service;

import io.nats.client.Message;
import io.vettid.api.InternalEventBatch;

/**
 * One message of the queue: a single event, or a {@link InternalEventBatch batch} of them. It is
 * acknowledged once every event in it is settled ({@link Acknowledgements#add}), and nak'ed (redelivered
 * whole, after {@link #REDELIVER_AFTER}) if one of them could not be: the events already settled
 * then come back as duplicates of committed ones, held or quarantined ones with the same ids, so a
 * redelivery changes nothing that was done.
 */
final class Delivery {
  /**
   * How long a message whose commit failed waits before it comes back: a write refused by a full
   * bucket or account, or a server away, is not retried in a tight loop.
   */
  static final java.time.Duration REDELIVER_AFTER = java.time.Duration.ofSeconds(1);

  private final Message m;
  final long start;
  private final Acknowledgements acks;
  private int left;
  private boolean failed;

  Delivery(Message m, int events, long start, Acknowledgements acks) {
    this.m = m;
    this.acks = acks;
    this.left = events;
    this.start = start;
  }

  String subject() {
    return m.getSubject();
  }

  /** One of its events is settled. */
  void ok() {
    settled(false);
  }

  /** One of its events could not be settled: the message comes back. */
  void fail() {
    settled(true);
  }

  private void settled(boolean f) {
    failed |= f;
    if (--left == 0) {
      if (failed) {
        m.nakWithDelay(REDELIVER_AFTER);
      } else {
        acks.add(m);
      }
    }
  }
}
