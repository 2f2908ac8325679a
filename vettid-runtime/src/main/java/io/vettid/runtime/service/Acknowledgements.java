package io.vettid.runtime.service;

import io.nats.client.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * The acknowledgements of settled messages, sent together: once {@value #ACK_EVERY} are waiting,
 * the oldest waited 100 ms (checked between messages), or the poll ends (docs/benchmarks/README.md,
 * "Design choices the figures made"). A crash
 * before they go out redelivers those messages; their records say they were handled, so nothing is
 * done twice (the same as a crash between a commit and its acknowledgement). Poller thread only.
 */
final class Acknowledgements {
  /** Settled messages after which their acknowledgements are sent within a poll. */
  static final int ACK_EVERY = 128;

  /** How long the oldest acknowledgement waits at most, checked between messages. */
  private static final long ACK_AFTER_NANOS = 100_000_000;

  private final List<Message> waiting = new ArrayList<>();

  /** When the oldest acknowledgement waiting was added (valid while some wait). */
  private long oldest;

  /**
   * Acknowledges a settled message, with others.
   *
   * @param m the message
   */
  void add(Message m) {
    if (waiting.isEmpty()) {
      oldest = System.nanoTime();
    }
    waiting.add(m);
    if (waiting.size() >= ACK_EVERY) {
      send();
    }
  }

  /** Sends the acknowledgements waiting if the oldest has waited long enough. */
  void sendIfDue() {
    if (!waiting.isEmpty() && System.nanoTime() - oldest > ACK_AFTER_NANOS) {
      send();
    }
  }

  /** Sends the acknowledgements waiting. */
  void send() {
    try {
      for (Message m : waiting) {
        m.ack();
      }
    } finally {
      waiting.clear(); // any not sent come back after their acknowledgement wait
    }
  }
}
