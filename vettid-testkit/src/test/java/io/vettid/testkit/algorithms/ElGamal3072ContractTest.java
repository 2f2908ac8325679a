package io.vettid.testkit.algorithms;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.elgamal.ElGamal3072;
import io.vettid.testkit.KeyAlgorithmContract;

/** The built-in {@code ElGamal3072} keeps the contract every key algorithm plug-in is held to. */
class ElGamal3072ContractTest extends KeyAlgorithmContract {
  @Override
  protected KeyAlgorithm algorithm() {
    return new ElGamal3072();
  }
}
