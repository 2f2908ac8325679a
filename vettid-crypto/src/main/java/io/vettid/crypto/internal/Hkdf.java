package io.vettid.crypto.internal;

import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HKDF with HMAC-SHA-256 (RFC 5869). */
public final class Hkdf {
  /** The most output HKDF-SHA-256 can give: 255 blocks of 32 bytes. */
  public static final int MAX_OUTPUT = 255 * 32;

  private Hkdf() {}

  /**
   * Derives key material.
   *
   * @param ikm input key material
   * @param salt salt (empty means 32 zero bytes, as RFC 5869 says)
   * @param info context
   * @param length output length, 1..{@value #MAX_OUTPUT}
   * @return the output key material
   * @throws GeneralSecurityException if the length is out of range
   */
  public static byte[] sha256(byte[] ikm, byte[] salt, byte[] info, int length)
      throws GeneralSecurityException {
    Objects.requireNonNull(ikm, "ikm");
    Objects.requireNonNull(salt, "salt");
    Objects.requireNonNull(info, "info");
    if (length < 1 || length > MAX_OUTPUT) {
      throw new GeneralSecurityException("HKDF-SHA-256 output must be 1.." + MAX_OUTPUT + " bytes, asked " + length);
    }
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
    byte[] prk = mac.doFinal(ikm);
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    byte[] out = new byte[length];
    byte[] block = new byte[0];
    int done = 0;
    for (int i = 1; done < length; i++) {
      mac.update(block);
      mac.update(info);
      mac.update((byte) i);
      block = mac.doFinal();
      int n = Math.min(block.length, length - done);
      System.arraycopy(block, 0, out, done, n);
      done += n;
    }
    java.util.Arrays.fill(prk, (byte) 0);
    return out;
  }
}
