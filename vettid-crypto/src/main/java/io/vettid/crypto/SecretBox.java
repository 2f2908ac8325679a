package io.vettid.crypto;

import io.vettid.crypto.internal.Aead;
import io.vettid.crypto.internal.Hkdf;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Symmetric building blocks for callers outside the envelope: HKDF-SHA-256 key derivation,
 * HMAC-SHA-256 with a constant-time check, and a box sealed with AES-256-GCM under a random
 * 96-bit nonce ({@code nonce || ciphertext || tag}). Used to seal records at rest under a key
 * derived from the vault secret, and to protect invitation messages under a key derived from the
 * invitation secret.
 *
 * <pre>{@code
 * byte[] key = SecretBox.derive(vaultSecret, "vettid/connections/v1", 32);
 * byte[] box = SecretBox.seal(key, "connection:abc".getBytes(UTF_8), record, random);
 * byte[] again = SecretBox.open(key, "connection:abc".getBytes(UTF_8), box);
 * }</pre>
 */
public final class SecretBox {
  /** Bytes a box adds to its plaintext: the nonce and the tag. */
  public static final int OVERHEAD = Aead.NONCE_BYTES + Aead.TAG_BYTES;

  private SecretBox() {}

  /**
   * HKDF-SHA-256 (RFC 5869) with an all-zero salt.
   *
   * @param secret the input key material (at least 16 bytes)
   * @param info what the key is for (domain separation)
   * @param length bytes wanted (1..8160)
   * @return the key
   */
  public static byte[] derive(byte[] secret, String info, int length) {
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(info, "info");
    if (secret.length < 16) {
      throw new IllegalArgumentException("the secret must be at least 16 bytes");
    }
    try {
      return Hkdf.sha256(secret, new byte[32], info.getBytes(java.nio.charset.StandardCharsets.UTF_8), length);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("length must be 1.." + Hkdf.MAX_OUTPUT, e);
    }
  }

  /**
   * Seals a message.
   *
   * @param key 32 bytes
   * @param aad authenticated context (not secret, not stored in the box)
   * @param plaintext the message
   * @param random the nonce source
   * @return {@code nonce || ciphertext || tag}
   */
  public static byte[] seal(byte[] key, byte[] aad, byte[] plaintext, SecureRandom random) {
    Objects.requireNonNull(random, "random");
    byte[] nonce = new byte[Aead.NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      byte[] sealed = Aead.seal(requireKey(key), nonce, aad, plaintext);
      byte[] out = Arrays.copyOf(nonce, nonce.length + sealed.length);
      System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM failed", e);
    }
  }

  /**
   * Opens a box.
   *
   * @param key 32 bytes
   * @param aad the context it was sealed with
   * @param box {@code nonce || ciphertext || tag}
   * @return the message
   * @throws GeneralSecurityException if the box was altered, truncated, or sealed with another key
   *     or context
   */
  public static byte[] open(byte[] key, byte[] aad, byte[] box) throws GeneralSecurityException {
    Objects.requireNonNull(box, "box");
    if (box.length < OVERHEAD) {
      throw new javax.crypto.AEADBadTagException("box shorter than nonce and tag");
    }
    return Aead.open(requireKey(key), Arrays.copyOf(box, Aead.NONCE_BYTES), aad,
        Arrays.copyOfRange(box, Aead.NONCE_BYTES, box.length));
  }

  /**
   * HMAC-SHA-256 over the concatenation of the parts, each prefixed by its 4-byte length (so that
   * parts cannot be shifted into one another).
   *
   * @param key the MAC key (at least 16 bytes)
   * @param parts the parts
   * @return the 32-byte tag
   */
  public static byte[] mac(byte[] key, byte[]... parts) {
    Objects.requireNonNull(key, "key");
    if (key.length < 16) {
      throw new IllegalArgumentException("the MAC key must be at least 16 bytes");
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      for (byte[] p : parts) {
        Objects.requireNonNull(p, "part");
        mac.update(new byte[] {(byte) (p.length >>> 24), (byte) (p.length >>> 16), (byte) (p.length >>> 8),
            (byte) p.length});
        mac.update(p);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /**
   * Checks a tag in constant time.
   *
   * @param expected the tag computed here
   * @param presented the tag received
   * @return whether they are equal
   */
  public static boolean equal(byte[] expected, byte[] presented) {
    return MessageDigest.isEqual(Objects.requireNonNull(expected, "expected"),
        Objects.requireNonNull(presented, "presented"));
  }

  private static byte[] requireKey(byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length != Aead.KEY_BYTES) {
      throw new IllegalArgumentException("the key must be 32 bytes, got " + key.length);
    }
    return key;
  }
}
