package io.vettid.testkit.algorithms;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.pq.MlDsa65;
import io.vettid.testkit.KeyAlgorithmContract;
import java.util.List;

/**
 * The built-in {@code MlDsa65} keeps the contract every key algorithm plug-in is held to, with
 * Wycheproof's {@code mldsa_65_verify_test.json}.
 */
class MlDsa65ContractTest extends KeyAlgorithmContract {
  @Override
  protected KeyAlgorithm algorithm() {
    return new MlDsa65();
  }

  @Override
  protected List<SignatureVector> signatureVectors() throws Exception {
    return SignatureVector.wycheproof(Wycheproof.file("mldsa_65_verify_test.json"));
  }
}
