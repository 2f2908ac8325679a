package io.vettid.crypto;

import io.vettid.crypto.internal.Aead;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * A message sealed to one public key (KEM-DEM): a random 32-byte key is wrapped to the recipient's
 * wrapping key with its algorithm's own key wrap, bound to a context, and the message is sealed
 * with AES-256-GCM under that key, the context as associated data. Only the holder of the private
 * key opens it; whoever saw the channel it crossed (and any shared secret of that channel) does
 * not. Used for the NATS credentials the connection handshake hands over.
 *
 * <pre>
 * box = u16(length of w) || w || nonce (12) || AES-256-GCM(k, nonce, aad = context, message)   (ciphertext || tag)
 * w   = recipient's algorithm.wrapKey(recipient public key, k, context)
 * </pre>
 *
 * <pre>{@code
 * byte[] box = PublicKeyBox.seal(peerWrapping, context, secret, new SecureRandom());
 * byte[] opened = PublicKeyBox.open(myWrapping, context, box);
 * }</pre>
 */
public final class PublicKeyBox {
  private static final int MAX_WRAPPED = 65_535;

  private PublicKeyBox() {}

  /**
   * Seals a message to a public key.
   *
   * @param recipient the recipient's wrapping key
   * @param context what the box is for and where it goes (bound into the wrap and the AEAD)
   * @param message the message
   * @param random the source of the key and nonce
   * @return the box
   * @throws GeneralSecurityException if the key cannot be wrapped
   */
  public static byte[] seal(PublicKeyEntry recipient, byte[] context, byte[] message, SecureRandom random)
      throws GeneralSecurityException {
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(random, "random");
    byte[] key = new byte[Aead.KEY_BYTES];
    random.nextBytes(key);
    try {
      byte[] wrapped = recipient.algorithm().wrapKey(recipient.key(), key, context, random);
      if (wrapped.length > MAX_WRAPPED) {
        throw new GeneralSecurityException("the wrapped key is longer than " + MAX_WRAPPED + " bytes");
      }
      byte[] nonce = new byte[Aead.NONCE_BYTES];
      random.nextBytes(nonce);
      byte[] sealed = Aead.seal(key, nonce, context, message);
      return ByteBuffer.allocate(2 + wrapped.length + nonce.length + sealed.length).putShort((short) wrapped.length)
          .put(wrapped).put(nonce).put(sealed).array();
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * Opens a box.
   *
   * @param recipient the recipient's private wrapping key
   * @param context the context it was sealed with
   * @param box the box
   * @return the message
   * @throws GeneralSecurityException if the box is malformed, was sealed to another key or context,
   *     or was altered
   */
  public static byte[] open(PrivateKeyEntry recipient, byte[] context, byte[] box) throws GeneralSecurityException {
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(box, "box");
    if (box.length < 2) {
      throw new GeneralSecurityException("the box is too short");
    }
    int n = ((box[0] & 0xff) << 8) | (box[1] & 0xff);
    if (n == 0 || box.length < 2 + n + Aead.NONCE_BYTES + Aead.TAG_BYTES) {
      throw new GeneralSecurityException("the box's lengths do not add up");
    }
    byte[] key = recipient.algorithm().unwrapKey(recipient.key(), Arrays.copyOfRange(box, 2, 2 + n), context);
    try {
      if (key.length != Aead.KEY_BYTES) {
        throw new GeneralSecurityException("the box's key is not " + Aead.KEY_BYTES + " bytes");
      }
      return Aead.open(key, Arrays.copyOfRange(box, 2 + n, 2 + n + Aead.NONCE_BYTES), context,
          Arrays.copyOfRange(box, 2 + n + Aead.NONCE_BYTES, box.length));
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * A context made of a label and parts, each part after a zero byte (as the envelope's contexts).
   *
   * @param label what the box is for, such as {@code vettid-handshake-creds-v1}
   * @param parts further parts (ASCII or UTF-8)
   * @return the context bytes
   */
  public static byte[] context(String label, String... parts) {
    StringBuilder b = new StringBuilder(Objects.requireNonNull(label, "label"));
    for (String p : parts) {
      b.append('\0').append(Objects.requireNonNull(p, "part"));
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
