package io.vettid.api;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Identifies one connection (a user, app or service that the owner granted access to an
 * EventSpace). The text form is lowercase letters, digits and {@code -}, so that it can stand as a
 * token in an externally exposed (all lowercase) NATS subject such as
 * {@code subscriber.<guid>.<eventspace>.queue.<connectionId>}.
 *
 * @param value the text form, validated
 */
public record ConnectionId(String value) {
  /** Longest accepted text form. */
  public static final int MAX_LENGTH = 64;

  /** The form, as a regular expression (the hand-written check is tested against it). */
  static final Pattern FORM = Pattern.compile("[a-z0-9](?:[a-z0-9-]*[a-z0-9])?");

  /**
   * Validates the text form.
   *
   * @param value the record component {@code value}
   * @throws IllegalArgumentException if the value is empty, too long, or has a character other
   *     than {@code a-z 0-9 -} (or starts or ends with {@code -})
   */
  public ConnectionId {
    Tokens.require(
        "connectionId", value, Tokens::isLowerToken, MAX_LENGTH, "lowercase letters, digits and inner '-' only");
  }

  /**
   * Parses a connection id.
   *
   * @param value text form
   * @return the id
   * @throws IllegalArgumentException if the text is not a valid connection id
   */
  public static ConnectionId of(String value) {
    return new ConnectionId(value);
  }

  /** {@return a new random connection id (a UUID in lowercase text form)} */
  public static ConnectionId random() {
    return new ConnectionId(UUID.randomUUID().toString());
  }

  @Override
  public String toString() {
    return value;
  }
}
