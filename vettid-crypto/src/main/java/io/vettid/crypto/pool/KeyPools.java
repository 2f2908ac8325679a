package io.vettid.crypto.pool;

import io.vettid.api.spi.KeyAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One {@link KeyPool} per algorithm, as a {@link KeySource}: a pair of a pooled algorithm comes
 * from its pool (generated on the caller's thread when the pool is empty), a pair of any other
 * algorithm is generated on the caller's thread. A vault keeps one for its connection suite, so
 * that {@code invite}, {@code accept} and key rotations answer at once.
 *
 * <pre>{@code
 * try (KeyPools pools = KeyPools.start(List.of(suite.signature(), suite.wrap()), 2)) {
 *   KeyPair wrapping = pools.keyPair(suite.wrap(), new SecureRandom());
 * }
 * }</pre>
 *
 * <p>Pooled private keys live only in memory; closing drops them. Thread-safe.
 */
public final class KeyPools implements KeySource, AutoCloseable {
  private final Map<String, KeyPool> pools;

  private KeyPools(Map<String, KeyPool> pools) {
    this.pools = pools;
  }

  /**
   * Starts a pool for each algorithm (one background thread each, at the lowest priority).
   *
   * @param algorithms the algorithms to keep pairs of (an algorithm named twice gets one pool)
   * @param target how many pairs of each to keep ready (1..64)
   * @return the running pools
   * @throws IllegalArgumentException if {@code target} is out of range or no algorithm is given
   */
  public static KeyPools start(Collection<? extends KeyAlgorithm> algorithms, int target) {
    Objects.requireNonNull(algorithms, "algorithms");
    if (target < 1 || target > 64) {
      throw new IllegalArgumentException("target must be 1..64, got " + target);
    }
    if (algorithms.isEmpty()) {
      throw new IllegalArgumentException("no algorithm to pool");
    }
    Map<String, KeyPool> pools = new LinkedHashMap<>();
    try {
      for (KeyAlgorithm a : algorithms) {
        if (!pools.containsKey(Objects.requireNonNull(a, "algorithm").name())) {
          pools.put(a.name(), KeyPool.start(a, target, 1));
        }
      }
    } catch (RuntimeException e) {
      pools.values().forEach(KeyPool::close);
      throw e;
    }
    return new KeyPools(Map.copyOf(pools));
  }

  @Override
  public KeyPair keyPair(KeyAlgorithm algorithm, SecureRandom random) throws GeneralSecurityException {
    KeyPool pool = pools.get(Objects.requireNonNull(algorithm, "algorithm").name());
    // a pool serves its own implementation only: another one of the same name generates its pairs itself
    if (pool == null || !pool.algorithm().getClass().equals(algorithm.getClass())) {
      return algorithm.generateKeyPair(Objects.requireNonNull(random, "random"));
    }
    return pool.take();
  }

  /**
   * The pool of an algorithm, for its figures.
   *
   * @param algorithmName the algorithm's name
   * @return its pool, if it is pooled
   */
  public java.util.Optional<KeyPool> pool(String algorithmName) {
    return java.util.Optional.ofNullable(pools.get(algorithmName));
  }

  /** Stops every pool and drops the pairs still pooled. */
  @Override
  public void close() {
    pools.values().forEach(KeyPool::close);
  }
}
