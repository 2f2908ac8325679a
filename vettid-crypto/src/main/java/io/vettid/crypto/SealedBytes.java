package io.vettid.crypto;

import io.vettid.crypto.internal.Aead;
import io.vettid.crypto.internal.Scrypt;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * Bytes sealed at rest under a passphrase: scrypt (N = 2^17, r = 8, p = 1 by default) derives a
 * key-encryption key, and AES-256-GCM seals the bytes with the header and a <em>purpose</em> as
 * associated data, so a file sealed for one purpose does not open as another. Any altered,
 * truncated or appended byte, a wrong passphrase or a wrong purpose makes {@link #open} fail with
 * one message that does not say which.
 *
 * <pre>{@code
 * byte[] sealed = SealedBytes.seal(secrets, passphrase, "vault-secrets");
 * byte[] again = SealedBytes.open(sealed, passphrase, "vault-secrets");
 * }</pre>
 *
 * <p>Layout: {@code "VSB1"}, kdf byte 1 (scrypt), log2 N, r, p, 16-byte salt, 12-byte nonce, then
 * AES-256-GCM with AAD = everything before it plus the UTF-8 purpose.
 */
public final class SealedBytes {
  private static final byte[] MAGIC = {'V', 'S', 'B', '1'};
  private static final int KDF_SCRYPT = 1;
  private static final int HEADER = 4 + 1 + 3 + 16;
  /** Longest purpose label. */
  private static final int MAX_PURPOSE = 64;

  private SealedBytes() {}

  /**
   * Seals with the default scrypt cost.
   *
   * @param plaintext the bytes (not kept; wipe your copy)
   * @param passphrase at least 8 characters (not kept)
   * @param purpose what the bytes are for, 1-64 printable ASCII characters, bound to the seal
   * @return the sealed bytes
   */
  public static byte[] seal(byte[] plaintext, char[] passphrase, String purpose) {
    return seal(plaintext, passphrase, purpose, Scrypt.DEFAULT_LOG_N);
  }

  /**
   * Seals.
   *
   * @param plaintext the bytes
   * @param passphrase at least 8 characters
   * @param purpose what the bytes are for
   * @param logN scrypt cost, 15..20
   * @return the sealed bytes
   */
  public static byte[] seal(byte[] plaintext, char[] passphrase, String purpose, int logN) {
    Objects.requireNonNull(plaintext, "plaintext");
    Scrypt.checkPassphrase(passphrase);
    byte[] label = purpose(purpose);
    Scrypt.checkCost(logN);
    SecureRandom random = new SecureRandom();
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    byte[] nonce = new byte[Aead.NONCE_BYTES];
    random.nextBytes(nonce);
    byte[] header = ByteBuffer.allocate(HEADER).put(MAGIC).put((byte) KDF_SCRYPT).put((byte) logN)
        .put((byte) Scrypt.R).put((byte) Scrypt.P).put(salt).array();
    byte[] kek = Scrypt.derive(passphrase, salt, logN, Scrypt.R, Scrypt.P);
    try {
      byte[] prefix = concat(header, nonce);
      return concat(prefix, Aead.seal(kek, nonce, concat(prefix, label), plaintext));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is not available", e);
    } finally {
      Arrays.fill(kek, (byte) 0);
    }
  }

  /**
   * Opens.
   *
   * @param sealed what {@link #seal} returned
   * @param passphrase the passphrase
   * @param purpose the purpose it was sealed for
   * @return the bytes (wipe them after use)
   * @throws GeneralSecurityException if the passphrase or purpose is wrong or any byte was altered
   */
  public static byte[] open(byte[] sealed, char[] passphrase, String purpose) throws GeneralSecurityException {
    Objects.requireNonNull(sealed, "sealed");
    Scrypt.checkPassphrase(passphrase);
    byte[] label = purpose(purpose);
    int prefixLength = HEADER + Aead.NONCE_BYTES;
    if (sealed.length < prefixLength + Aead.TAG_BYTES || !Arrays.equals(sealed, 0, 4, MAGIC, 0, 4)
        || sealed[4] != KDF_SCRYPT) {
      throw refused();
    }
    int logN = sealed[5] & 0xff;
    if (logN < Scrypt.MIN_LOG_N || logN > Scrypt.MAX_LOG_N || sealed[6] != Scrypt.R || sealed[7] != Scrypt.P) {
      throw refused();
    }
    byte[] kek = Scrypt.derive(passphrase, Arrays.copyOfRange(sealed, 8, HEADER), logN, Scrypt.R, Scrypt.P);
    try {
      byte[] prefix = Arrays.copyOf(sealed, prefixLength);
      return Aead.open(kek, Arrays.copyOfRange(sealed, HEADER, prefixLength), concat(prefix, label),
          Arrays.copyOfRange(sealed, prefixLength, sealed.length));
    } catch (GeneralSecurityException e) {
      throw refused();
    } finally {
      Arrays.fill(kek, (byte) 0);
    }
  }

  private static byte[] purpose(String purpose) {
    Objects.requireNonNull(purpose, "purpose");
    if (purpose.isEmpty() || purpose.length() > MAX_PURPOSE || !purpose.matches("[\\x21-\\x7e]+")) {
      throw new IllegalArgumentException("a purpose is 1-64 printable ASCII characters without spaces");
    }
    return purpose.getBytes(StandardCharsets.US_ASCII);
  }

  private static GeneralSecurityException refused() {
    return new GeneralSecurityException("the sealed bytes do not open: wrong passphrase or purpose, or altered bytes");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
