package io.vettid.crypto.pq;

import static io.vettid.crypto.wycheproof.Wycheproof.hex;

import com.fasterxml.jackson.databind.JsonNode;
import io.vettid.crypto.wycheproof.Wycheproof;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import org.bouncycastle.crypto.params.MLDSAPublicKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** ML-KEM (key generation from seed, decapsulation) and ML-DSA-65 verification vectors. */
class PostQuantumWycheproofTest {

  @ParameterizedTest
  @CsvSource({"mlkem_768_test.json,768", "mlkem_1024_test.json,1024"})
  void mlKem(String file, int level) throws Exception {
    MlKem kem = level == 768 ? new MlKem768() : new MlKem1024();
    Wycheproof.Tally tally = new Wycheproof.Tally(file);
    for (JsonNode group : Wycheproof.load(file).get("testGroups")) {
      for (JsonNode t : group.get("tests")) {
        tally.record(t, () -> {
          MLKEMPrivateKeyParameters key = kem.fromSeed(hex(t, "seed"));
          boolean ekMatches = !t.has("ek") || Arrays.equals(key.getPublicKey(), hex(t, "ek"));
          return ekMatches && Arrays.equals(kem.decapsulate(key, hex(t, "c")), hex(t, "K"));
        });
      }
    }
    tally.check();
  }

  @Test
  void mlDsa65Verify() throws Exception {
    String file = "mldsa_65_verify_test.json";
    MlDsa65 dsa = new MlDsa65();
    Wycheproof.Tally tally = new Wycheproof.Tally(file);
    for (JsonNode group : Wycheproof.load(file).get("testGroups")) {
      MLDSAPublicKeyParameters key;
      try {
        key = MlDsa65.rawPublicKey(hex(group, "publicKey"));
        if (group.has("publicKeyDer")) {
          dsa.decodePublicKey(hex(group, "publicKeyDer")); // the DER form must decode too
        }
      } catch (GeneralSecurityException e) {
        key = null;
      }
      for (JsonNode t : group.get("tests")) {
        tally.record(t, key != null && MlDsa65.verifyRaw(key, t.has("ctx") ? hex(t, "ctx") : new byte[0], hex(t, "msg"), hex(t, "sig")));
      }
    }
    tally.check();
  }
}
