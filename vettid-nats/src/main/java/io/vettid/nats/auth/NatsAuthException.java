package io.vettid.nats.auth;

/** A JWT could not be issued, or the server refused or did not confirm an account update. */
public final class NatsAuthException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and what to do
   * @param cause the underlying failure, or null
   */
  public NatsAuthException(String message, Throwable cause) {
    super(message, cause);
  }
}
