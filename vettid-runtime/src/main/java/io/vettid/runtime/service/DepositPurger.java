package io.vettid.runtime.service;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.PurgeOptions;
import io.nats.client.api.PurgeResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes acknowledged deposits from a deposit stream with limits retention (PROTOCOL §6): one
 * purge request below the watcher's consumer's <b>acknowledgement floor</b>, as the server reports
 * it, instead of one deletion per deposit. Every deposit below that floor was forwarded to {@code
 * DataVault.Queue} or quarantined, and the queue or the quarantine acknowledged it, so nothing the
 * vault still needs is purged; a deposit not yet settled, or given back to be redelivered, holds the
 * floor below itself.
 *
 * <p>A purge is asked for once {@value #EVERY} more deposits, or {@value #EVERY_BYTES} more bytes of
 * them, were acknowledged since the last request, or after {@link #AFTER} with any acknowledged
 * deposit not yet purged. It runs on its own daemon thread, one at a time, so the watcher never waits
 * for it. A failed purge is logged and tried again later; until then the acknowledged deposits only
 * stay stored (sealed, in the encrypted store).
 *
 * <p>The thresholds are large because a purge's cost on the server hardly depends on how much it
 * removes: a range that ends inside a block of the encrypted file store has that block rewritten.
 * Measured with {@code ServerCostProbe} on the benchmark machine, a purge every 8,160 messages cost
 * 7 to 15 µs per message, one every 32,640 about 1 to 2.
 *
 * <p>Purging a range keeps the stream's {@code Nats-Msg-Id} window, so a sender's retry of a purged
 * deposit is still stored once. Not for a stream another consumer reads: the deposit stream is read
 * by the EventSpace's watcher alone.
 */
final class DepositPurger implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DepositPurger.class);

  /** Acknowledged deposits after which a purge is asked for. */
  static final long EVERY = 65_536;

  /** Bytes of acknowledged deposits after which a purge is asked for. */
  static final long EVERY_BYTES = 128L << 20;

  /** How long acknowledged deposits wait at most for a purge (while the watcher runs). */
  static final Duration AFTER = Duration.ofSeconds(5);

  private final JetStreamManagement jsm;
  private final String stream;
  private final String consumer;
  private final long every;
  private final long everyBytes;
  private final long afterNanos;
  private final ExecutorService thread;
  private final AtomicLong purged = new AtomicLong();
  /** Every sequence below this one is purged (sequences start at 1). */
  private volatile long purgedBelow = 1;
  /** The highest stream sequence the watcher acknowledged (watcher thread only). */
  private long highestAcknowledged;
  /** {@link #highestAcknowledged} when the last purge was asked for. */
  private long highestAtRequest;
  /** Bytes of the deposits acknowledged since the last purge was asked for (watcher thread only). */
  private long bytesSinceRequest;
  private long lastRequest = System.nanoTime();
  private Future<?> running;

  /**
   * Creates a purger.
   *
   * @param jsm the management context of the owner's connection
   * @param stream the deposit stream
   * @param consumer the watcher's durable consumer, whose acknowledgement floor bounds every purge
   * @param every acknowledged deposits after which a purge is asked for, at least 1
   * @param everyBytes bytes of acknowledged deposits after which a purge is asked for, at least 1
   * @param after how long acknowledged deposits wait at most, positive
   */
  DepositPurger(JetStreamManagement jsm, String stream, String consumer, long every,
      long everyBytes, Duration after) {
    this.jsm = Objects.requireNonNull(jsm, "jsm");
    this.stream = Objects.requireNonNull(stream, "stream");
    this.consumer = Objects.requireNonNull(consumer, "consumer");
    if (every < 1) {
      throw new IllegalArgumentException("every must be at least 1, got " + every);
    }
    if (everyBytes < 1) {
      throw new IllegalArgumentException("everyBytes must be at least 1, got " + everyBytes);
    }
    if (Objects.requireNonNull(after, "after").isNegative() || after.isZero()) {
      throw new IllegalArgumentException("after must be positive, got " + after);
    }
    this.every = every;
    this.everyBytes = everyBytes;
    this.afterNanos = after.toNanos();
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "vettid-purge-" + stream);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Notes that the watcher acknowledged a deposit (watcher thread).
   *
   * @param streamSequence the deposit's stream sequence
   * @param bytes the deposit's size
   */
  void acknowledged(long streamSequence, int bytes) {
    bytesSinceRequest += bytes;
    if (streamSequence > highestAcknowledged) {
      highestAcknowledged = streamSequence;
    }
  }

  /** Asks for a purge if one is due and none is running (watcher thread; never waits). */
  void maybePurge() {
    if (highestAcknowledged < purgedBelow || (running != null && !running.isDone())) {
      return;
    }
    // by count, or by time: a deposit still held (not settled, or given back) keeps the floor below
    // itself, and the time rule then asks the server only once per interval
    long now = System.nanoTime();
    if (highestAcknowledged - highestAtRequest < every && bytesSinceRequest < everyBytes
        && now - lastRequest < afterNanos) {
      return;
    }
    lastRequest = now;
    highestAtRequest = highestAcknowledged;
    bytesSinceRequest = 0;
    running = thread.submit(() -> {
      try {
        purgeNow();
      } catch (IOException | JetStreamApiException | RuntimeException e) {
        LOG.warn("could not purge acknowledged deposits from {} ({}); trying again later", stream,
            e.getClass().getSimpleName());
      }
    });
  }

  /**
   * Purges every deposit below the consumer's acknowledgement floor, now, on the calling thread.
   *
   * @return how many deposits this purge removed
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the server refuses
   */
  long purgeNow() throws IOException, JetStreamApiException {
    long floor = jsm.getConsumerInfo(stream, consumer).getAckFloor().getStreamSequence();
    if (floor < purgedBelow) {
      return 0;
    }
    PurgeResponse r = jsm.purgeStream(stream, PurgeOptions.builder().sequence(floor + 1).build());
    purgedBelow = floor + 1;
    purged.addAndGet(r.getPurged());
    return r.getPurged();
  }

  /** {@return how many deposits this purger removed so far} */
  long purged() {
    return purged.get();
  }

  /** Stops the purge thread, letting a running purge finish (waits up to 5 s). */
  @Override
  public void close() {
    thread.shutdown();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
