package io.vettid.crypto;

import io.vettid.crypto.internal.Aead;
import io.vettid.crypto.internal.Hkdf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.security.auth.Destroyable;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * A message sealed to a one-time X25519 public key (ephemeral-static Diffie-Hellman, RFC 7748;
 * HKDF-SHA-256; AES-256-GCM). The recipient's key is short enough (32 bytes, 43 characters of
 * base64url) to travel inside an invitation URI or a QR code, where an RSA or ML-KEM key would
 * not fit; it is made for one use and destroyed after it. Whoever sees the public key and the box
 * learns nothing of the message; only the holder of the private key opens it.
 *
 * <pre>
 * box  = E (32) || nonce (12) || AES-256-GCM(k, nonce, aad = context, message)   (ciphertext || tag)
 * E    = X25519(e, 9)                     the sender's fresh ephemeral public key
 * k    = HKDF-SHA-256(ikm = X25519(e, R), salt = E || R, info = "vettid-ephemeral-box-v1" || 0x00 || context, 32)
 * </pre>
 *
 * <p>{@code R} is the recipient's public key. A shared secret of all zeros (a public key of small
 * order) is refused on both sides.
 *
 * <pre>{@code
 * EphemeralBox.KeyPair mine = EphemeralBox.generate(random);     // publish mine.publicKey()
 * byte[] box = EphemeralBox.seal(theirPublicKey, context, secret, random);
 * byte[] opened = mine.open(context, box);
 * mine.destroy();
 * }</pre>
 */
public final class EphemeralBox {
  /** Length of a public key (and of a private key), in bytes. */
  public static final int KEY_BYTES = X25519.POINT_SIZE;
  /** Bytes a box adds to its message. */
  public static final int OVERHEAD = KEY_BYTES + Aead.NONCE_BYTES + Aead.TAG_BYTES;
  private static final byte[] LABEL = "vettid-ephemeral-box-v1\0".getBytes(StandardCharsets.US_ASCII);

  private EphemeralBox() {}

  /**
   * A one-time X25519 key pair. Its private key lives in this object, and leaves it only to be
   * sealed at rest ({@link #exportPrivateKey()}, for an invitation that must outlive a restart);
   * {@link #destroy()} overwrites it, after which it opens nothing.
   */
  public static final class KeyPair implements Destroyable {
    private final byte[] privateKey;
    private final byte[] publicKey;
    private volatile boolean destroyed;

    private KeyPair(byte[] privateKey) {
      this.privateKey = privateKey;
      this.publicKey = new byte[KEY_BYTES];
      X25519.generatePublicKey(privateKey, 0, publicKey, 0);
    }

    /** {@return a copy of the public key (32 bytes)} */
    public byte[] publicKey() {
      return publicKey.clone();
    }

    /**
     * A copy of the private key, to seal at rest (and wipe); nothing else should hold it.
     *
     * @return the 32-byte private key
     * @throws IllegalStateException if the key pair was destroyed
     */
    public synchronized byte[] exportPrivateKey() {
      if (destroyed) {
        throw new IllegalStateException("this one-time key was destroyed");
      }
      return privateKey.clone();
    }

    /**
     * Opens a box sealed to this key pair.
     *
     * @param context the context it was sealed with
     * @param box the box
     * @return the message
     * @throws GeneralSecurityException if the box is malformed, was sealed to another key or
     *     context, or was altered, or this key pair was destroyed
     */
    public synchronized byte[] open(byte[] context, byte[] box) throws GeneralSecurityException {
      Objects.requireNonNull(context, "context");
      Objects.requireNonNull(box, "box");
      if (destroyed) {
        throw new GeneralSecurityException("this one-time key was destroyed");
      }
      if (box.length < OVERHEAD) {
        throw new GeneralSecurityException("the box is shorter than " + OVERHEAD + " bytes");
      }
      byte[] ephemeral = Arrays.copyOfRange(box, 0, KEY_BYTES);
      byte[] key = key(privateKey, ephemeral, ephemeral, publicKey, context);
      try {
        return Aead.open(key, Arrays.copyOfRange(box, KEY_BYTES, KEY_BYTES + Aead.NONCE_BYTES), context,
            Arrays.copyOfRange(box, KEY_BYTES + Aead.NONCE_BYTES, box.length));
      } finally {
        Aead.forget(key);
        Arrays.fill(key, (byte) 0);
      }
    }

