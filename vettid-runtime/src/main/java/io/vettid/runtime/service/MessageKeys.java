package io.vettid.runtime.service;

import io.vettid.api.EventId;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of one event message: its eventId (the logical event, shared by every message of
 * one exchange) and the first 16 bytes of the SHA-256 of its Internal Event bytes. A redelivered
 * or republished message has the same key, a different message of the same eventId does not. Used
 * as {@code Nats-Msg-Id} and in the handled-once records.
 */
final class MessageKeys {
  private MessageKeys() {}

  static String of(EventId eventId, byte[] internalEventBytes) {
    return eventId.value() + "." + digest(internalEventBytes);
  }

  /** {@return the first 16 bytes of the SHA-256 of {@code bytes}, in hex} */
  static String digest(byte[] bytes) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
  }
}
