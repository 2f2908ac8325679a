package io.vettid.crypto.pool;

import io.vettid.api.spi.KeyAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps a number of freshly generated key pairs ready, generating them on background threads,
 * so that creating a connection or rotating a key rarely waits for RSA-4096 key generation
 * (hundreds of milliseconds to seconds per key). Each pooled pair is handed out once.
 *
 * <pre>{@code
 * try (KeyPool pool = KeyPool.start(new Rsa4096(), 8, 1)) {
 *   KeyPair pair = pool.take();        // from the pool, or generated now if it is empty
 *   ring.install(pair);
 * }
 * }</pre>
 *
 * <p>Pooled private keys live only in memory. Thread-safe.
 */
public final class KeyPool implements AutoCloseable {
  private final KeyAlgorithm algorithm;
  private final LinkedBlockingQueue<KeyPair> ready;
  private final ExecutorService workers;
  private final SecureRandom random = new SecureRandom();
  private final AtomicBoolean open = new AtomicBoolean(true);
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();
  private final AtomicLong generated = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  private KeyPool(KeyAlgorithm algorithm, int target, int threads) {
    this.algorithm = algorithm;
    this.ready = new LinkedBlockingQueue<>(target);
    this.workers = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "vettid-key-pool-" + algorithm.keyIdTag());
      t.setDaemon(true);
      t.setPriority(Thread.MIN_PRIORITY);
      return t;
    });
    for (int i = 0; i < threads; i++) {
      workers.execute(this::fill);
    }
  }

  /**
   * Starts filling a pool.
   *
   * @param algorithm the algorithm to generate keys of
   * @param target how many pairs to keep ready (1..1024)
   * @param threads background threads (1..16)
   * @return the running pool
   */
  public static KeyPool start(KeyAlgorithm algorithm, int target, int threads) {
    Objects.requireNonNull(algorithm, "algorithm");
    if (target < 1 || target > 1024) {
      throw new IllegalArgumentException("target must be 1..1024, got " + target);
    }
    if (threads < 1 || threads > 16) {
      throw new IllegalArgumentException("threads must be 1..16, got " + threads);
    }
    return new KeyPool(algorithm, target, threads);
  }

  private void fill() {
    while (open.get()) {
      try {
        KeyPair pair = algorithm.generateKeyPair(random);
        generated.incrementAndGet();
        while (open.get() && !ready.offer(pair, 100, TimeUnit.MILLISECONDS)) {
          // full: wait for a take
        }
      } catch (InterruptedException e) {
        return;
      } catch (GeneralSecurityException | RuntimeException e) {
        failures.incrementAndGet();
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /**
   * A key pair: from the pool if one is ready, otherwise generated now on the caller's thread.
   *
   * @return a key pair never handed out before
   * @throws GeneralSecurityException if generation on the caller's thread fails
   */
  public KeyPair take() throws GeneralSecurityException {
    KeyPair pair = ready.poll();
    if (pair != null) {
      hits.incrementAndGet();
      return pair;
    }
    misses.incrementAndGet();
    return algorithm.generateKeyPair(random);
  }

  /** {@return a pooled key pair if one is ready, without waiting} */
  public Optional<KeyPair> poll() {
    KeyPair pair = ready.poll();
    if (pair != null) {
      hits.incrementAndGet();
    }
    return Optional.ofNullable(pair);
  }

  /** {@return the algorithm} */
  public KeyAlgorithm algorithm() {
    return algorithm;
  }

  /** {@return how many pairs are ready now} */
  public int ready() {
    return ready.size();
  }

  /** {@return takes served from the pool} */
  public long hits() {
    return hits.get();
  }

  /** {@return takes that had to generate on the caller's thread} */
  public long misses() {
    return misses.get();
  }

  /** {@return pairs generated in the background} */
  public long generated() {
    return generated.get();
  }

  /** {@return background generations that failed} */
  public long failures() {
    return failures.get();
  }

  /** Stops the background threads and drops the pairs still pooled. */
  @Override
  public void close() {
    if (open.compareAndSet(true, false)) {
      workers.shutdownNow();
      ready.clear();
    }
  }
}
