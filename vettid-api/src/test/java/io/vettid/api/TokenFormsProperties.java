package io.vettid.api;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The hand-written identifier checks accept exactly what their regular expressions describe. */
class TokenFormsProperties {
  @Provide
  Arbitrary<String> nearlyTokens() {
    // mostly characters that matter at the edges of the forms, so that both answers occur often
    return Arbitraries.strings().withChars("az09AZ-_.!é ").ofMinLength(0).ofMaxLength(12);
  }

  @Property(tries = 5000)
  void eventIdCheckIsItsPattern(@ForAll("nearlyTokens") String s) {
    assertThat(Tokens.isIdChars(s)).isEqualTo(EventId.FORM.matcher(s).matches());
  }

  @Property(tries = 5000)
  void connectionIdCheckIsItsPattern(@ForAll("nearlyTokens") String s) {
    assertThat(Tokens.isLowerToken(s)).isEqualTo(ConnectionId.FORM.matcher(s).matches());
  }

  @Property(tries = 5000)
  void eventTypeCheckIsItsPattern(@ForAll("nearlyTokens") String s) {
    assertThat(Tokens.isDottedLowerTokens(s)).isEqualTo(EventType.FORM.matcher(s).matches());
  }

  @Provide
  Arbitrary<String> nearlyKeyIds() {
    // a tag of 0..18 characters, a separator, and 38..42 hex-ish characters: both answers often
    Arbitrary<String> tag = Arbitraries.oneOf(Arbitraries.strings().withChars("az09").ofMinLength(1).ofMaxLength(17),
        Arbitraries.strings().withChars("az09A-").ofMinLength(0).ofMaxLength(18));
    Arbitrary<String> sep = Arbitraries.of("-", "-", "_", "");
    Arbitrary<String> hex = Arbitraries.oneOf(Arbitraries.strings().withChars("0123456789abcdef").ofLength(40),
        Arbitraries.strings().withChars("0123456789abcdef").ofMinLength(39).ofMaxLength(41),
        Arbitraries.strings().withChars("0123456789abcdefgF-").ofLength(40));
    return net.jqwik.api.Combinators.combine(tag, sep, hex).as((t, s, h) -> t + s + h);
  }

  @Property(tries = 5000)
  void keyIdCheckIsItsPattern(@ForAll("nearlyKeyIds") String s) {
    assertThat(KeyId.isForm(s)).isEqualTo(KeyId.FORM.matcher(s).matches());
  }

  @Property(tries = 2000)
  void anyStringAgrees(@ForAll String s) {
    assertThat(KeyId.isForm(s)).isEqualTo(KeyId.FORM.matcher(s).matches());
    assertThat(Tokens.isIdChars(s)).isEqualTo(EventId.FORM.matcher(s).matches());
    assertThat(Tokens.isLowerToken(s)).isEqualTo(ConnectionId.FORM.matcher(s).matches());
    assertThat(Tokens.isDottedLowerTokens(s)).isEqualTo(EventType.FORM.matcher(s).matches());
  }
}
