package io.vettid.testkit.algorithms;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.pq.MlKem768;
import io.vettid.testkit.KeyAlgorithmContract;

/** The built-in {@code MlKem768} keeps the contract every key algorithm plug-in is held to. */
class MlKem768ContractTest extends KeyAlgorithmContract {
  @Override
  protected KeyAlgorithm algorithm() {
    return new MlKem768();
  }
}
