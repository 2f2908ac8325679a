package com.example.vettid.x25519;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The key wrap's two parts against Wycheproof's known answers: X25519 (every valid vector gives its
 * shared secret; a zero shared secret is refused; an "acceptable" one gives its shared secret or is
 * refused, never another) and HKDF-SHA-256 (every valid vector's output; the invalid sizes refused).
 */
class X25519KemVectorsTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String X509_PREFIX = "302a300506032b656e032100";
  private static final String PKCS8_PREFIX = "302e020100300506032b656e04220420";

  private static JsonNode vectors(String file) throws Exception {
    Path root = Path.of(System.getProperty("vettid.repo.root", "../..")).toAbsolutePath().normalize();
    return new ObjectMapper().readTree(root.resolve("../shared/testvectors/wycheproof").resolve(file).normalize()
        .toFile());
  }

  @Test
  void x25519GivesEachVectorsSharedSecretAndRefusesAZeroOne() throws Exception {
    KeyFactory f = KeyFactory.getInstance("X25519");
    int valid = 0;
    int zeroRefused = 0;
    for (JsonNode group : vectors("x25519_test.json").path("testGroups")) {
      for (JsonNode t : group.path("tests")) {
        String what = "tcId " + t.path("tcId").asInt() + " (" + t.path("comment").asText() + ")";
        byte[] shared = HEX.parseHex(t.path("shared").asText());
        boolean zero = t.path("flags").toString().contains("ZeroSharedSecret");
        byte[] got;
        try {
          PrivateKey mine = f.generatePrivate(new PKCS8EncodedKeySpec(HEX.parseHex(PKCS8_PREFIX
              + t.path("private").asText())));
          PublicKey theirs = f.generatePublic(new X509EncodedKeySpec(HEX.parseHex(X509_PREFIX
              + t.path("public").asText())));
          got = X25519Kem.agree(mine, theirs);
        } catch (GeneralSecurityException refused) {
          if ("valid".equals(t.path("result").asText())) {
            fail(what + " is valid and was refused: " + refused);
          }
          zeroRefused += zero ? 1 : 0;
          continue;
        }
        if (zero) {
          fail(what + ": a zero shared secret was not refused");
        }
        assertArrayEquals(shared, got, what);
        valid += "valid".equals(t.path("result").asText()) ? 1 : 0;
      }
    }
    assertTrue(valid > 200, "the valid vectors were read: " + valid);
    assertTrue(zeroRefused >= 20, "the zero shared secrets were refused: " + zeroRefused);
  }

  @Test
  void hkdfGivesEachVectorsOutput() throws Exception {
    int checked = 0;
    for (JsonNode group : vectors("hkdf_sha256_test.json").path("testGroups")) {
      for (JsonNode t : group.path("tests")) {
        byte[] ikm = HEX.parseHex(t.path("ikm").asText());
        byte[] salt = HEX.parseHex(t.path("salt").asText());
        byte[] info = HEX.parseHex(t.path("info").asText());
        int size = t.path("size").asInt();
        if ("valid".equals(t.path("result").asText())) {
          assertArrayEquals(HEX.parseHex(t.path("okm").asText()), X25519Kem.hkdf(ikm, salt, info, size),
              "tcId " + t.path("tcId").asInt());
          checked++;
        } else {
          assertThrows(IllegalArgumentException.class, () -> X25519Kem.hkdf(ikm, salt, info, size),
              "tcId " + t.path("tcId").asInt());
        }
      }
    }
    assertEquals(83, checked, "every valid HKDF vector");
  }
}
