package io.vettid.crypto.keyring;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls {@link KeyRing#maintain()} on a schedule, so keys rotate without anyone asking.
 *
 * <pre>{@code
 * try (RotationScheduler s = RotationScheduler.start(List.of(ring), Duration.ofMinutes(1))) {
 *   // the ring rotates by its policy while the scheduler runs
 * }
 * }</pre>
 *
 * <p>A failed rotation is logged (without key material) and counted; the ring keeps its primary
 * and the next run tries again.
 */
public final class RotationScheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RotationScheduler.class);

  private final ScheduledExecutorService executor;
  private final AtomicLong rotations = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  private RotationScheduler(List<KeyRing> rings, Duration period) {
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "vettid-key-rotation");
      t.setDaemon(true);
      return t;
    });
    long millis = period.toMillis();
    executor.scheduleWithFixedDelay(() -> runOnce(rings), millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts maintaining rings.
   *
   * @param rings the rings
   * @param period time between runs (at least 10 ms)
   * @return the running scheduler
   */
  public static RotationScheduler start(List<KeyRing> rings, Duration period) {
    Objects.requireNonNull(rings, "rings");
    Objects.requireNonNull(period, "period");
    if (period.toMillis() < 10) {
      throw new IllegalArgumentException("period must be at least 10 ms");
    }
    return new RotationScheduler(List.copyOf(rings), period);
  }

  /**
   * Runs {@link KeyRing#maintain()} on every ring once, now (also what each scheduled run does).
   *
   * @param rings the rings
   */
  void runOnce(List<KeyRing> rings) {
    for (KeyRing ring : rings) {
      try {
        if (ring.maintain()) {
          rotations.incrementAndGet();
        }
      } catch (Exception e) {
        failures.incrementAndGet();
        LOG.warn("rotation of {} ring failed: {}", ring.algorithm().name(), e.getClass().getSimpleName());
      }
    }
  }

  /** {@return how many rotations the scheduler made} */
  public long rotations() {
    return rotations.get();
  }

  /** {@return how many maintenance runs failed} */
  public long failures() {
    return failures.get();
  }

  /** Stops the schedule. */
  @Override
  public void close() {
    executor.shutdownNow();
  }
}
