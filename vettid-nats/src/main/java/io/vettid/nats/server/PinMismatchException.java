package io.vettid.nats.server;

import java.io.IOException;

/**
 * A server answered at a {@link ServerAddress} but did not present a certificate of the CA its pin
 * names (or not for its host): it is not the server the pin names, whatever it is. Unlike an
 * unreachable server, this does not get better by trying again.
 */
public final class PinMismatchException extends IOException {
  @java.io.Serial private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was refused, naming the address and never key material
   * @param cause the TLS failure
   */
  public PinMismatchException(String message, Throwable cause) {
    super(message, cause);
  }
}
