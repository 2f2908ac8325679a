package io.vettid.nats.auth;

/**
 * JetStream limits of one account, written into its JWT. {@code -1} means unlimited; a subscriber
 * account should have finite storage (see {@link #subscriberDefault()}).
 *
 * @param memoryBytes memory storage, in bytes, or -1
 * @param diskBytes file storage, in bytes, or -1
 * @param streams number of streams, or -1
 * @param consumers number of consumers, or -1
 */
public record JetStreamLimits(long memoryBytes, long diskBytes, long streams, long consumers) {

  /** No JetStream for the account (the system account). */
  public static final JetStreamLimits DISABLED = new JetStreamLimits(0, 0, 0, 0);

  /**
   * Checks the limits.
   *
   * @param memoryBytes memory storage, in bytes, or -1
   * @param diskBytes file storage, in bytes, or -1
   * @param streams number of streams, or -1
   * @param consumers number of consumers, or -1
   */
  public JetStreamLimits {
    check("memoryBytes", memoryBytes);
    check("diskBytes", diskBytes);
    check("streams", streams);
    check("consumers", consumers);
  }

  /** {@return 64 MiB memory, 1 GiB disk, 64 streams, 1,024 consumers: the default per subscriber} */
  public static JetStreamLimits subscriberDefault() {
    return new JetStreamLimits(64L << 20, 1L << 30, 64, 1024);
  }

  /** {@return whether the account may use JetStream at all} */
  public boolean enabled() {
    return memoryBytes != 0 || diskBytes != 0;
  }

  private static void check(String what, long value) {
    if (value < -1) {
      throw new IllegalArgumentException(what + " must be -1 (unlimited) or >= 0, got " + value);
    }
  }
}
