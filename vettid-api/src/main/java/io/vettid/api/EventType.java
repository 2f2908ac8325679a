package io.vettid.api;

import java.util.regex.Pattern;

/**
 * The type of an event, such as {@code profile.request} or {@code connection.key-rotation}.
 * Rules and handlers are chosen by it.
 *
 * <p>Form: one or more lowercase tokens of {@code a-z 0-9 -}, separated by single dots; at most
 * 128 characters. Lowercase keeps a type usable in externally exposed subjects.
 *
 * @param value the text form, validated
 */
public record EventType(String value) {
  /** Longest accepted text form. */
  public static final int MAX_LENGTH = 128;

  /** The form, as a regular expression (the hand-written check is tested against it). */
  static final Pattern FORM =
      Pattern.compile("[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*");

  /**
   * Validates the text form.
   *
   * @param value the record component {@code value}
   * @throws IllegalArgumentException if the value is not dot-separated lowercase tokens
   */
  public EventType {
    Tokens.require(
        "event type", value, Tokens::isDottedLowerTokens, MAX_LENGTH, "dot-separated tokens of lowercase letters, digits, '-'");
  }

  /**
   * Parses an event type.
   *
   * @param value text form, for example {@code "profile.request"}
   * @return the type
   * @throws IllegalArgumentException if the text is not a valid event type
   */
  public static EventType of(String value) {
    return new EventType(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
