package io.vettid.profile;

import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TrustedResourceTest {
  private static final URI LOCATION = URI.create("https://example.org/handler-1.0.0.jar");

  @Test
  void knownSha256OfAbc() {
    assertThat(TrustedResource.sha256Hex("abc".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void acceptsTheListedBytes() throws Exception {
    byte[] jar = "handler bytes".getBytes(StandardCharsets.US_ASCII);
    TrustedResource r = new TrustedResource("handler", "1.0.0", LOCATION, TrustedResource.sha256Hex(jar).toUpperCase());

    assertThat(r.verify(jar)).isSameAs(jar);
    assertThat(r.sha256()).isEqualTo(TrustedResource.sha256Hex(jar));
  }

  @Test
  void rejectsAnyAlteredByte() {
    tries(300).forAll(bytes(1, 200), ints(0, 10_000)).checkAssert(this::rejectsAnyAlteredByteCheck);
  }

  private void rejectsAnyAlteredByteCheck(byte[] content, int at) {
    TrustedResource r = new TrustedResource("handler", "1.0.0", LOCATION, TrustedResource.sha256Hex(content));
    byte[] altered = content.clone();
    altered[at % altered.length] ^= 0x5a;

    assertThatThrownBy(() -> r.verify(altered))
        .isInstanceOfSatisfying(VettidException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.HASH_MISMATCH))
        .hasMessageContaining("handler")
        .hasMessageContaining("1.0.0");
  }

  @Test
  void validatesFields() {
    String hash = "a".repeat(64);
    assertThatThrownBy(() -> new TrustedResource("bad name", "1", LOCATION, hash))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
    assertThatThrownBy(() -> new TrustedResource("h", "1 0", LOCATION, hash))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version");
    assertThatThrownBy(() -> new TrustedResource("h", "1", LOCATION, "abc"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sha256");
    assertThatThrownBy(() -> new TrustedResource("h", "1", null, hash))
        .isInstanceOf(NullPointerException.class);
  }
}
