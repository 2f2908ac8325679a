package io.vettid.crypto;

import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import java.security.PrivateKey;
import java.util.Objects;

/**
 * A private key with its algorithm and the keyID of its public half. {@link #toString()} never
 * shows the key.
 *
 * @param keyId the keyID of the key pair
 * @param algorithm the key's algorithm
 * @param key the private key
 */
public record PrivateKeyEntry(KeyId keyId, KeyAlgorithm algorithm, PrivateKey key) {
  /**
   * Validates the arguments.
   *
   * @param keyId the record component {@code keyId}
   * @param algorithm the record component {@code algorithm}
   * @param key the record component {@code key}
   * @throws IllegalArgumentException if the keyID names another algorithm
   */
  public PrivateKeyEntry {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(key, "key");
    if (!keyId.algorithmTag().equals(algorithm.keyIdTag())) {
      throw new IllegalArgumentException("keyId " + keyId + " is not a " + algorithm.name() + " keyId");
    }
  }

  /** Shows the keyID and algorithm only. */
  @Override
  public String toString() {
    return "PrivateKeyEntry[keyId=" + keyId + ", algorithm=" + algorithm.name() + "]";
  }
}
