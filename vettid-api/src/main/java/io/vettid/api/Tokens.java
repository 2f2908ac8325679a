package io.vettid.api;

import java.util.Objects;
import java.util.regex.Pattern;

/** Shared argument checks for the identifier types. Package-private: one place for the rules. */
final class Tokens {
  private Tokens() {}

  static String require(String kind, String value, Pattern pattern, int maxLength, String rule) {
    Objects.requireNonNull(value, () -> kind + " must not be null");
    if (value.isEmpty() || value.length() > maxLength || !pattern.matcher(value).matches()) {
      throw new IllegalArgumentException(
          kind + " '" + printable(value) + "' is invalid: " + rule + " (1.." + maxLength + " chars)");
    }
    return value;
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
