package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import org.apiguardian.api.API;

/**
 * Why an invitation, an acceptance or a confirmation was refused. The message says why (reused,
 * expired, forged, blocked, a bad profile or signature) and never echoes secrets.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class HandshakeException extends Exception {
  @java.io.Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message why
   */
  public HandshakeException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message why
   * @param cause the underlying failure
   */
  public HandshakeException(String message, Throwable cause) {
    super(message, cause);
  }
}
