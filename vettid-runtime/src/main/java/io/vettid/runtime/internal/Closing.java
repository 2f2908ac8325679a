package io.vettid.runtime.internal;

import static org.apiguardian.api.API.Status.INTERNAL;

import io.nats.client.Connection;
import java.util.ArrayList;
import java.util.List;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes NATS connections side by side. jnats waits up to a second for a connection's reader
 * thread to leave its blocking read before it closes the socket ({@code NatsConnection.close}), so
 * a vault closing its own three connections and one per peer one after the other took that many
 * seconds; side by side they take about one.
 */
@API(status = INTERNAL)
public final class Closing {
  private static final Logger LOG = LoggerFactory.getLogger(Closing.class);

  private Closing() {}

  /**
   * Closes each connection (nulls are skipped) on a thread of its own and waits for all, at most
   * 10 s in all.
   *
   * @param connections the connections
   */
  public static void inParallel(List<? extends Connection> connections) {
    List<Thread> closing = new ArrayList<>();
    for (Connection c : connections) {
      if (c == null) {
        continue;
      }
      Thread t = new Thread(() -> {
        try {
          c.close();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
          LOG.debug("a connection did not close cleanly ({})", e.getClass().getSimpleName());
        }
      }, "vettid-close");
      t.setDaemon(true);
      t.start();
      closing.add(t);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    for (Thread t : closing) {
      try {
        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
