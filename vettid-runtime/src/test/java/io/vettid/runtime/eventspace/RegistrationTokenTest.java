package io.vettid.runtime.eventspace;

import static io.vettid.proptest.Gens.anyByte;
import static io.vettid.proptest.Gens.anyChars;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserPermissions;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The registration token's text form: it reads back what it wrote, and refuses anything else clearly. */
class RegistrationTokenTest {
  static final NatsAccount ACCOUNT = NatsOperator.create("t").createAccount("registration", JetStreamLimits.DISABLED);
  static final String SECRET = "A".repeat(43);
  static final RegistrationToken TOKEN = new RegistrationToken(SECRET,
      ACCOUNT.issueUser("register", UserPermissions.ACCOUNT_OWNER));

  @Test
  void theTextFormReadsBackAndNeverShowsTheSecret() {
    RegistrationToken back = RegistrationToken.parse("  " + TOKEN.encode() + "\n");
    assertThat(back.secret()).isEqualTo(SECRET);
    assertThat(back.bootstrap().publicKey()).isEqualTo(TOKEN.bootstrap().publicKey());
    assertThat(back.inboxPrefix()).matches("_INBOX\\.reg-[0-9a-f]{16}").isEqualTo(TOKEN.inboxPrefix());
    assertThat(TOKEN.toString()).doesNotContain(SECRET);
    assertThatThrownBy(() -> new RegistrationToken("short", TOKEN.bootstrap()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void randomTextIsRefusedWithoutBeingEchoed() {
    tries(2000).forAll(anyChars(200)).checkAssert(text -> {
      String t = RegistrationToken.PREFIX + text;
      assertThatThrownBy(() -> RegistrationToken.parse(t)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("not a registration token");
    });
  }

  @Test
  void aMutatedTokenIsReadIntactOrRefusedClearly() {
    String text = TOKEN.encode();
    tries(1000).forAll(anyByte(), ints(0, 10_000)).checkAssert((flip, where) -> {
      byte[] b = text.getBytes(StandardCharsets.US_ASCII);
      b[where % b.length] ^= (flip == 0 ? 1 : flip);
      String mutated = new String(b, StandardCharsets.ISO_8859_1);
      try {
        RegistrationToken r = RegistrationToken.parse(mutated);
        assertThat(r.secret()).hasSize(43);
      } catch (IllegalArgumentException expected) {
        assertThat(expected.getMessage()).isNotBlank().doesNotContain(SECRET);
      }
    });
  }
}
