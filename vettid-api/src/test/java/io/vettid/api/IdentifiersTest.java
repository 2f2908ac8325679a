package io.vettid.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class IdentifiersTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "7d9a2c40-0b61-4a8e-9d7c-2f1e0c3b5a11", "conn-1"})
  void acceptsLowercaseConnectionIds(String value) {
    assertThat(ConnectionId.of(value).value()).isEqualTo(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "A", "conn.1", "conn*", "conn>", "conn 1", "-conn", "conn-", "ça"})
  void rejectsConnectionIdsThatAreNotSubjectTokens(String value) {
    assertThatThrownBy(() -> ConnectionId.of(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connectionId");
  }

  @Test
  void rejectsOverlongConnectionId() {
    assertThatThrownBy(() -> ConnectionId.of("a".repeat(65)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1..64");
  }

  @Test
  void randomIdsAreValidAndDistinct() {
    assertThat(ConnectionId.random()).isNotEqualTo(ConnectionId.random());
    assertThat(EventId.random()).isNotEqualTo(EventId.random());
  }

  @ParameterizedTest
  @ValueSource(strings = {"profile.request", "connection.key-rotation", "a", "v2.data.contact-request"})
  void acceptsDottedLowercaseEventTypes(String value) {
    assertThat(EventType.of(value).toString()).isEqualTo(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".a", "a.", "a..b", "Profile.request", "a.*", "a b", "a.>"})
  void rejectsMalformedEventTypes(String value) {
    assertThatThrownBy(() -> EventType.of(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("event type");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a b", "a.b", "a/b", "ä"})
  void rejectsMalformedEventIds(String value) {
    assertThatThrownBy(() -> EventId.of(value)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void errorMessagesDoNotEchoControlCharacters() {
    assertThatThrownBy(() -> EventId.of("bad\n\u0000id"))
        .hasMessageContaining("bad??id")
        .hasMessageNotContaining("\n");
  }

  @Test
  void keyIdIsDerivedDeterministicallyAndNamesTheAlgorithm() {
    byte[] key = "public key bytes".getBytes(StandardCharsets.US_ASCII);
    KeyId a = KeyId.derive("rsa4096", key);
    KeyId b = KeyId.derive("rsa4096", key.clone());

    assertThat(a).isEqualTo(b);
    assertThat(a.algorithmTag()).isEqualTo("rsa4096");
    assertThat(a.value()).matches("rsa4096-[0-9a-f]{40}");
    assertThat(KeyId.of(a.value())).isEqualTo(a);
  }

  @Test
  void keyIdBindsTheAlgorithmTag() {
    byte[] key = {1, 2, 3};
    KeyId rsa = KeyId.derive("rsa4096", key);
    KeyId other = KeyId.derive("mlkem768", key);

    assertThat(rsa.value().substring(8)).isNotEqualTo(other.value().substring(9));
  }

  @Test
  void keyIdMatchesOnlyItsOwnKey() {
    byte[] key = {1, 2, 3, 4};
    byte[] otherKey = {1, 2, 3, 5};
    KeyId id = KeyId.derive("rsa4096", key);

    assertThat(id.matches(key)).isTrue();
    assertThat(id.matches(otherKey)).isFalse();
    assertThat(id.matches(new byte[0])).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "rsa4096", "rsa4096-", "RSA4096-0123456789012345678901234567890123456789",
      "rsa4096-012345678901234567890123456789012345678", "rsa4096-0123456789abcdef0123456789abcdef0123456g",
      "4rsa-0123456789abcdef0123456789abcdef01234567", "rsa.4096-0123456789abcdef0123456789abcdef01234567"})
  void rejectsMalformedKeyIds(String value) {
    assertThatThrownBy(() -> KeyId.of(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyId");
  }

  @Test
  void externalEventCopiesItsBytesAndNeverPrintsThem() {
    byte[] sealed = {9, 8, 7};
    ExternalEvent event = new ExternalEvent(KeyId.derive("rsa4096", new byte[] {1}), sealed);
    sealed[0] = 0;
    byte[] out = event.sealed();
    out[1] = 0;

    assertThat(event.sealed()).containsExactly(9, 8, 7);
    assertThat(event.toString()).contains("3 bytes").doesNotContain("9, 8, 7");
    assertThat(event).isEqualTo(new ExternalEvent(event.keyId(), new byte[] {9, 8, 7}));
  }

  @Test
  void externalEventRejectsEmptyEnvelope() {
    KeyId id = KeyId.derive("rsa4096", new byte[] {1});
    assertThatThrownBy(() -> new ExternalEvent(id, new byte[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(id.value());
  }

  @Test
  void defaultDecisionDenies() {
    Decision d = Decision.defaultDeny();

    assertThat(d.action()).isEqualTo(Decision.Action.DENY);
    assertThat(d.allowsProcessing()).isFalse();
    assertThat(d.ruleId()).isEmpty();
    assertThat(d.failureReason()).contains(FailureReason.NO_MATCHING_RULE);
  }

  @Test
  void onlyHandleAndReplyAllowProcessing() {
    assertThat(Decision.handle("r1", "h").allowsProcessing()).isTrue();
    assertThat(Decision.reply("r1", "h").allowsProcessing()).isTrue();
    assertThat(Decision.hold("r1").allowsProcessing()).isFalse();
    assertThat(Decision.drop("r1").allowsProcessing()).isFalse();
    assertThat(Decision.deny("r1", "blocked").failureReason()).contains(FailureReason.DENIED_BY_RULE);
    assertThat(Decision.handle("r1", "h").handler()).contains("h");
  }

  @Test
  void decisionsValidateTheirArguments() {
    assertThatThrownBy(() -> Decision.handle(" ", "h")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Decision.handle("r", null)).isInstanceOf(NullPointerException.class);
  }
}
