package io.vettid.crypto.envelope;

import java.time.Duration;
import java.util.Objects;

/**
 * When a sending session ends and a new session key is wrapped: after {@code maxEvents} events or
 * {@code maxAge}, whichever comes first. An opener also refuses key blocks older than {@code
 * maxAge}. Neither may be looser than the defaults (10,000 events, 24 hours).
 *
 * @param maxEvents events per session, 1..10,000
 * @param maxAge session lifetime, positive, at most 24 hours
 */
public record SessionPolicy(long maxEvents, Duration maxAge) {
  /** The default and loosest event count. */
  public static final long MAX_EVENTS = 10_000;

  /** The default and loosest age. */
  public static final Duration MAX_AGE = Duration.ofHours(24);

  /** The defaults: 10,000 events or 24 hours. */
  public static final SessionPolicy DEFAULT = new SessionPolicy(MAX_EVENTS, MAX_AGE);

  /**
   * Validates the limits.
   *
   * @param maxEvents the record component {@code maxEvents}
   * @param maxAge the record component {@code maxAge}
   * @throws IllegalArgumentException if a limit is out of range
   */
  public SessionPolicy {
    Objects.requireNonNull(maxAge, "maxAge");
    if (maxEvents < 1 || maxEvents > MAX_EVENTS) {
      throw new IllegalArgumentException("maxEvents must be 1.." + MAX_EVENTS + ", got " + maxEvents);
    }
    if (maxAge.isNegative() || maxAge.isZero() || maxAge.compareTo(MAX_AGE) > 0) {
      throw new IllegalArgumentException("maxAge must be positive and at most " + MAX_AGE + ", got " + maxAge);
    }
  }
}