    @Override
    public synchronized void destroy() {
      Arrays.fill(privateKey, (byte) 0);
      destroyed = true;
    }

    @Override
    public boolean isDestroyed() {
      return destroyed;
    }

    @Override
    public String toString() {
      return "EphemeralBox.KeyPair[X25519" + (destroyed ? ", destroyed" : "") + "]";
    }
  }

  /**
   * The key pair of a private key {@linkplain KeyPair#exportPrivateKey exported} before (opened
   * from where it was sealed at rest).
   *
   * @param privateKey the 32-byte private key (copied; wipe yours)
   * @return the key pair
   */
  public static KeyPair fromPrivateKey(byte[] privateKey) {
    Objects.requireNonNull(privateKey, "privateKey");
    if (privateKey.length != KEY_BYTES) {
      throw new IllegalArgumentException("an X25519 private key is " + KEY_BYTES + " bytes");
    }
    return new KeyPair(privateKey.clone());
  }

  /**
   * Generates a one-time key pair.
   *
   * @param random the source of the private key
   * @return the key pair
   */
  public static KeyPair generate(SecureRandom random) {
    Objects.requireNonNull(random, "random");
    byte[] k = new byte[KEY_BYTES];
    X25519.generatePrivateKey(random, k);
    return new KeyPair(k);
  }

  /**
   * Seals a message to a one-time public key.
   *
   * @param recipient the recipient's public key (32 bytes)
   * @param context what the box is for and where it goes (bound into the key and the AEAD)
   * @param message the message
   * @param random the source of the ephemeral key and the nonce
   * @return the box
   * @throws GeneralSecurityException if the public key is not 32 bytes or of small order
   */
  public static byte[] seal(byte[] recipient, byte[] context, byte[] message, SecureRandom random)
      throws GeneralSecurityException {
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(random, "random");
    if (recipient.length != KEY_BYTES) {
      throw new GeneralSecurityException("an X25519 public key is " + KEY_BYTES + " bytes, got " + recipient.length);
    }
    byte[] e = new byte[KEY_BYTES];
    random.nextBytes(e);
    byte[] ephemeral = new byte[KEY_BYTES];
    byte[] key = null;
    try {
      X25519.generatePublicKey(e, 0, ephemeral, 0);
      key = key(e, recipient, ephemeral, recipient, context);
      byte[] nonce = new byte[Aead.NONCE_BYTES];
      random.nextBytes(nonce);
      byte[] sealed = Aead.seal(key, nonce, context, message);
      return ByteBuffer.allocate(KEY_BYTES + nonce.length + sealed.length).put(ephemeral).put(nonce).put(sealed)
          .array();
    } finally {
      Arrays.fill(e, (byte) 0);
      if (key != null) {
        Aead.forget(key);
        Arrays.fill(key, (byte) 0);
      }
    }
  }

  /**
   * X25519 (RFC 7748 section 5, with the scalar clamped as it says).
   *
   * @return the shared secret
   * @throws GeneralSecurityException if it is all zeros (the public key is of small order)
   */
  static byte[] agree(byte[] privateKey, byte[] publicKey) throws GeneralSecurityException {
    if (privateKey.length != KEY_BYTES || publicKey.length != KEY_BYTES) {
      throw new GeneralSecurityException("X25519 keys are " + KEY_BYTES + " bytes");
    }
    byte[] shared = new byte[KEY_BYTES];
    if (!X25519.calculateAgreement(privateKey, 0, publicKey, 0, shared, 0)) {
      throw new GeneralSecurityException("the public key is of small order (the shared secret is all zeros)");
    }
    return shared;
  }

  private static byte[] key(byte[] privateKey, byte[] peer, byte[] ephemeral, byte[] recipient, byte[] context)
      throws GeneralSecurityException {
    byte[] shared = agree(privateKey, peer);
    try {
      byte[] salt = ByteBuffer.allocate(2 * KEY_BYTES).put(ephemeral).put(recipient).array();
      byte[] info = ByteBuffer.allocate(LABEL.length + context.length).put(LABEL).put(context).array();
      return Hkdf.sha256(shared, salt, info, Aead.KEY_BYTES);
    } finally {
      Arrays.fill(shared, (byte) 0);
    }
  }
}
