package io.vettid.runtime.service;

import io.nats.client.Connection;
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
     * or null for no wait (what {@code JetStreamReader.nextMessage} takes as "only what is already
     * here")}
     */
    Duration nextOrSettle() {
      return close ? NEXT_OR_SETTLE : null;
    }
  }

  /**
   * The reader a poller consumes through: it keeps pull requests outstanding (no expiring pulls),
   * so the next messages are already here while the last ones are settled.
   */
  static io.nats.client.JetStreamReader reader(io.nats.client.JetStreamSubscription subscription) {
    return subscription.reader(256, 64);
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
