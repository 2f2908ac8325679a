package io.vettid.api;

import java.util.Optional;

/**
 * An event's bytes are not a valid event: malformed JSON, a missing, mistyped or unknown field,
 * or an invalid value. {@link #field()} names the offending top-level field where there is one.
 */
public final class InvalidEventException extends VettidException {
  @java.io.Serial private static final long serialVersionUID = 1L;

  /** The offending top-level field, or null. */
  private final String field;

  /**
   * Creates the exception.
   *
   * @param field the offending top-level field, or {@code null} when the whole document is bad
   * @param message what is wrong; never payload content
   */
  public InvalidEventException(String field, String message) {
    super(FailureReason.MALFORMED, message);
    this.field = field;
  }

  /** {@return the top-level field that failed validation, if the failure is about one field} */
  public Optional<String> field() {
    return Optional.ofNullable(field);
  }
}
