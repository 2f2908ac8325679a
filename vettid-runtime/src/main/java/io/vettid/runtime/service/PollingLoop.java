package io.vettid.runtime.service;

import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamStatusCheckedException;
import io.nats.client.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A daemon thread that polls a consumer until stopped; a failed poll is logged and retried. */
final class PollingLoop {
  private static final Logger LOG = LoggerFactory.getLogger(PollingLoop.class);

  /** One poll. */
  @FunctionalInterface
  interface Poller {
    int poll(int batch, Duration wait) throws InterruptedException;
  }

  /**
   * With work in flight (commits, forwards), how long a poller waits for another message before it
   * settles that work, while messages come close together: under load the work of several messages
   * shares round trips. See {@link Arrivals}.
   */
  static final Duration NEXT_OR_SETTLE = Duration.ofNanos(100_000);

  /**
   * How long to wait before trying again after {@code failures} failed attempts in a row (a forward,
   * a checkpoint): 250 ms after the first, doubling to at most 5 s.
   *
   * @param failures attempts failed in a row, at least 1
   * @return the wait in nanoseconds
   */
  static long retryWaitNanos(int failures) {
    return Math.min(5_000L, 250L << Math.min(Math.max(failures, 1) - 1, 5)) * 1_000_000L;
  }

  /**
   * When a poller with work in flight waits for the next message before it settles that work. It
   * waits {@link #NEXT_OR_SETTLE} only if the last message came at most that long after the one
   * before: then the next is likely as close, and its work joins the same round trips. A message
   * that came alone is settled at once, since a wait would only add to its latency (at 1,000 events/s
   * the next comes a millisecond later). One poller thread only.
   */
  static final class Arrivals {
    private boolean any;
    private long last;
    private boolean close;

    /** A message arrived now. */
    void arrived() {
      arrived(System.nanoTime());
    }

    /** A message arrived at {@code now} ({@link System#nanoTime()}; tests pass their own). */
    void arrived(long now) {
      close = any && now - last <= NEXT_OR_SETTLE.toNanos();
      last = now;
      any = true;
    }

    /**
     * {@return how long to wait for the next message with work in flight: {@link #NEXT_OR_SETTLE},
     * or null for no wait (what {@link Reader#next} takes as "only what is already
     * here")}
     */
    Duration nextOrSettle() {
      return close ? NEXT_OR_SETTLE : null;
    }
  }

  /**
   * How a poller's consumer is read: pull requests of 256 messages, the next asked for once a
   * quarter of one is consumed, so the next messages are already here while the last ones are
   * settled. Each pull request expires after 5 s and asks for idle heartbeats every 2.5 s: a pull
   * request the server lost (a consumer leader that moved to another node of a cluster, a server
   * that restarted, a connection that reconnected) is replaced within seconds, where one that never
   * expires would leave the reader waiting for ever with no error.
   */
  static final ConsumeOptions CONSUME = ConsumeOptions.builder().batchSize(256).thresholdPercent(25)
      .expiresIn(5_000).build();

  /**
   * Opens a reader on a durable pull consumer (jnats' simplified consumer, {@link #CONSUME}).
   *
   * @throws UncheckedIOException if the consumer cannot be reached (the poll fails and is retried)
   */
  static Reader reader(Connection nc, String stream, String durable) {
    try {
      return new Reader(nc.jetStream().getConsumerContext(stream, durable).iterate(CONSUME),
          stream + " > " + durable);
    } catch (IOException | JetStreamApiException e) {
      throw new UncheckedIOException("cannot read consumer " + durable + " of " + stream,
          e instanceof IOException io ? io : new IOException(e.getMessage(), e));
    }
  }

  /** A poller's reader of one durable pull consumer; closing it unsubscribes. */
  static final class Reader implements AutoCloseable {
    private final IterableConsumer consumer;
    private final String what;

    private Reader(IterableConsumer consumer, String what) {
      this.consumer = consumer;
      this.what = what;
    }

    /**
     * The next message.
     *
     * @param wait how long to wait; null: only a message already here
     * @return the message, or null if none came (a status the server sent instead, such as a
     *     deleted consumer, is logged and counts as none)
     */
    Message next(Duration wait) throws InterruptedException {
      try {
        return consumer.nextMessage(wait);
      } catch (JetStreamStatusCheckedException e) {
        LOG.warn("{}: the server answered a pull with status {}", what, e.getCause().getMessage());
        return null;
      }
    }

    /** No further pull requests, and none outstanding is served any more (unsubscribes). */
    @Override
    public void close() {
      consumer.stop();
      try {
        consumer.close();
      } catch (Exception e) {
        LOG.warn("{}: could not unsubscribe ({})", what, e.getClass().getSimpleName());
      }
    }
  }

  private final String name;
  private final Poller poller;
  private Thread thread;
  private volatile boolean running;

  PollingLoop(String name, Poller poller) {
    this.name = name;
    this.poller = poller;
  }

  synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException(name + " is already started");
    }
    running = true;
    thread = new Thread(() -> {
      while (running) {
        try {
          // a large batch: a poll ends by settling everything in flight, a stop under a steady stream
          poller.poll(1000, Duration.ofMillis(250));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          if (running) {
            LOG.warn("{}: polling failed ({}); retrying", name, e.getClass().getSimpleName());
            try {
              Thread.sleep(500);
            } catch (InterruptedException ie) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        }
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Waits (up to 2 s) until the server has read what the connection sent so far. The watcher and
   * the service call it once their loop has stopped, so a clean stop's last acknowledgements are
   * with the server when {@code close} returns.
   */
  static void flushQuietly(Connection nc, String what) {
    if (nc.getStatus() != Connection.Status.CONNECTED) {
      return; // closed, or reconnecting: what was not sent comes back after its acknowledgement wait
    }
    try {
      nc.flush(Duration.ofSeconds(2));
    } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
      LOG.warn("{}: its last acknowledgements may not have reached the server ({})", what,
          e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops after the poll in hand (waits up to 10 s).
   *
   * @return true if the polling thread has ended (or never started)
   */
  boolean stop() {
    running = false;
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return !t.isAlive();
    }
    return true;
  }
}
