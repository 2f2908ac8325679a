package io.vettid.runtime.connection;

import static io.vettid.proptest.Gens.anyChar;
import static io.vettid.proptest.Gens.anyChars;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Gens.oneOf;
import static io.vettid.proptest.Props.tries;
import org.quicktheories.core.Gen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.KeyId;
import java.security.SecureRandom;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class InvitationUriTest {
  static final String KEY = "rsa4096-" + "ab".repeat(20);

  static Invitation sample(boolean remote) {
    SecureRandom r = new SecureRandom();
    byte[] id = new byte[16];
    byte[] secret = new byte[32];
    r.nextBytes(id);
    r.nextBytes(secret);
    return new Invitation("3f7a9c", "home", id, secret, io.vettid.crypto.EphemeralBox.generate(r).publicKey(),
        KeyId.of(KEY), Instant.parse("2026-11-25T10:10:00Z"), remote,
        remote ? io.vettid.nats.server.ServerAddress.parse("vault.example.org:4222",
            "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU") : null)
        .withSuites(remote ? java.util.List.of(200, 1) : java.util.List.of()); // the mutations reach 'u' too
  }

  @Test
  void roundTripsAndFitsInAQrCode() {
    for (boolean remote : new boolean[] {false, true}) {
      Invitation inv = sample(remote);
      String uri = inv.toUri();
      assertThat(uri).startsWith("vettid:invite?v=2&").hasSizeLessThan(400);
      assertThat(Invitation.parse(uri)).isEqualTo(inv);
      assertThat(inv.toString()).doesNotContain(uri.substring(uri.indexOf("&s=") + 3, uri.indexOf("&k=")));
    }
  }

  @Test
  void refusesWhatIsNotAnInvitation() {
    String uri = sample(false).toUri();
    assertThatThrownBy(() -> Invitation.parse(uri.replace("v=2", "v=1"))).hasMessageContaining("version");
    assertThatThrownBy(() -> Invitation.parse(uri + "&e=home")).hasMessageContaining("twice");
    assertThatThrownBy(() -> Invitation.parse(uri.replace("&m=p", ""))).hasMessageContaining("'m' is missing");
    assertThatThrownBy(() -> Invitation.parse(uri + "&z=1")).hasMessageContaining("unknown");
    assertThatThrownBy(() -> Invitation.parse(uri.replace("e=home", "e=Home"))).hasMessageContaining("EventSpace");
    assertThatThrownBy(() -> Invitation.parse("https://example.org")).hasMessageContaining("not a VettID invitation");
    assertThatThrownBy(() -> Invitation.parse(uri + "&u=1,+2")).hasMessageContaining("'u' lists suite ids");
    assertThatThrownBy(() -> Invitation.parse(uri + "&u=300")).hasMessageContaining("each 1..254 once");
    assertThatThrownBy(() -> sample(false).withSuites(java.util.List.of(1, 2, 3, 4, 5, 6, 7, 8, 9)))
        .hasMessageContaining("at most 8");
    // the id's last character carries 2 unused bits: another spelling of the same bytes is refused
    int at = uri.indexOf("&s=") - 1;
    char last = uri.charAt(at);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char sibling = alphabet.charAt(alphabet.indexOf(last) ^ 1);
    assertThatThrownBy(() -> Invitation.parse(uri.substring(0, at) + sibling + uri.substring(at + 1)))
        .hasMessageContaining("canonical");
  }

  private static Gen<String> junk() {
    return oneOf(anyChars(300), anyChars(200).map(s -> "vettid:invite?" + s));
  }

  @Test
  void anythingElseIsRefusedWithAClearError() {
    tries(1000).forAll(junk()).checkAssert(this::anythingElseIsRefusedWithAClearErrorCheck);
  }

  private void anythingElseIsRefusedWithAClearErrorCheck(String s) {
    assertThatThrownBy(() -> Invitation.parse(s)).isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).isNotBlank());
  }

  @Test
  void aMutatedUriIsRefusedOrParsesToAValidInvitation() {
    tries(1000).forAll(ints(0, 400), anyChar()).checkAssert(this::aMutatedUriIsRefusedOrParsesToAValidInvitationCheck);
  }

  private void aMutatedUriIsRefusedOrParsesToAValidInvitationCheck(int where, char c) {
    String uri = sample(true).toUri();
    int i = where % uri.length();
    String mutated = uri.substring(0, i) + c + uri.substring(i + 1);
    try {
      Invitation inv = Invitation.parse(mutated);
      assertThat(inv.toUri()).isEqualTo(mutated); // anything accepted is canonical
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }
}
