package io.vettid.api;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Identifies one logical event (and the handler conversation it starts). Events that share an
 * eventId are passed to the same running handler; JetStream de-duplicates on it.
 *
 * <p>Allowed characters: ASCII letters, digits, {@code -} and {@code _}; at most 128.
 *
 * @param value the text form, validated
 */
public record EventId(String value) {
  /** Longest accepted text form. */
  public static final int MAX_LENGTH = 128;

  /** The form, as a regular expression (the hand-written check is tested against it). */
  static final Pattern FORM = Pattern.compile("[A-Za-z0-9_-]+");

  /**
   * Validates the text form.
   *
   * @param value the record component {@code value}
   * @throws IllegalArgumentException if the value is empty, too long or has another character
   */
  public EventId {
    Tokens.require("eventId", value, Tokens::isIdChars, MAX_LENGTH, "ASCII letters, digits, '-' and '_' only");
  }

  /**
   * Parses an event id.
   *
   * @param value text form
   * @return the id
   * @throws IllegalArgumentException if the text is not a valid event id
   */
  public static EventId of(String value) {
    return new EventId(value);
  }

  /** {@return a new random event id (a UUID)} */
  public static EventId random() {
    return new EventId(UUID.randomUUID().toString());
  }

  @Override
  public String toString() {
    return value;
  }
}
