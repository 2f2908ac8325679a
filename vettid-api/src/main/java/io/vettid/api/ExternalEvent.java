package io.vettid.api;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * An event as it travels outside a vault: the keyID of the key it is sealed to, and the sealed
 * (encrypted and authenticated) bytes of an {@link InternalEvent}. This encryption is in addition
 * to TLS on the link. The byte layout of {@code sealed} is the envelope defined in
 * {@code docs/PROTOCOL.md}; only the holder of the key named by {@code keyId} can open it.
 *
 * <p>The array is copied in and out, so an instance is immutable.
 *
 * @param keyId the recipient key the event is sealed to
 * @param sealed the envelope bytes; never empty
 */
public record ExternalEvent(KeyId keyId, byte[] sealed) {
  /** Largest accepted envelope, in bytes (1 MiB, the default NATS max payload). */
  public static final int MAX_SEALED_BYTES = 1 << 20;

  /**
   * Validates and copies the arguments.
   *
   * @param keyId the record component {@code keyId}
   * @param sealed the record component {@code sealed}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code sealed} is empty or larger than {@link
   *     #MAX_SEALED_BYTES}
   */
  public ExternalEvent {
    Objects.requireNonNull(keyId, "keyId must not be null");
    Objects.requireNonNull(sealed, "sealed must not be null");
    if (sealed.length == 0 || sealed.length > MAX_SEALED_BYTES) {
      throw new IllegalArgumentException(
          "sealed envelope for keyId " + keyId + " has " + sealed.length
              + " bytes; expected 1.." + MAX_SEALED_BYTES);
    }
    sealed = sealed.clone();
  }

  /** {@return a copy of the envelope bytes} */
  @Override
  public byte[] sealed() {
    return sealed.clone();
  }

  /** {@return length of the envelope in bytes, without copying it} */
  public int sealedLength() {
    return sealed.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExternalEvent other
        && keyId.equals(other.keyId)
        && Arrays.equals(sealed, other.sealed);
  }

  @Override
  public int hashCode() {
    return 31 * keyId.hashCode() + Arrays.hashCode(sealed);
  }

  /** Shows the keyID and the envelope size, never the bytes. */
  @Override
  public String toString() {
    return "ExternalEvent[keyId=" + keyId + ", sealed=" + sealed.length + " bytes]";
  }

  /** {@return base64 (RFC 4648, no line breaks) of the envelope, for JSON transports} */
  public String sealedBase64() {
    return Base64.getEncoder().encodeToString(sealed);
  }
}
