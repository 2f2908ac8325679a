package io.vettid.crypto.wycheproof;

import static io.vettid.crypto.wycheproof.Wycheproof.hex;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vettid.crypto.internal.Aead;
import io.vettid.crypto.internal.Hkdf;
import io.vettid.crypto.rsa.Rsa4096;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Every primitive VettID uses, against the official Wycheproof vectors. */
class WycheproofTest {
  private static final Rsa4096 RSA = new Rsa4096();

  @Test
  void rsaOaep4096Sha256() throws Exception {
    String file = "rsa_oaep_4096_sha256_mgf1sha256_test.json";
    Wycheproof.Tally tally = new Wycheproof.Tally(file);
    for (JsonNode group : Wycheproof.load(file).get("testGroups")) {
      PrivateKey key = RSA.decodePrivateKey(hex(group, "privateKeyPkcs8"));
      for (JsonNode t : group.get("tests")) {
        tally.record(t, () -> Arrays.equals(RSA.unwrapKey(key, hex(t, "ct"), hex(t, "label")), hex(t, "msg")));
      }
    }
    tally.check();
  }

  @Test
  void rsaPss4096Sha256Salt32() throws Exception {
    String file = "rsa_pss_4096_sha256_mgf1_32_test.json";
    Wycheproof.Tally tally = new Wycheproof.Tally(file);
    for (JsonNode group : Wycheproof.load(file).get("testGroups")) {
      PublicKey key = RSA.decodePublicKey(hex(group, "publicKeyDer"));
      for (JsonNode t : group.get("tests")) {
        tally.record(t, () -> RSA.verify(key, hex(t, "msg"), hex(t, "sig")));
      }
    }
    tally.check();
  }

  /** Only the parameters VettID uses: 256-bit key, 96-bit nonce, 128-bit tag. */
  @Test
  void aes256Gcm() throws Exception {
    String file = "aes_gcm_test.json";
    Wycheproof.Tally tally = new Wycheproof.Tally(file + " (256-bit key, 96-bit nonce, 128-bit tag)");
    for (JsonNode group : Wycheproof.load(file).get("testGroups")) {
      if (group.get("keySize").asInt() != 256 || group.get("ivSize").asInt() != 96
          || group.get("tagSize").asInt() != 128) {
        continue;
      }
      for (JsonNode t : group.get("tests")) {
        byte[] sealed = concat(hex(t, "ct"), hex(t, "tag"));
        tally.record(t, () -> {
          boolean accepted = Arrays.equals(Aead.open(hex(t, "key"), hex(t, "iv"), hex(t, "aad"), sealed), hex(t, "msg"));
          if (accepted) {
            assertThat(Aead.seal(hex(t, "key"), hex(t, "iv"), hex(t, "aad"), hex(t, "msg")))
                .as("seal of tcId %s", t.get("tcId")).isEqualTo(sealed);
          }
          return accepted;
        });
      }
    }
    tally.check();
  }

  @Test
  void hkdfSha256() throws Exception {
    String file = "hkdf_sha256_test.json";
    Wycheproof.Tally tally = new Wycheproof.Tally(file);
    for (JsonNode group : Wycheproof.load(file).get("testGroups")) {
      for (JsonNode t : group.get("tests")) {
        tally.record(t, () -> Arrays.equals(
            Hkdf.sha256(hex(t, "ikm"), hex(t, "salt"), hex(t, "info"), t.get("size").asInt()), hex(t, "okm")));
      }
    }
    tally.check();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
