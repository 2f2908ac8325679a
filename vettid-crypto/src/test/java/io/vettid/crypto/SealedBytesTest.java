package io.vettid.crypto;

import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import org.junit.jupiter.api.Test;

/** Passphrase-sealed bytes: round trip, and every wrong passphrase, purpose or byte refused. */
class SealedBytesTest {
  private static final char[] PASS = "correct horse battery".toCharArray();
  private static final byte[] SECRET = "identity key and vault secret".getBytes(StandardCharsets.UTF_8);
  // the lowest cost keeps the property fast; the default is tested once below
  private static final byte[] SEALED = SealedBytes.seal(SECRET, PASS, "vault", 15);

  @Test
  void opensWithThePassphraseAndPurposeItWasSealedWith() throws Exception {
    byte[] sealed = SealedBytes.seal(SECRET, PASS, "vault");
    assertThat(sealed[5]).isEqualTo((byte) 17);
    assertThat(SealedBytes.open(sealed, PASS, "vault")).isEqualTo(SECRET);
    assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("vault secret");
  }

  @Test
  void aWrongPassphraseOrPurposeIsRefusedWithOneMessage() {
    assertThatThrownBy(() -> SealedBytes.open(SEALED, "wrong horse battery".toCharArray(), "vault"))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("do not open");
    assertThatThrownBy(() -> SealedBytes.open(SEALED, PASS, "server"))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("do not open");
  }

  @Test
  void argumentsAreChecked() {
    assertThatThrownBy(() -> SealedBytes.seal(SECRET, "short".toCharArray(), "vault"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8 characters");
    assertThatThrownBy(() -> SealedBytes.seal(SECRET, PASS, "has space"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("purpose");
    assertThatThrownBy(() -> SealedBytes.seal(SECRET, PASS, "vault", 14))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("log2 N");
    assertThatThrownBy(() -> SealedBytes.open(new byte[3], PASS, "vault")).isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void anyAlteredByteIsRefused() {
    tries(60).forAll(ints(0, 1000), ints(1, 255)).checkAssert(this::anyAlteredByteIsRefusedCheck);
  }

  private void anyAlteredByteIsRefusedCheck(int where, int flip) {
    byte[] b = SEALED.clone();
    b[where % b.length] ^= (byte) flip;
    assertThatThrownBy(() -> SealedBytes.open(b, PASS, "vault")).isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void truncatedOrExtendedBytesAreRefused() {
    tries(25).forAll(ints(-80, 8)).checkAssert(this::truncatedOrExtendedBytesAreRefusedCheck);
  }

  private void truncatedOrExtendedBytesAreRefusedCheck(int delta) {
    int n = Math.max(0, SEALED.length + (delta == 0 ? 1 : delta));
    byte[] b = java.util.Arrays.copyOf(SEALED, n);
    assertThatThrownBy(() -> SealedBytes.open(b, PASS, "vault")).isInstanceOf(GeneralSecurityException.class);
  }
}
