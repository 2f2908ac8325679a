package io.vettid.crypto.internal;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.crypto.generators.SCrypt;

/** Passphrase to key-encryption key, for everything VettID seals under a passphrase. */
public final class Scrypt {
  /** Default cost: log2 N. */
  public static final int DEFAULT_LOG_N = 17;
  /** Lowest accepted cost: log2 N. */
  public static final int MIN_LOG_N = 15;
  /** Highest accepted cost: log2 N. */
  public static final int MAX_LOG_N = 20;
  /** Block size parameter. */
  public static final int R = 8;
  /** Parallelism parameter. */
  public static final int P = 1;

  private Scrypt() {}

  /**
   * Derives a 32-byte key.
   *
   * @param passphrase the passphrase (encoded as UTF-8; the copy is wiped)
   * @param salt the salt
   * @param logN log2 N
   * @param r block size
   * @param p parallelism
   * @return the key
   */
  public static byte[] derive(char[] passphrase, byte[] salt, int logN, int r, int p) {
    ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(passphrase));
    byte[] pass = new byte[encoded.remaining()];
    encoded.get(pass);
    Arrays.fill(encoded.array(), (byte) 0);
    try {
      return SCrypt.generate(pass, salt, 1 << logN, r, p, Aead.KEY_BYTES);
    } finally {
      Arrays.fill(pass, (byte) 0);
    }
  }

  /**
   * Refuses passphrases that are missing or shorter than 8 characters.
   *
   * @param passphrase the passphrase
   */
  public static void checkPassphrase(char[] passphrase) {
    Objects.requireNonNull(passphrase, "passphrase");
    if (passphrase.length < 8) {
      throw new IllegalArgumentException("the passphrase must have at least 8 characters");
    }
  }

  /**
   * Refuses a cost outside {@value #MIN_LOG_N}..{@value #MAX_LOG_N}.
   *
   * @param logN log2 N
   */
  public static void checkCost(int logN) {
    if (logN < MIN_LOG_N || logN > MAX_LOG_N) {
      throw new IllegalArgumentException("scrypt log2 N must be " + MIN_LOG_N + ".." + MAX_LOG_N + ", got " + logN);
    }
  }
}
