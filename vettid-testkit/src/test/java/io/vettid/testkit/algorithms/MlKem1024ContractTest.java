package io.vettid.testkit.algorithms;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.pq.MlKem1024;
import io.vettid.testkit.KeyAlgorithmContract;

/** The built-in {@code MlKem1024} keeps the contract every key algorithm plug-in is held to. */
class MlKem1024ContractTest extends KeyAlgorithmContract {
  @Override
  protected KeyAlgorithm algorithm() {
    return new MlKem1024();
  }
}
