package io.vettid.crypto.keyring;

import java.time.Duration;
import java.util.Objects;

/**
 * When a key ring rotates and how long replaced keys may still open.
 *
 * @param maxAge rotate when the primary is this old
 * @param maxUses rotate when the primary has been used this many times
 * @param grace how long a replaced key still opens (never seals) before it is destroyed
 */
public record RotationPolicy(Duration maxAge, long maxUses, Duration grace) {
  /** Defaults: rotate every 30 days or 1,000,000 uses; replaced keys open for 7 more days. */
  public static final RotationPolicy DEFAULT =
      new RotationPolicy(Duration.ofDays(30), 1_000_000, Duration.ofDays(7));

  /**
   * Validates the policy.
   *
   * @param maxAge the record component {@code maxAge}
   * @param maxUses the record component {@code maxUses}
   * @param grace the record component {@code grace}
   * @throws IllegalArgumentException if a value is not positive (grace may be zero)
   */
  public RotationPolicy {
    Objects.requireNonNull(maxAge, "maxAge");
    Objects.requireNonNull(grace, "grace");
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("maxAge must be positive");
    }
    if (maxUses < 1) {
      throw new IllegalArgumentException("maxUses must be at least 1");
    }
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative");
    }
  }
}
