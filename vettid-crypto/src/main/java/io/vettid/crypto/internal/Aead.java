package io.vettid.crypto.internal;

import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with a 96-bit nonce and a 128-bit tag: the only AEAD VettID uses. Sealed output is
 * {@code ciphertext || tag}. Opening verifies the tag (the JDK compares it in constant time) and
 * returns nothing on failure: a {@link javax.crypto.AEADBadTagException} is thrown instead.
 * Thread-safe: each thread uses its own cipher objects, up to 16 per direction, each kept with the
 * last key it had (so a session's next event skips the AES key schedule). A key therefore stays in
 * a thread's memory until 16 other keys have replaced it there, as one key per thread did before;
 * it never leaves the process.
 */
public final class Aead {
  /** Key length in bytes. */
  public static final int KEY_BYTES = 32;
  /** Nonce length in bytes. */
  public static final int NONCE_BYTES = 12;
  /** Tag length in bytes. */
  public static final int TAG_BYTES = 16;

  private Aead() {}

  /**
   * Encrypts and authenticates.
   *
   * @param key 32-byte key
   * @param nonce 12-byte nonce, never reused with the same key
   * @param aad authenticated, unencrypted data
   * @param plaintext the message
   * @return ciphertext followed by the 16-byte tag
   * @throws GeneralSecurityException if a length is wrong
   */
  public static byte[] seal(byte[] key, byte[] nonce, byte[] aad, byte[] plaintext)
      throws GeneralSecurityException {
    Cipher c = init(Cipher.ENCRYPT_MODE, key, nonce);
    c.updateAAD(Objects.requireNonNull(aad, "aad"));
    return c.doFinal(Objects.requireNonNull(plaintext, "plaintext"));
  }

  /**
   * Verifies and decrypts.
   *
   * @param key 32-byte key
   * @param nonce 12-byte nonce
   * @param aad the authenticated data used when sealing
   * @param sealed ciphertext followed by the tag
   * @return the plaintext
   * @throws GeneralSecurityException if a length is wrong or the tag does not verify
   */
  public static byte[] open(byte[] key, byte[] nonce, byte[] aad, byte[] sealed)
      throws GeneralSecurityException {
    Objects.requireNonNull(sealed, "sealed");
    if (sealed.length < TAG_BYTES) {
      throw new javax.crypto.AEADBadTagException("sealed data shorter than the tag");
    }
    Cipher c = init(Cipher.DECRYPT_MODE, key, nonce);
    c.updateAAD(Objects.requireNonNull(aad, "aad"));
    return c.doFinal(sealed);
  }

  private static Cipher init(int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(nonce, "nonce");
    if (key.length != KEY_BYTES) {
      throw new java.security.InvalidKeyException("AES-256-GCM needs a 32-byte key, got " + key.length);
    }
    if (nonce.length != NONCE_BYTES) {
      throw new java.security.InvalidAlgorithmParameterException(
          "AES-256-GCM needs a 12-byte nonce, got " + nonce.length);
    }
    return CIPHERS.get()[mode == Cipher.ENCRYPT_MODE ? 0 : 1].init(mode, key, nonce);
  }

  /**
   * One thread's ciphers for one direction, each kept with the key it last had: a session's next
   * event finds its cipher and the JDK skips the AES key schedule (its cost and its allocation) for
   * an unchanged key. {@value #CACHED} ciphers, replaced in turn; init always resets what a
   * previous (possibly failed) operation left, and the JDK still refuses a repeated key and nonce
   * for encryption. Keys are compared in constant time.
   */
  private static final class Ciphers {
    private static final int CACHED = 16;
    private final Cipher[] ciphers = new Cipher[CACHED];
    private final byte[][] keys = new byte[CACHED][];
    private int next;

    Cipher init(int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
      int slot = -1;
      for (int i = 0; i < CACHED && keys[i] != null; i++) {
        if (sameKey(keys[i], key)) {
          slot = i;
          break;
        }
      }
      if (slot < 0) {
        slot = next;
        next = (next + 1) % CACHED;
        if (ciphers[slot] == null) {
          ciphers[slot] = Cipher.getInstance("AES/GCM/NoPadding");
        }
        keys[slot] = null; // a failed init below leaves no key claimed
      }
      Cipher c = ciphers[slot];
      c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
      keys[slot] = key.clone();
      return c;
    }
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  /** Two 32-byte keys compared in constant time, eight bytes at a time. */
  static boolean sameKey(byte[] a, byte[] b) {
    long d = 0;
    for (int i = 0; i < KEY_BYTES; i += 8) {
      d |= (long) LONGS.get(a, i) ^ (long) LONGS.get(b, i);
    }
    return d == 0;
  }

  private static final ThreadLocal<Ciphers[]> CIPHERS =
      ThreadLocal.withInitial(() -> new Ciphers[] {new Ciphers(), new Ciphers()});
}
