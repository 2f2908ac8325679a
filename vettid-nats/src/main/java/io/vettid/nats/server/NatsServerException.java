package io.vettid.nats.server;

/**
 * A {@code nats-server} process could not be found, started, or stopped. The message says what to
 * do next (for example how to install the binary) and, for start failures, ends with the tail of
 * the server's log.
 */
public final class NatsServerException extends RuntimeException {
  @java.io.Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed and what to do next
   */
  public NatsServerException(String message) {
    super(message);
  }

  /**
   * Creates the exception with a cause.
   *
   * @param message what failed and what to do next
   * @param cause the underlying failure
   */
  public NatsServerException(String message, Throwable cause) {
    super(message, cause);
  }
}
