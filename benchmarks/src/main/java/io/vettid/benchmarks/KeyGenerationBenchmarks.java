package io.vettid.benchmarks;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Key generation per algorithm (RSA-4096 is the slow one; its time varies widely per key). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class KeyGenerationBenchmarks {
  @Param({"RSA-4096", "ElGamal-3072", "ML-KEM-768", "ML-KEM-1024", "ML-DSA-65"})
  public String algorithmName;

  private KeyAlgorithm algorithm;
  private final SecureRandom random = new SecureRandom();

  @Setup
  public void find() {
    algorithm = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build().get(algorithmName);
  }

  @Benchmark
  public KeyPair generate() throws GeneralSecurityException {
    return algorithm.generateKeyPair(random);
  }
}
