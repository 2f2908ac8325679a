package io.vettid.crypto.rsa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Rsa4096Test {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Rsa4096 RSA = new Rsa4096();
  /** RSA-4096 key generation is slow: one pair for the whole class. */
  private static KeyPair alice;

  @BeforeAll
  static void generateOnce() throws GeneralSecurityException {
    alice = RSA.generateKeyPair(RANDOM);
  }

  @Test
  void isFoundWithServiceLoaderByName() {
    Providers<KeyAlgorithm> algorithms =
        Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build();

    assertThat(algorithms.get("RSA-4096")).isInstanceOf(Rsa4096.class);
  }

  @Test
  void generatesFourThousandNinetySixBitKeysWithExponent65537() {
    RSAPublicKey pub = (RSAPublicKey) alice.getPublic();

    assertThat(pub.getModulus().bitLength()).isEqualTo(4096);
    assertThat(pub.getPublicExponent().intValue()).isEqualTo(65537);
  }

  @Test
  void wrapsAndUnwrapsUnderTheSameContextOnly() throws Exception {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    byte[] context = "subscriber.x.es.queue.c1".getBytes(StandardCharsets.US_ASCII);

    byte[] wrapped = RSA.wrapKey(alice.getPublic(), key, context, RANDOM);

    assertThat(wrapped).hasSize(512);
    assertThat(RSA.unwrapKey(alice.getPrivate(), wrapped, context)).isEqualTo(key);
    assertThatThrownBy(() -> RSA.unwrapKey(alice.getPrivate(), wrapped, "other".getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(GeneralSecurityException.class);
    wrapped[100] ^= 1;
    assertThatThrownBy(() -> RSA.unwrapKey(alice.getPrivate(), wrapped, context))
        .isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void signaturesVerifyOnlyForTheSignedMessage() throws Exception {
    byte[] message = "session key wrap".getBytes(StandardCharsets.US_ASCII);
    byte[] signature = RSA.sign(alice.getPrivate(), message, RANDOM);

    assertThat(RSA.verify(alice.getPublic(), message, signature)).isTrue();
    assertThat(RSA.verify(alice.getPublic(), "other".getBytes(StandardCharsets.US_ASCII), signature)).isFalse();
    signature[7] ^= 1;
    assertThat(RSA.verify(alice.getPublic(), message, signature)).isFalse();
    assertThat(RSA.verify(alice.getPublic(), message, new byte[3])).isFalse();
  }

  @Test
  void encodedKeysDecodeAndKeepTheirKeyId() throws Exception {
    KeyId id = RSA.keyId(alice.getPublic());

    assertThat(id.algorithmTag()).isEqualTo("rsa4096");
    assertThat(id.matches(RSA.decodePublicKey(alice.getPublic().getEncoded()).getEncoded())).isTrue();
    assertThat(RSA.decodePrivateKey(alice.getPrivate().getEncoded())).isEqualTo(alice.getPrivate());
  }

  @Test
  void refusesKeysOfAnotherSize() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048, RANDOM);
    KeyPair small = g.generateKeyPair();

    assertThatThrownBy(() -> RSA.decodePublicKey(small.getPublic().getEncoded()))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("4096-bit");
    assertThatThrownBy(() -> RSA.wrapKey(small.getPublic(), new byte[32], new byte[0], RANDOM))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> RSA.sign(small.getPrivate(), new byte[1], RANDOM))
        .isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void rejectsBytesThatAreNotAKey() {
    assertThatThrownBy(() -> RSA.decodePublicKey(new byte[] {1, 2, 3}))
        .isInstanceOf(GeneralSecurityException.class);
  }
}
