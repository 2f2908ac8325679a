package io.vettid.crypto.pool;

import io.vettid.api.spi.KeyAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * Where new key pairs come from: generated on the caller's thread ({@link #generating()}), or
 * taken from pools kept warm in the background ({@link KeyPools}), so that making a connection or
 * rotating its keys does not wait for key generation. Every pair it gives is new and given once.
 */
@FunctionalInterface
public interface KeySource {
  /**
   * A new key pair of an algorithm.
   *
   * @param algorithm the algorithm
   * @param random randomness, for a pair generated on the caller's thread
   * @return a pair never handed out before
   * @throws GeneralSecurityException if a pair cannot be generated
   */
  KeyPair keyPair(KeyAlgorithm algorithm, SecureRandom random) throws GeneralSecurityException;

  /** {@return a source that generates every pair when it is asked for, on the caller's thread} */
  static KeySource generating() {
    return (algorithm, random) -> Objects.requireNonNull(algorithm, "algorithm")
        .generateKeyPair(Objects.requireNonNull(random, "random"));
  }
}
