package io.vettid.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.vettid.crypto.wycheproof.Wycheproof;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EphemeralBoxTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] CONTEXT = PublicKeyBox.context("vettid-test-box-v1", "accept", "inv-1");
  private static final byte[] MESSAGE = "a jwt\nSUAseed".getBytes(StandardCharsets.UTF_8);

  /**
   * The X25519 function against Wycheproof's 518 cases: every valid case gives the expected shared
   * secret; of the "acceptable" ones (twist points, non-canonical encodings, small-order keys)
   * those with a non-zero secret must match too, and those whose secret is all zeros must be
   * refused.
   */
  @Test
  void x25519MatchesWycheproof() throws Exception {
    JsonNode file = Wycheproof.load("x25519_test.json");
    Wycheproof.Tally tally = new Wycheproof.Tally("x25519_test.json");
    int zeroRefused = 0;
    int acceptableMatched = 0;
    for (JsonNode group : file.path("testGroups")) {
      for (JsonNode t : group.path("tests")) {
        byte[] priv = Wycheproof.hex(t, "private");
        byte[] pub = Wycheproof.hex(t, "public");
        byte[] expected = Wycheproof.hex(t, "shared");
        boolean zero = Arrays.equals(expected, new byte[32]);
        if (zero) {
          assertThatThrownBy(() -> EphemeralBox.agree(priv, pub)).as("tcId %s", t.path("tcId"))
              .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("small order");
          zeroRefused++;
        } else if (t.path("result").asText().equals("acceptable")) {
          assertThat(EphemeralBox.agree(priv, pub)).as("tcId %s", t.path("tcId")).isEqualTo(expected);
          acceptableMatched++;
        }
        tally.record(t, () -> Arrays.equals(EphemeralBox.agree(priv, pub), expected));
      }
    }
    tally.check();
    assertThat(zeroRefused).as("small-order cases refused").isGreaterThan(20);
    assertThat(acceptableMatched).as("acceptable non-zero cases matched").isGreaterThan(100);
  }

  @Test
  void onlyTheKeyPairOpensItAndOnlyUnderTheSameContext() throws Exception {
    EphemeralBox.KeyPair mine = EphemeralBox.generate(RANDOM);
    EphemeralBox.KeyPair other = EphemeralBox.generate(RANDOM);
    byte[] box = EphemeralBox.seal(mine.publicKey(), CONTEXT, MESSAGE, RANDOM);

    assertThat(box).hasSize(MESSAGE.length + EphemeralBox.OVERHEAD);
    assertThat(mine.open(CONTEXT, box)).isEqualTo(MESSAGE);
    assertThat(new String(box, StandardCharsets.ISO_8859_1)).doesNotContain("SUAseed");
    assertThatThrownBy(() -> other.open(CONTEXT, box)).as("another key").isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> mine.open(PublicKeyBox.context("vettid-test-box-v1", "confirm", "inv-1"), box))
        .as("another context").isInstanceOf(GeneralSecurityException.class);
    assertThat(EphemeralBox.seal(mine.publicKey(), CONTEXT, MESSAGE, RANDOM)).as("fresh each time").isNotEqualTo(box);
  }

  @Test
  void aDestroyedKeyPairOpensNothingAndItsTextShowsNoKey() throws Exception {
    EphemeralBox.KeyPair mine = EphemeralBox.generate(RANDOM);
    byte[] box = EphemeralBox.seal(mine.publicKey(), CONTEXT, MESSAGE, RANDOM);
    String hex = HexFormat.of().formatHex(mine.publicKey());
    assertThat(mine.toString()).doesNotContain(hex).contains("X25519");
    mine.destroy();
    assertThat(mine.isDestroyed()).isTrue();
    assertThatThrownBy(() -> mine.open(CONTEXT, box)).isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("destroyed");
  }

  @Test
  void anExportedPrivateKeyOpensWhatWasSealedToItsPairAndADestroyedOneExportsNothing() throws Exception {
    SecureRandom random = new SecureRandom();
    EphemeralBox.KeyPair pair = EphemeralBox.generate(random);
    byte[] ctx = "ctx".getBytes(StandardCharsets.US_ASCII);
    byte[] box = EphemeralBox.seal(pair.publicKey(), ctx, "creds".getBytes(StandardCharsets.US_ASCII), random);
    byte[] exported = pair.exportPrivateKey();

    EphemeralBox.KeyPair back = EphemeralBox.fromPrivateKey(exported);
    assertThat(back.publicKey()).isEqualTo(pair.publicKey());
    assertThat(new String(back.open(ctx, box), StandardCharsets.US_ASCII)).isEqualTo("creds");
    pair.destroy();
    assertThatThrownBy(pair::exportPrivateKey).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> EphemeralBox.fromPrivateKey(new byte[31])).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void smallOrderOrMisSizedPublicKeysAreRefusedWhenSealing() {
    byte[] zero = new byte[32];
    byte[] one = new byte[32];
    one[0] = 1;
    for (byte[] bad : new byte[][] {zero, one}) {
      assertThatThrownBy(() -> EphemeralBox.seal(bad, CONTEXT, MESSAGE, RANDOM))
          .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("small order");
    }
    assertThatThrownBy(() -> EphemeralBox.seal(new byte[31], CONTEXT, MESSAGE, RANDOM))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> EphemeralBox.seal(null, CONTEXT, MESSAGE, RANDOM)).isInstanceOf(NullPointerException.class);
  }

  /**
   * Every altered byte, every truncation and every appended byte is refused with the checked
   * exception (the ephemeral key's bytes are in the HKDF salt as sent, so even its ignored top bit
   * counts).
   */
  @Test
  void anyAlteredTruncatedOrExtendedBoxIsRefused() throws Exception {
    EphemeralBox.KeyPair mine = EphemeralBox.generate(RANDOM);
    byte[] box = EphemeralBox.seal(mine.publicKey(), CONTEXT, MESSAGE, RANDOM);
    Random r = new Random(20261204L);
    for (int i = 0; i < 400; i++) {
      byte[] bad = box.clone();
      int at = r.nextInt(bad.length);
      bad[at] ^= (byte) (1 + r.nextInt(255));
      assertThatThrownBy(() -> mine.open(CONTEXT, bad)).as("byte %d", at).isInstanceOf(GeneralSecurityException.class);
    }
    for (int n = 0; n < box.length; n += 1 + r.nextInt(8)) {
      byte[] cut = Arrays.copyOf(box, n);
      assertThatThrownBy(() -> mine.open(CONTEXT, cut)).isInstanceOf(GeneralSecurityException.class);
    }
    byte[] longer = Arrays.copyOf(box, box.length + 1);
    assertThatThrownBy(() -> mine.open(CONTEXT, longer)).isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void randomBytesAreRefusedWithTheCheckedException() {
    EphemeralBox.KeyPair mine = EphemeralBox.generate(RANDOM);
    Random r = new Random(8L);
    for (int i = 0; i < 300; i++) {
      byte[] junk = new byte[r.nextInt(400)];
      r.nextBytes(junk);
      assertThatThrownBy(() -> mine.open(CONTEXT, junk)).isInstanceOf(GeneralSecurityException.class);
    }
  }
}
