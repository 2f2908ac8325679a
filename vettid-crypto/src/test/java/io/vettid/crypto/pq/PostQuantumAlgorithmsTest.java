package io.vettid.crypto.pq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PostQuantumAlgorithmsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] CONTEXT = "subscriber.g.es.queue.c1".getBytes(StandardCharsets.US_ASCII);

  static Stream<MlKem> kems() {
    return Stream.of(new MlKem768(), new MlKem1024());
  }

  @Test
  void allAreFoundWithServiceLoader() {
    Providers<KeyAlgorithm> algorithms =
        Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build();

    assertThat(algorithms.names()).contains("RSA-4096", "ML-KEM-768", "ML-KEM-1024", "ML-DSA-65");
  }

  @ParameterizedTest
  @MethodSource("kems")
  void wrapsAndUnwrapsOnlyUnderTheSameContextAndKey(MlKem kem) throws Exception {
    KeyPair alice = kem.generateKeyPair(RANDOM);
    KeyPair mallory = kem.generateKeyPair(RANDOM);
    byte[] sessionKey = new byte[32];
    RANDOM.nextBytes(sessionKey);

    byte[] wrapped = kem.wrapKey(alice.getPublic(), sessionKey, CONTEXT, RANDOM);

    assertThat(wrapped).hasSize(kem.encapsulationLength() + 32 + 16);
    assertThat(kem.unwrapKey(alice.getPrivate(), wrapped, CONTEXT)).isEqualTo(sessionKey);
    assertThatThrownBy(() -> kem.unwrapKey(alice.getPrivate(), wrapped, new byte[0]))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> kem.unwrapKey(mallory.getPrivate(), wrapped, CONTEXT))
        .isInstanceOf(GeneralSecurityException.class);
    for (int at : new int[] {0, kem.encapsulationLength() - 1, kem.encapsulationLength(), wrapped.length - 1}) {
      byte[] altered = wrapped.clone();
      altered[at] ^= 1;
      assertThatThrownBy(() -> kem.unwrapKey(alice.getPrivate(), altered, CONTEXT))
          .as("bit flip at %d", at).isInstanceOf(GeneralSecurityException.class);
    }
    assertThatThrownBy(() -> kem.unwrapKey(alice.getPrivate(), java.util.Arrays.copyOf(wrapped, 100), CONTEXT))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("too short");
  }

  @ParameterizedTest
  @MethodSource("kems")
  void keysRoundTripThroughTheirEncodingsAndKeepTheirKeyId(MlKem kem) throws Exception {
    KeyPair pair = kem.generateKeyPair(RANDOM);
    KeyId id = kem.keyId(pair.getPublic());

    assertThat(id.algorithmTag()).isEqualTo(kem.keyIdTag());
    assertThat(id.matches(kem.decodePublicKey(pair.getPublic().getEncoded()).getEncoded())).isTrue();
    byte[] wrapped = kem.wrapKey(pair.getPublic(), new byte[] {1, 2, 3}, CONTEXT, RANDOM);
    assertThat(kem.unwrapKey(kem.decodePrivateKey(pair.getPrivate().getEncoded()), wrapped, CONTEXT))
        .containsExactly(1, 2, 3);
  }

  @Test
  void kemKeysOfTheOtherLevelAreRefused() throws Exception {
    KeyPair k1024 = new MlKem1024().generateKeyPair(RANDOM);

    assertThatThrownBy(() -> new MlKem768().wrapKey(k1024.getPublic(), new byte[32], CONTEXT, RANDOM))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("ML-KEM-768");
    assertThatThrownBy(() -> new MlKem768().sign(k1024.getPrivate(), new byte[1], RANDOM))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("cannot sign");
  }

  @Test
  void mlDsaSignaturesVerifyOnlyForTheSignedMessageAndKey() throws Exception {
    MlDsa65 dsa = new MlDsa65();
    KeyPair alice = dsa.generateKeyPair(RANDOM);
    KeyPair mallory = dsa.generateKeyPair(RANDOM);
    byte[] message = "session key wrap".getBytes(StandardCharsets.US_ASCII);

    byte[] signature = dsa.sign(alice.getPrivate(), message, RANDOM);

    assertThat(signature).hasSize(3309);
    assertThat(dsa.verify(alice.getPublic(), message, signature)).isTrue();
    assertThat(dsa.verify(dsa.decodePublicKey(alice.getPublic().getEncoded()), message, signature)).isTrue();
    assertThat(dsa.verify(mallory.getPublic(), message, signature)).isFalse();
    assertThat(dsa.verify(alice.getPublic(), "other".getBytes(StandardCharsets.US_ASCII), signature)).isFalse();
    signature[10] ^= 1;
    assertThat(dsa.verify(alice.getPublic(), message, signature)).isFalse();
    assertThat(dsa.verify(alice.getPublic(), message, new byte[5])).isFalse();
    assertThatThrownBy(() -> dsa.wrapKey(alice.getPublic(), new byte[32], CONTEXT, RANDOM))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("cannot wrap");
  }
}
