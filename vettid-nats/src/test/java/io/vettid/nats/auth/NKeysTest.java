package io.vettid.nats.auth;

import static io.vettid.proptest.Gens.anyChars;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.NKey;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** Public NKeys as text: exactly the well-formed ones pass, whatever else is given. */
class NKeysTest {
  private static final String ACCOUNT = key(true);
  private static final String USER = key(false);

  private static String key(boolean account) {
    try {
      NKey k = account ? NKey.createAccount(new SecureRandom()) : NKey.createUser(new SecureRandom());
      return new String(k.getPublicKey());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void wellFormedKeysPassAndTheirTypeMatters() {
    assertThat(NKeys.isAccountKey(ACCOUNT)).isTrue();
    assertThat(NKeys.isUserKey(USER)).isTrue();
    assertThat(NKeys.isAccountKey(USER)).isFalse();
    assertThat(NKeys.isUserKey(ACCOUNT)).isFalse();
    // what jnats' own check takes, or throws on
    assertThat(NKeys.isAccountKey("!!!!!!!")).isFalse();
    assertThat(NKeys.isAccountKey("A")).isFalse();
    assertThat(NKeys.isAccountKey(null)).isFalse();
    assertThat(NKeys.isUserKey("")).isFalse();
  }

  @Test
  void anyAlteredCharacterOfAKeyIsRefused() {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    tries(1000).forAll(ints(1, 55), ints(1, 31)).checkAssert((at, shift) -> {
      char c = ACCOUNT.charAt(at);
      char other = alphabet.charAt((alphabet.indexOf(c) + shift) % alphabet.length());
      String altered = ACCOUNT.substring(0, at) + other + ACCOUNT.substring(at + 1);
      assertThat(NKeys.isAccountKey(altered)).as(altered).isFalse();
    });
  }

  @Test
  void randomTextNeitherPassesNorThrows() {
    tries(2000).forAll(anyChars(80)).checkAssert(text -> {
      assertThat(NKeys.isAccountKey(text)).isFalse();
      assertThat(NKeys.isUserKey(text)).isFalse();
    });
  }
}
