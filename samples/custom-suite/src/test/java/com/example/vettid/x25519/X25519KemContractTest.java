package com.example.vettid.x25519;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.testkit.KeyAlgorithmContract;

/**
 * The key wrap held to the contract every key algorithm is (vettid-testkit): key encodings, keyIDs,
 * refusals of what is not its key, wraps that open only with their key and context, mutated and
 * truncated wraps refused, work on several threads.
 */
class X25519KemContractTest extends KeyAlgorithmContract {
  @Override
  protected KeyAlgorithm algorithm() {
    return new X25519Kem();
  }
}
