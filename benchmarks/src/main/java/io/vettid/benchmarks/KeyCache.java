package io.vettid.benchmarks;

import io.vettid.api.spi.KeyAlgorithm;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Benchmark key pairs kept between runs ({@code ~/.cache/vettid-bench/<algorithm>.keys}, or
 * {@code -Dbench.keyCache=DIR}): ten thousand RSA-4096 pairs take most of an hour to make on two
 * cores, and a benchmark of restarts or scale only needs them to exist. One pair per line (SPKI and
 * PKCS#8, base64); missing ones are made on every core and appended as they come, so an interrupted
 * run keeps what it made. These are throwaway keys of a benchmark, never a vault's: they are not
 * sealed.
 */
final class KeyCache {
  private KeyCache() {}

  /** A pair as its encodings (decoded when the benchmark wants the decoding's cost counted). */
  record Encoded(byte[] publicKey, byte[] privateKey) {
    KeyPair decode(KeyAlgorithm algorithm) throws GeneralSecurityException {
      return new KeyPair(algorithm.decodePublicKey(publicKey), algorithm.decodePrivateKey(privateKey));
    }
  }

  /**
   * At least {@code n} distinct pairs of an algorithm, made as needed.
   *
   * @param algorithm the algorithm
   * @param n how many
   * @param progress where to tell of key generation
   * @return the first {@code n} pairs of the cache, encoded
   * @throws Exception if a pair cannot be made or the cache cannot be read or written
   */
  static List<Encoded> get(KeyAlgorithm algorithm, int n, java.io.PrintStream progress) throws Exception {
    Path dir = Path.of(System.getProperty("bench.keyCache",
        Path.of(System.getProperty("user.home"), ".cache", "vettid-bench").toString()));
    Files.createDirectories(dir);
    Path file = dir.resolve(algorithm.name() + ".keys");
    List<Encoded> keys = new ArrayList<>();
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
        String[] parts = line.trim().split(" ");
        if (parts.length == 2 && keys.size() < n) {
          keys.add(new Encoded(Base64.getDecoder().decode(parts[0]), Base64.getDecoder().decode(parts[1])));
        }
      }
    }
    int missing = n - keys.size();
    if (missing <= 0) {
      return keys;
    }
    progress.printf("making %,d %s key pairs (kept in %s for the next run)%n", missing, algorithm.name(), file);
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND)) {
      List<Future<Encoded>> made = new ArrayList<>();
      for (int i = 0; i < missing; i++) {
        made.add(pool.submit(() -> {
          KeyPair p = algorithm.generateKeyPair(new SecureRandom());
          return new Encoded(p.getPublic().getEncoded(), p.getPrivate().getEncoded());
        }));
      }
      for (int i = 0; i < made.size(); i++) {
        Encoded e = made.get(i).get();
        w.write(Base64.getEncoder().encodeToString(e.publicKey()) + " "
            + Base64.getEncoder().encodeToString(e.privateKey()) + "\n");
        keys.add(e);
        if ((i + 1) % 500 == 0) {
          w.flush();
          progress.printf("  %,d made (%.0f s)%n", i + 1, (System.nanoTime() - t0) / 1e9);
        }
      }
    } catch (IOException e) {
      throw new IOException("the key cache " + file + " cannot be written", e);
    } finally {
      pool.shutdownNow();
    }
    return keys;
  }
}
