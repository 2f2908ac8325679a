package io.vettid.crypto;

import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.Objects;

/**
 * A public key with its algorithm and its keyID, checked to belong together.
 *
 * @param keyId the keyID derived from the key
 * @param algorithm the key's algorithm
 * @param key the public key
 */
public record PublicKeyEntry(KeyId keyId, KeyAlgorithm algorithm, PublicKey key) {
  /**
   * Validates that the keyID was derived from this key under this algorithm.
   *
   * @param keyId the record component {@code keyId}
   * @param algorithm the record component {@code algorithm}
   * @param key the record component {@code key}
   * @throws IllegalArgumentException if the keyID does not match the key
   */
  public PublicKeyEntry {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(key, "key");
    if (!keyId.algorithmTag().equals(algorithm.keyIdTag()) || !keyId.matches(key.getEncoded())) {
      throw new IllegalArgumentException(
          "keyId " + keyId + " does not belong to the presented " + algorithm.name() + " key");
    }
  }

  /**
   * Wraps a key, deriving its keyID.
   *
   * @param algorithm the key's algorithm
   * @param key the public key
   * @return the entry
   */
  public static PublicKeyEntry of(KeyAlgorithm algorithm, PublicKey key) {
    return new PublicKeyEntry(algorithm.keyId(key), algorithm, key);
  }

  /**
   * Decodes a key presented under a keyID, and refuses it unless the keyID belongs to it.
   *
   * @param claimed the keyID the key was presented under
   * @param algorithm the expected algorithm
   * @param encoded the X.509 SubjectPublicKeyInfo encoding
   * @return the entry
   * @throws GeneralSecurityException if the bytes are not a key of the algorithm or the keyID does
   *     not match
   */
  public static PublicKeyEntry decode(KeyId claimed, KeyAlgorithm algorithm, byte[] encoded)
      throws GeneralSecurityException {
    PublicKey key = algorithm.decodePublicKey(encoded);
    try {
      return new PublicKeyEntry(claimed, algorithm, key);
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException(e.getMessage());
    }
  }
}
