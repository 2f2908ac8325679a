package io.vettid.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * The real UTC clock plus an offset a test moves forward, for expiry, grace periods and
 * revocation times that must also make sense to a real server (which keeps real time).
 *
 * <pre>{@code
 * ShiftedClock clock = new ShiftedClock();
 * NatsOperator operator = NatsOperator.create("test", clock);   // anything that takes a Clock
 * clock.advance(Duration.ofMinutes(2));
 * }</pre>
 */
public final class ShiftedClock extends Clock {
  private volatile Duration offset = Duration.ZERO;

  /** Creates a clock that starts at real time. */
  public ShiftedClock() {}

  /**
   * Moves the clock forward.
   *
   * @param d how far (not negative)
   */
  public void advance(Duration d) {
    Objects.requireNonNull(d, "d");
    if (d.isNegative()) {
      throw new IllegalArgumentException("a clock only moves forward");
    }
    offset = offset.plus(d);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }
}
