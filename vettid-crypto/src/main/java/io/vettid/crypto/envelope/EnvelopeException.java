package io.vettid.crypto.envelope;

import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;

/**
 * An envelope did not open. {@link #reason()} says why: {@link FailureReason#MALFORMED}, {@link
 * FailureReason#UNKNOWN_KEY_ID}, {@link FailureReason#WRONG_KEY}, {@link
 * FailureReason#BAD_SIGNATURE}, {@link FailureReason#UNKNOWN_SESSION}, {@link
 * FailureReason#REPLAYED} or {@link FailureReason#DECRYPTION_FAILED}. No plaintext, partial or
 * whole, is ever returned with it.
 */
public final class EnvelopeException extends VettidException {
  @java.io.Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param reason why the envelope did not open
   * @param message what failed, naming keyIDs and the session, never secrets
   */
  public EnvelopeException(FailureReason reason, String message) {
    super(reason, message);
  }
}
