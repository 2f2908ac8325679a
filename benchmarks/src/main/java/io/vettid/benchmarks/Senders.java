package io.vettid.benchmarks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** The benchmark's senders: threads that seal and deposit, each with a window of sends in flight. */
final class Senders {
  private Senders() {}

  /** Senders in parallel (as many peers are), each over its share of the connections. */
  static void sendAll(Sides sides, int rounds, ObjectNode payload, SendTimes sentAt)
      throws InterruptedException {
    int threads = Math.min(4, sides.senderIds().size());
    onThreads(threads, first -> {
      Window window = new Window();
      for (int round = 0; round < rounds; round++) {
        for (int c = first; c < sides.senderIds().size(); c += threads) {
          window.add(sendAsync(sides, sides.senderIds().get(c), payload, sentAt));
        }
      }
      window.drain();
    });
  }

  /** One sender thread's work. */
  @FunctionalInterface
  interface Sender {
    void run(int thread) throws Exception;
  }

  /** The CPU time of sender threads that ended (publishers and senders), in nanoseconds. */
  static final java.util.concurrent.atomic.AtomicLong SENDER_CPU = new java.util.concurrent.atomic.AtomicLong();

  /** Runs a sender on each of {@code threads} threads and waits for all. */
  static void onThreads(int threads, Sender sender) throws InterruptedException {
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread th = new Thread(() -> {
        try {
          sender.run(index);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        } finally {
          SENDER_CPU.addAndGet(ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime());
        }
      }, "bench-sender-" + t);
      th.start();
      all.add(th);
    }
    for (Thread th : all) {
      th.join();
    }
  }

  /** A sender's window: at most 256 asynchronous sends in flight, as a busy peer keeps. */
  static final class Window {
    private final java.util.ArrayDeque<CompletableFuture<?>> inFlight = new java.util.ArrayDeque<>();

    void add(CompletableFuture<?> f) throws Exception {
      inFlight.add(f);
      if (inFlight.size() >= 256) {
        inFlight.poll().get(30, TimeUnit.SECONDS);
      }
    }

    void drain() throws Exception {
      for (CompletableFuture<?> f : inFlight) {
        f.get(30, TimeUnit.SECONDS);
      }
      inFlight.clear();
    }
  }

  static CompletableFuture<Void> sendAsync(Sides sides, ConnectionId c, ObjectNode payload,
      SendTimes sentAt) {
    EventId id = sentAt != null ? sentAt.stamp() : EventId.random();
    return sides.sender().sendAsync(c, PipelineBenchmark.TYPE, id, payload, "b-" + id.value());
  }

  static void send(Sides sides, ConnectionId c, ObjectNode payload, SendTimes sentAt)
      throws Exception {
    EventId id = sentAt != null ? sentAt.stamp() : EventId.random();
    sides.sender().send(c, PipelineBenchmark.TYPE, id, payload, "b-" + id.value());
  }

  /**
   * Sends one event and waits for its deposit, sending it again (the same eventId and
   * deduplication id, so the server keeps it once) while the deposit fails, for at most a minute:
   * what a peer does when the node it deposits to goes away.
   *
   * @param slowest the longest wait of a deposit until it was stored, in nanoseconds, is kept here
   * @return how many times it was sent again
   */
  static int sendRetrying(Sides sides, ConnectionId c, ObjectNode payload, SendTimes sentAt,
      java.util.concurrent.atomic.LongAccumulator slowest) throws Exception {
    long t0 = System.nanoTime();
    EventId id = sentAt.stamp();
    long deadline = t0 + TimeUnit.MINUTES.toNanos(1);
    for (int retries = 0; ; retries++) {
      try {
        sides.sender().send(c, PipelineBenchmark.TYPE, id, payload, "b-" + id.value());
        slowest.accumulate(System.nanoTime() - t0);
        return retries;
      } catch (io.vettid.api.VettidException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** Waits until the {@code i}-th event of a run offered at {@code rate} events per second is due. */
  static void pace(long start, int i, int rate) {
    if (rate <= 0) {
      return;
    }
    long due = start + (long) (i * (1e9 / rate));
    long wait = due - System.nanoTime();
    if (wait > 0) {
      LockSupport.parkNanos(wait);
    }
  }
}
