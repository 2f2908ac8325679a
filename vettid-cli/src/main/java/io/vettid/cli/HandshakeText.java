package io.vettid.cli;

import java.util.Base64;
import java.util.Objects;

/**
 * The handshake messages as text to copy, paste or mail: {@code vettid-accept:} or {@code
 * vettid-confirm:} followed by the message bytes in base64url without padding. The messages are
 * authenticated end to end (PROTOCOL.md section 8.2), so any channel may carry them.
 */
final class HandshakeText {
  private static final int MAX_CHARS = 200_000;

  private HandshakeText() {}

  static String encode(String kind, byte[] message) {
    return "vettid-" + kind + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(message);
  }

  static byte[] decode(String kind, String text) throws Refused {
    Objects.requireNonNull(text, "text");
    String t = text.strip();
    String prefix = "vettid-" + kind + ":";
    if (!t.startsWith(prefix)) {
      String other = kind.equals("accept") ? "confirm" : "accept";
      throw Refused.malformed(t.startsWith("vettid-" + other + ":")
          ? "this is a " + other + " message; give it to " + (other.equals("accept") ? "'vettid invite confirm'"
              : "'vettid accept complete'")
          : "not a VettID " + kind + " message (it starts with '" + prefix + "')");
    }
    String body = t.substring(prefix.length());
    if (body.length() > MAX_CHARS || !body.matches("[A-Za-z0-9_-]+")) {
      throw Refused.malformed("the " + kind + " message is damaged (not base64url): copy it whole");
    }
    return Base64.getUrlDecoder().decode(body);
  }
}
