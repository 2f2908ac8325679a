package io.vettid.cli;

import io.vettid.runtime.client.ControlEndpoint;

/**
 * The vault daemon refuses a control request: the message says what failed and what to do next;
 * the code is the service API error code the answer carries ({@link ControlEndpoint#MALFORMED},
 * {@link ControlEndpoint#NOT_FOUND}, {@link ControlEndpoint#REFUSED}).
 */
final class Refused extends Exception {
  @java.io.Serial private static final long serialVersionUID = 1L;

  private final int code;

  Refused(String message, int code) {
    super(message);
    this.code = code;
  }

  /** A refusal for the vault's state: {@link ControlEndpoint#REFUSED}. */
  Refused(String message) {
    this(message, ControlEndpoint.REFUSED);
  }

  static Refused notFound(String message) {
    return new Refused(message, ControlEndpoint.NOT_FOUND);
  }

  static Refused malformed(String message) {
    return new Refused(message, ControlEndpoint.MALFORMED);
  }

  int code() {
    return code;
  }
}
