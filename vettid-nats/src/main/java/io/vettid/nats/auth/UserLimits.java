package io.vettid.nats.auth;

/**
 * What one NATS user may take from the server, written into its JWT: how many subscriptions it
 * may hold, the largest message it may publish, and the data it may send. {@code -1} means
 * unlimited. nats-server 2.9 enforces {@code subs} and {@code payload} per user; {@code data} is
 * recorded for servers that enforce it (the stream limits of {@code JetStreamLayout} bound what a
 * connection can store either way).
 *
 * @param subscriptions most subscriptions at once, or -1
 * @param payloadBytes largest message payload, in bytes, or -1
 * @param dataBytes data the user may send, in bytes, or -1
 */
public record UserLimits(long subscriptions, long payloadBytes, long dataBytes) {
  /** No limits beyond the account's and the server's: for the vault's own services. */
  public static final UserLimits UNLIMITED = new UserLimits(-1, -1, -1);

  /** The largest deposit a connection may publish: an envelope of 1 MiB with 8 KiB to spare for headers. */
  public static final long MAX_DEPOSIT_BYTES = (1L << 20) + 8192;

  /**
   * A connection's user: 16 subscriptions (jnats needs one for its inbox), deposits up to {@link
   * #MAX_DEPOSIT_BYTES}, no cap on data sent (its deposit stream's per-connection limit caps what
   * it can store).
   */
  public static final UserLimits CONNECTION = new UserLimits(16, MAX_DEPOSIT_BYTES, -1);

  /**
   * Checks the limits.
   *
   * @param subscriptions most subscriptions at once, or -1
   * @param payloadBytes largest message payload, in bytes, or -1
   * @param dataBytes data the user may send, in bytes, or -1
   */
  public UserLimits {
    check("subscriptions", subscriptions);
    check("payloadBytes", payloadBytes);
    check("dataBytes", dataBytes);
  }

  private static void check(String what, long value) {
    if (value < -1) {
      throw new IllegalArgumentException(what + " must be -1 (unlimited) or >= 0, got " + value);
    }
  }
}
