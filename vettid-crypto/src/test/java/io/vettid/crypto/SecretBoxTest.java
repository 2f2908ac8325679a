package io.vettid.crypto;

import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SecretBoxTest {
  static final SecureRandom RANDOM = new SecureRandom();
  static final byte[] KEY = SecretBox.derive(new byte[32], "test", 32);
  static final byte[] AAD = "ctx".getBytes(StandardCharsets.UTF_8);

  @Test
  void deriveMatchesRfc5869TestCase3() {
    // RFC 5869 A.3: IKM = 22 x 0x0b, salt and info empty, L = 42 (our info is empty text)
    byte[] okm = SecretBox.derive(HexFormat.of().parseHex("0b".repeat(22)), "", 42);
    assertThat(HexFormat.of().formatHex(okm)).isEqualTo(
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  }

  @Test
  void macSeparatesParts() {
    byte[] a = SecretBox.mac(KEY, "ab".getBytes(StandardCharsets.UTF_8), "c".getBytes(StandardCharsets.UTF_8));
    byte[] b = SecretBox.mac(KEY, "a".getBytes(StandardCharsets.UTF_8), "bc".getBytes(StandardCharsets.UTF_8));
    assertThat(SecretBox.equal(a, b)).isFalse();
    assertThat(SecretBox.equal(a, a.clone())).isTrue();
  }

  @Test
  void wrongKeyOrContextIsRefused() {
    byte[] box = SecretBox.seal(KEY, AAD, "hi".getBytes(StandardCharsets.UTF_8), RANDOM);
    assertThatThrownBy(() -> SecretBox.open(SecretBox.derive(new byte[32], "other", 32), AAD, box))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> SecretBox.open(KEY, "other".getBytes(StandardCharsets.UTF_8), box))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> SecretBox.open(KEY, AAD, new byte[5])).isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> SecretBox.seal(new byte[16], AAD, new byte[1], RANDOM))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void roundTripsAndRefusesAnyAlteredByte() {
    tries(300).forAll(bytes(0, 300), ints(0, 10_000), ints(1, 255)).checkAssert(this::roundTripsAndRefusesAnyAlteredByteCheck);
  }

  private void roundTripsAndRefusesAnyAlteredByteCheck(byte[] message, int where, int flip) throws Exception {
    byte[] box = SecretBox.seal(KEY, AAD, message, RANDOM);
    assertThat(box).hasSize(message.length + SecretBox.OVERHEAD);
    assertThat(SecretBox.open(KEY, AAD, box)).isEqualTo(message);
    byte[] bad = box.clone();
    bad[where % bad.length] ^= (byte) flip;
    assertThatThrownBy(() -> SecretBox.open(KEY, AAD, bad)).isInstanceOf(GeneralSecurityException.class);
  }
}
