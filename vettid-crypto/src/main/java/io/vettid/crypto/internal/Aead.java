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
 * last key it had (so a session's next event skips the AES key schedule). The cache holds the
 * caller's key array itself, never a copy: a key the owner wipes is no longer found, and {@link
 * #forget} also re-keys, on every thread, the ciphers that hold its schedule, before the owner
 * wipes it. (The JVM may still have copied key material it manages itself; no Java code can
 * promise more.)
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
    Objects.requireNonNull(aad, "aad");
    Objects.requireNonNull(plaintext, "plaintext");
    Ciphers own = CIPHERS.get()[0];
    synchronized (own) { // forget may re-key a cipher from another thread
      Cipher c = init(own, Cipher.ENCRYPT_MODE, key, nonce);
      c.updateAAD(aad);
      return c.doFinal(plaintext);
    }
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
    Objects.requireNonNull(aad, "aad");
    Ciphers own = CIPHERS.get()[1];
    synchronized (own) {
      Cipher c = init(own, Cipher.DECRYPT_MODE, key, nonce);
      c.updateAAD(aad);
      return c.doFinal(sealed);
    }
  }

  /**
   * Drops a key from every thread's ciphers: each cipher that was last given this key is re-keyed
   * with zeros and forgotten. Call it before wiping a key that was used here (a session's key when
   * the session ends).
   *
   * @param key the key, as passed to {@link #seal} or {@link #open}
   */
  public static void forget(byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length != KEY_BYTES) {
      return;
    }
    synchronized (ALL) {
      for (Ciphers c : ALL.keySet()) {
        c.forget(key);
      }
    }
  }

  private static Cipher init(Ciphers own, int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(nonce, "nonce");
    if (key.length != KEY_BYTES) {
      throw new java.security.InvalidKeyException("AES-256-GCM needs a 32-byte key, got " + key.length);
    }
    if (nonce.length != NONCE_BYTES) {
      throw new java.security.InvalidAlgorithmParameterException(
          "AES-256-GCM needs a 12-byte nonce, got " + nonce.length);
    }
    return own.init(mode, key, nonce);
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
    private static final byte[] ZEROS = new byte[KEY_BYTES];
    private final Cipher[] ciphers = new Cipher[CACHED];
    private final byte[][] keys = new byte[CACHED][];
    private int next;

    Ciphers() {
      synchronized (ALL) {
        ALL.put(this, Boolean.TRUE);
      }
    }

    synchronized void forget(byte[] key) {
      for (int i = 0; i < CACHED; i++) {
        if (keys[i] != null && (keys[i] == key || sameKey(keys[i], key))) {
          keys[i] = null;
          try {
            ciphers[i].init(Cipher.DECRYPT_MODE, new SecretKeySpec(ZEROS, "AES"),
                new GCMParameterSpec(TAG_BYTES * 8, new byte[NONCE_BYTES]));
          } catch (GeneralSecurityException e) {
            ciphers[i] = null; // dropped instead
          }
        }
      }
    }

    synchronized Cipher init(int mode, byte[] key, byte[] nonce) throws GeneralSecurityException {
      int slot = -1;
      int empty = -1;
      for (int i = 0; i < CACHED; i++) { // a forgotten key leaves a gap anywhere
        if (keys[i] == null) {
          empty = empty < 0 ? i : empty;
        } else if (keys[i] == key || sameKey(keys[i], key)) {
          slot = i;
          break;
        }
      }
      if (slot < 0 && empty >= 0) {
        slot = empty;
      } else if (slot < 0) {
        slot = next;
        next = (next + 1) % CACHED;
        keys[slot] = null; // a failed init below leaves no key claimed
      }
      if (ciphers[slot] == null) {
        ciphers[slot] = Cipher.getInstance("AES/GCM/NoPadding");
      }
      Cipher c = ciphers[slot];
      c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
      keys[slot] = key; // the owner's array: wiped with it
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

  /** {@return how many of every thread's ciphers hold this key (tests)} */
  static int holding(byte[] key) {
    int n = 0;
    synchronized (ALL) {
      for (Ciphers c : ALL.keySet()) {
        synchronized (c) {
          for (byte[] k : c.keys) {
            n += k != null && (k == key || sameKey(k, key)) ? 1 : 0;
          }
        }
      }
    }
    return n;
  }

  /** Every thread's ciphers (weakly: a thread's go with it), so that {@link #forget} reaches them all. */
  private static final java.util.Map<Ciphers, Boolean> ALL = new java.util.WeakHashMap<>();

  private static final ThreadLocal<Ciphers[]> CIPHERS =
      ThreadLocal.withInitial(() -> new Ciphers[] {new Ciphers(), new Ciphers()});
}
