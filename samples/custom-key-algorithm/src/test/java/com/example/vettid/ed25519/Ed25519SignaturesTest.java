package com.example.vettid.ed25519;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Ed25519SignaturesTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void isFoundWithServiceLoaderBesideNothingElse() {
    Providers<KeyAlgorithm> found = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build();

    assertThat(found.single()).isInstanceOf(Ed25519Signatures.class);
  }

  @Test
  void signsAndVerifiesAndHasAKeyId() throws Exception {
    KeyAlgorithm ed = new Ed25519Signatures();
    KeyPair pair = ed.generateKeyPair(RANDOM);
    byte[] message = "profile v1".getBytes(StandardCharsets.UTF_8);

    byte[] signature = ed.sign(pair.getPrivate(), message, RANDOM);

    assertThat(ed.verify(pair.getPublic(), message, signature)).isTrue();
    signature[0] ^= 1;
    assertThat(ed.verify(pair.getPublic(), message, signature)).isFalse();
    KeyId id = ed.keyId(pair.getPublic());
    assertThat(id.value()).startsWith("exed25519-");
    assertThat(id.matches(ed.decodePublicKey(pair.getPublic().getEncoded()).getEncoded())).isTrue();
    assertThatThrownBy(() -> ed.wrapKey(pair.getPublic(), new byte[32], new byte[0], RANDOM))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("cannot wrap");
  }

  /** Known-answer vectors: Wycheproof's Ed25519 file, every valid case accepted, every invalid one refused. */
  @Test
  void passesTheWycheproofVectors() throws Exception {
    Path root = Path.of(System.getProperty("vettid.repo.root", "../..")).toAbsolutePath().normalize();
    Path file = root.resolve("../shared/testvectors/wycheproof/ed25519_test.json").normalize();
    assertThat(file).as("Wycheproof vectors beside the project").exists();
    KeyAlgorithm ed = new Ed25519Signatures();
    int valid = 0;
    int invalid = 0;
    StringBuilder wrong = new StringBuilder();
    for (JsonNode group : new ObjectMapper().readTree(Files.readAllBytes(file)).get("testGroups")) {
      PublicKey key = ed.decodePublicKey(HexFormat.of().parseHex(group.get("publicKeyDer").asText()));
      for (JsonNode t : group.get("tests")) {
        boolean accepted = ed.verify(key, HexFormat.of().parseHex(t.get("msg").asText()),
            HexFormat.of().parseHex(t.get("sig").asText()));
        boolean expected = t.get("result").asText().equals("valid");
        if (expected) {
          valid++;
        } else {
          invalid++;
        }
        if (accepted != expected) {
          wrong.append(" tcId ").append(t.get("tcId").asInt());
        }
      }
    }
    System.out.printf("Wycheproof ed25519_test.json: %d valid, %d invalid, wrong:%s%n", valid, invalid,
        wrong.length() == 0 ? " none" : wrong);
    assertThat(valid + invalid).isPositive();
    assertThat(wrong.toString()).isEmpty();
  }
}
