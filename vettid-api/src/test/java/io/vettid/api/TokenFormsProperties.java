package io.vettid.api;

import static io.vettid.proptest.Gens.anyChars;
import static io.vettid.proptest.Gens.oneOf;
import static io.vettid.proptest.Gens.strings;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;

import io.vettid.proptest.Gens;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The hand-written identifier checks accept exactly what their regular expressions describe. */
class TokenFormsProperties {
  private static Gen<String> nearlyTokens() {
    // mostly characters that matter at the edges of the forms, so that both answers occur often
    return strings("az09AZ-_.!é ", 0, 12);
  }

  @Test
  void eventIdCheckIsItsPattern() {
    tries(5000).forAll(nearlyTokens())
        .checkAssert(s -> assertThat(Tokens.isIdChars(s)).isEqualTo(EventId.FORM.matcher(s).matches()));
  }

  @Test
  void connectionIdCheckIsItsPattern() {
    tries(5000).forAll(nearlyTokens())
        .checkAssert(s -> assertThat(Tokens.isLowerToken(s)).isEqualTo(ConnectionId.FORM.matcher(s).matches()));
  }

  @Test
  void eventTypeCheckIsItsPattern() {
    tries(5000).forAll(nearlyTokens())
        .checkAssert(s -> assertThat(Tokens.isDottedLowerTokens(s)).isEqualTo(EventType.FORM.matcher(s).matches()));
  }

  private static Gen<String> nearlyKeyIds() {
    // a tag of 0..18 characters, a separator, and 38..42 hex-ish characters: both answers often
    Gen<String> tag = oneOf(strings("az09", 1, 17), strings("az09A-", 0, 18));
    Gen<String> sep = Gens.of("-", "-", "_", "");
    Gen<String> hex = oneOf(strings("0123456789abcdef", 40), strings("0123456789abcdef", 39, 41),
        strings("0123456789abcdefgF-", 40));
    return tag.zip(sep, hex, (t, s, h) -> t + s + h);
  }

  @Test
  void keyIdCheckIsItsPattern() {
    tries(5000).forAll(nearlyKeyIds())
        .checkAssert(s -> assertThat(KeyId.isForm(s)).isEqualTo(KeyId.FORM.matcher(s).matches()));
  }

  @Test
  void anyStringAgrees() {
    tries(2000).forAll(anyChars(255)).checkAssert(s -> {
      assertThat(KeyId.isForm(s)).isEqualTo(KeyId.FORM.matcher(s).matches());
      assertThat(Tokens.isIdChars(s)).isEqualTo(EventId.FORM.matcher(s).matches());
      assertThat(Tokens.isLowerToken(s)).isEqualTo(ConnectionId.FORM.matcher(s).matches());
      assertThat(Tokens.isDottedLowerTokens(s)).isEqualTo(EventType.FORM.matcher(s).matches());
    });
  }
}
