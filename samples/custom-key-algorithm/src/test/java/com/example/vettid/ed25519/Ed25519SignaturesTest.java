package com.example.vettid.ed25519;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class Ed25519SignaturesTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void isFoundWithServiceLoader() {
    // the test class path also holds the built-in algorithms (vettid-testkit brings them); the
    // plug-in itself needs only vettid-api
    Providers<KeyAlgorithm> found = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build();

    assertThat(found.get("EXAMPLE-Ed25519")).isInstanceOf(Ed25519Signatures.class);
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
}
