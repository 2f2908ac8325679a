package io.vettid.api;

import java.util.Objects;
import java.util.regex.Pattern;

/** Shared argument checks for the identifier types. Package-private: one place for the rules. */
final class Tokens {
  private Tokens() {}

  static String require(String kind, String value, Pattern pattern, int maxLength, String rule) {
    return require(kind, value, v -> pattern.matcher(v).matches(), maxLength, rule);
  }

  /** Like the pattern form, with a hand-written check (identifiers are validated on the hot path). */
  static String require(String kind, String value, java.util.function.Predicate<String> form, int maxLength,
      String rule) {
    Objects.requireNonNull(value, () -> kind + " must not be null");
    if (value.isEmpty() || value.length() > maxLength || !form.test(value)) {
      throw new IllegalArgumentException(
          kind + " '" + printable(value) + "' is invalid: " + rule + " (1.." + maxLength + " chars)");
    }
    return value;
  }

  /** {@code [A-Za-z0-9_-]+} */
  static boolean isIdChars(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
        return false;
      }
    }
    return !v.isEmpty();
  }

  /** {@code [a-z0-9](?:[a-z0-9-]*[a-z0-9])?} between {@code from} and {@code to}. */
  private static boolean isLowerToken(String v, int from, int to) {
    if (to <= from || v.charAt(from) == '-' || v.charAt(to - 1) == '-') {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = v.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** {@code [a-z0-9](?:[a-z0-9-]*[a-z0-9])?} */
  static boolean isLowerToken(String v) {
    return isLowerToken(v, 0, v.length());
  }

  /** Lower tokens joined by single dots. */
  static boolean isDottedLowerTokens(String v) {
    int start = 0;
    for (int i = 0; i <= v.length(); i++) {
      if (i == v.length() || v.charAt(i) == '.') {
        if (!isLowerToken(v, start, i)) {
          return false;
        }
        start = i + 1;
      }
    }
    return true;
  }

  /** Quotes untrusted input for an error message: short, and free of control characters. */
  static String printable(String value) {
    StringBuilder out = new StringBuilder();
    int limit = Math.min(value.length(), 80);
    for (int i = 0; i < limit; i++) {
      char c = value.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    if (value.length() > limit) {
      out.append("...(").append(value.length()).append(" chars)");
    }
    return out.toString();
  }
}
