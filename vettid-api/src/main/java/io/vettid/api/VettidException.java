package io.vettid.api;

import java.util.Objects;

/**
 * A checked failure of a VettID check. It always carries the {@link FailureReason}, so a caller
 * can quarantine and count the event. Messages name what failed and which id (keyID, eventId,
 * connectionId) but never contain key material or decrypted payloads.
 */
public class VettidException extends Exception {
  @java.io.Serial private static final long serialVersionUID = 1L;

  /** Why the check failed. */
  private final FailureReason reason;

  /**
   * Creates the exception.
   *
   * @param reason why the check failed
   * @param message what failed and what to do next; never secret data
   */
  public VettidException(FailureReason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /**
   * Creates the exception with a cause. The cause must not carry secrets in its message either.
   *
   * @param reason why the check failed
   * @param message what failed and what to do next; never secret data
   * @param cause the underlying failure
   */
  public VettidException(FailureReason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** {@return why the check failed} */
  public FailureReason reason() {
    return reason;
  }
}
