package io.vettid.testkit.algorithms;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.rsa.Rsa4096;
import io.vettid.testkit.KeyAlgorithmContract;
import java.util.List;

/**
 * The built-in {@code Rsa4096} keeps the contract every key algorithm plug-in is held to, with
 * Wycheproof's {@code rsa_pss_4096_sha256_mgf1_32_test.json}.
 */
class Rsa4096ContractTest extends KeyAlgorithmContract {
  @Override
  protected KeyAlgorithm algorithm() {
    return new Rsa4096();
  }

  @Override
  protected List<SignatureVector> signatureVectors() throws Exception {
    return SignatureVector.wycheproof(Wycheproof.file("rsa_pss_4096_sha256_mgf1_32_test.json"));
  }
}
