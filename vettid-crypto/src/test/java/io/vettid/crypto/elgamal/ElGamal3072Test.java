package io.vettid.crypto.elgamal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.internal.Bc;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import org.bouncycastle.crypto.agreement.DHStandardGroups;
import org.bouncycastle.jce.spec.ElGamalParameterSpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ElGamal3072Test {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ElGamal3072 ELGAMAL = new ElGamal3072();
  private static final byte[] CONTEXT = "subscriber.g.es.queue.c1".getBytes(StandardCharsets.US_ASCII);
  private static KeyPair alice;

  @BeforeAll
  static void keys() throws GeneralSecurityException {
    alice = ELGAMAL.generateKeyPair(RANDOM);
  }

  @Test
  void isFoundWithServiceLoader() {
    assertThat(Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build().get("ElGamal-3072"))
        .isInstanceOf(ElGamal3072.class);
  }

  @Test
  void usesTheRfc7919Ffdhe3072Group() {
    BigInteger p = DHStandardGroups.rfc7919_ffdhe3072.getP();

    assertThat(p.bitLength()).isEqualTo(3072);
    assertThat(p.isProbablePrime(64)).isTrue();
    assertThat(p.subtract(BigInteger.ONE).shiftRight(1).isProbablePrime(64)).as("safe prime").isTrue();
    assertThat(((org.bouncycastle.jce.interfaces.ElGamalPublicKey) alice.getPublic()).getParameters().getP()).isEqualTo(p);
  }

  @Test
  void wrapsAndUnwrapsOnlyUnderTheSameContext() throws Exception {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);

    byte[] wrapped = ELGAMAL.wrapKey(alice.getPublic(), key, CONTEXT, RANDOM);

    assertThat(wrapped).hasSize(768);
    assertThat(ELGAMAL.unwrapKey(alice.getPrivate(), wrapped, CONTEXT)).isEqualTo(key);
    assertThat(ELGAMAL.unwrapKey(ELGAMAL.decodePrivateKey(alice.getPrivate().getEncoded()), wrapped, CONTEXT))
        .isEqualTo(key);
    assertThatThrownBy(() -> ELGAMAL.unwrapKey(alice.getPrivate(), wrapped, new byte[0]))
        .isInstanceOf(GeneralSecurityException.class);
    for (int at : new int[] {0, 383, 384, 767}) {
      byte[] altered = wrapped.clone();
      altered[at] ^= 1;
      assertThatThrownBy(() -> ELGAMAL.unwrapKey(alice.getPrivate(), altered, CONTEXT))
          .as("bit flip at %d", at).isInstanceOf(GeneralSecurityException.class);
    }
  }

  @Test
  void refusesKeysOutsideTheGroupOrItsSubgroup() throws Exception {
    KeyPairGenerator other = KeyPairGenerator.getInstance("ElGamal", Bc.PROVIDER);
    other.initialize(new ElGamalParameterSpec(DHStandardGroups.rfc7919_ffdhe2048.getP(),
        DHStandardGroups.rfc7919_ffdhe2048.getG()), RANDOM);
    KeyPair small = other.generateKeyPair();

    assertThatThrownBy(() -> ELGAMAL.decodePublicKey(small.getPublic().getEncoded()))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("ffdhe3072");

    BigInteger p = DHStandardGroups.rfc7919_ffdhe3072.getP();
    java.security.KeyFactory kf = java.security.KeyFactory.getInstance("ElGamal", Bc.PROVIDER);
    java.security.PublicKey minusOne = kf.generatePublic(new org.bouncycastle.jce.spec.ElGamalPublicKeySpec(
        p.subtract(BigInteger.ONE), new ElGamalParameterSpec(p, BigInteger.TWO)));
    assertThatThrownBy(() -> ELGAMAL.wrapKey(minusOne, new byte[32], CONTEXT, RANDOM))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("subgroup");
  }

  @Test
  void cannotSign() {
    assertThatThrownBy(() -> ELGAMAL.sign(alice.getPrivate(), new byte[1], RANDOM))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("cannot sign");
  }
}
