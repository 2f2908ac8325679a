package com.example.vettid.ed25519;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.testkit.KeyAlgorithmContract;
import java.nio.file.Path;
import java.util.List;

/**
 * The plug-in held to the contract every key algorithm is (vettid-testkit): key encodings, keyIDs,
 * refusals of what is not its key, signatures that verify for their message and key only, work on
 * several threads; and Wycheproof's Ed25519 vectors, each verified exactly as it says.
 */
class Ed25519ContractTest extends KeyAlgorithmContract {
  @Override
  protected KeyAlgorithm algorithm() {
    return new Ed25519Signatures();
  }

  @Override
  protected List<SignatureVector> signatureVectors() throws Exception {
    Path root = Path.of(System.getProperty("vettid.repo.root", "../..")).toAbsolutePath().normalize();
    return SignatureVector.wycheproof(root.resolve("../shared/testvectors/wycheproof/ed25519_test.json").normalize());
  }
}
