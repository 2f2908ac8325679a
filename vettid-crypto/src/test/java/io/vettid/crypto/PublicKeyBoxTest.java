package io.vettid.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.pq.MlKem768;
import io.vettid.crypto.rsa.Rsa4096;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PublicKeyBoxTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] CONTEXT = PublicKeyBox.context("vettid-test-box-v1", "accept", "inv-1");
  private static final byte[] MESSAGE = "a jwt\nSUAseed".getBytes(StandardCharsets.UTF_8);

  /** Generated once for the class: RSA-4096 generation is slow and the default is never weakened. */
  private static PrivateKeyEntry[] rsa;
  private static PrivateKeyEntry[] kem;
  private static PublicKeyEntry[] rsaPublic;
  private static PublicKeyEntry[] kemPublic;

  @BeforeAll
  static void keys() throws GeneralSecurityException {
    rsaPublic = new PublicKeyEntry[2];
    rsa = pairs(new Rsa4096(), rsaPublic);
    kemPublic = new PublicKeyEntry[2];
    kem = pairs(new MlKem768(), kemPublic);
  }

  private static PrivateKeyEntry[] pairs(KeyAlgorithm algorithm, PublicKeyEntry[] publics)
      throws GeneralSecurityException {
    PrivateKeyEntry[] out = new PrivateKeyEntry[publics.length];
    for (int i = 0; i < publics.length; i++) {
      KeyPair p = algorithm.generateKeyPair(RANDOM);
      publics[i] = PublicKeyEntry.of(algorithm, p.getPublic());
      out[i] = new PrivateKeyEntry(publics[i].keyId(), algorithm, p.getPrivate());
    }
    return out;
  }

  @Test
  void onlyTheRecipientOpensItAndOnlyUnderTheSameContext() throws Exception {
    for (int s = 0; s < 2; s++) {
      PublicKeyEntry to = s == 0 ? rsaPublic[0] : kemPublic[0];
      PrivateKeyEntry mine = s == 0 ? rsa[0] : kem[0];
      PrivateKeyEntry other = s == 0 ? rsa[1] : kem[1];
      byte[] box = PublicKeyBox.seal(to, CONTEXT, MESSAGE, RANDOM);

      assertThat(PublicKeyBox.open(mine, CONTEXT, box)).isEqualTo(MESSAGE);
      assertThat(new String(box, StandardCharsets.ISO_8859_1)).doesNotContain("SUAseed");
      assertThatThrownBy(() -> PublicKeyBox.open(other, CONTEXT, box)).as("another key")
          .isInstanceOf(GeneralSecurityException.class);
      byte[] elsewhere = PublicKeyBox.context("vettid-test-box-v1", "confirm", "inv-1");
      assertThatThrownBy(() -> PublicKeyBox.open(mine, elsewhere, box)).as("another context")
          .isInstanceOf(GeneralSecurityException.class);
      assertThat(PublicKeyBox.seal(to, CONTEXT, MESSAGE, RANDOM)).as("a fresh key and nonce each time")
          .isNotEqualTo(box);
    }
  }

  @Test
  void contextPartsCannotBeShiftedIntoOneAnother() {
    assertThat(PublicKeyBox.context("l", "ab", "c")).isNotEqualTo(PublicKeyBox.context("l", "a", "bc"));
    assertThat(PublicKeyBox.context("l", "a")).isEqualTo("l\0a".getBytes(StandardCharsets.UTF_8));
  }

  /** Every altered byte, every truncation and every appended byte is refused with the checked exception. */
  @Test
  void anyAlteredTruncatedOrExtendedBoxIsRefused() throws Exception {
    byte[] box = PublicKeyBox.seal(kemPublic[0], CONTEXT, MESSAGE, RANDOM);
    Random r = new Random(20261204L);
    for (int i = 0; i < 400; i++) {
      byte[] bad = box.clone();
      bad[r.nextInt(bad.length)] ^= (byte) (1 + r.nextInt(255));
      assertThatThrownBy(() -> PublicKeyBox.open(kem[0], CONTEXT, bad)).isInstanceOf(GeneralSecurityException.class);
    }
    for (int n = 0; n < box.length; n += 1 + r.nextInt(40)) {
      byte[] cut = Arrays.copyOf(box, n);
      assertThatThrownBy(() -> PublicKeyBox.open(kem[0], CONTEXT, cut)).isInstanceOf(GeneralSecurityException.class);
    }
    byte[] longer = Arrays.copyOf(box, box.length + 1);
    assertThatThrownBy(() -> PublicKeyBox.open(kem[0], CONTEXT, longer)).isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void randomBytesAreRefusedWithTheCheckedException() {
    Random r = new Random(7L);
    for (int i = 0; i < 300; i++) {
      byte[] junk = new byte[r.nextInt(1400)];
      r.nextBytes(junk);
      assertThatThrownBy(() -> PublicKeyBox.open(kem[0], CONTEXT, junk)).isInstanceOf(GeneralSecurityException.class);
    }
  }

  @Test
  void argumentsAreChecked() {
    assertThatThrownBy(() -> PublicKeyBox.seal(null, CONTEXT, MESSAGE, RANDOM)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> PublicKeyBox.seal(kemPublic[0], null, MESSAGE, RANDOM))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> PublicKeyBox.open(kem[0], CONTEXT, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> PublicKeyBox.context("l", (String) null)).isInstanceOf(NullPointerException.class);
  }
}
