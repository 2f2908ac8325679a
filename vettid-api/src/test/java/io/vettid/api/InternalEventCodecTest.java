package io.vettid.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class InternalEventCodecTest {

  private static final String VALID =
      "{\"timestamp\":\"2026-11-25T10:15:30.123Z\",\"type\":\"profile.request\","
          + "\"eventId\":\"e-1\",\"connectionId\":\"c-1\",\"payload\":{\"n\":1,\"s\":\"secret\"}}";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertRejected(String json, String field, String messagePart) {
    ThrowingCallable decode = () -> InternalEventCodec.decode(utf8(json));
    assertThatThrownBy(decode)
        .isInstanceOfSatisfying(InvalidEventException.class, e -> {
          assertThat(e.reason()).isEqualTo(FailureReason.MALFORMED);
          if (field == null) {
            assertThat(e.field()).isEmpty();
          } else {
            assertThat(e.field()).contains(field);
          }
        })
        .hasMessageContaining(messagePart);
  }

  @Test
  void decodesAValidEvent() throws Exception {
    InternalEvent e = InternalEventCodec.decode(utf8(VALID));

    assertThat(e.timestamp()).isEqualTo(Instant.parse("2026-11-25T10:15:30.123Z"));
    assertThat(e.type()).isEqualTo(EventType.of("profile.request"));
    assertThat(e.eventId()).isEqualTo(EventId.of("e-1"));
    assertThat(e.connectionId()).isEqualTo(ConnectionId.of("c-1"));
    assertThat(e.payload().get("n").intValue()).isEqualTo(1);
  }

  @Test
  void encodesFieldsInTheDocumentedOrderWithoutWhitespace() throws Exception {
    InternalEvent e = InternalEventCodec.decode(utf8(VALID));

    assertThat(new String(InternalEventCodec.encode(e), StandardCharsets.UTF_8)).isEqualTo(VALID);
  }

  @ParameterizedTest
  @ValueSource(strings = {"timestamp", "type", "eventId", "connectionId", "payload"})
  void rejectsAMissingRequiredFieldNamingIt(String field) throws Exception {
    ObjectNode tree = (ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(VALID);
    tree.remove(field);

    assertRejected(tree.toString(), field, "field '" + field + "' is missing");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "timestamp|1732530930|must be a string, found number",
      "type|[\"profile.request\"]|must be a string, found array",
      "eventId|null|must be a string, found null",
      "connectionId|{}|must be a string, found object",
      "payload|\"x\"|must be a JSON object, found string",
      "payload|[]|must be a JSON object, found array"})
  void rejectsAMistypedFieldNamingIt(String field, String value, String message) throws Exception {
    ObjectNode tree = (ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(VALID);
    tree.set(field, new com.fasterxml.jackson.databind.ObjectMapper().readTree(value));

    assertRejected(tree.toString(), field, message);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "timestamp|yesterday|not an RFC 3339 UTC instant",
      "timestamp|2026-11-25T10:15:30+01:00|not an RFC 3339 UTC instant",
      "type|Profile.Request|event type",
      "eventId|has space|eventId",
      "connectionId|UPPER|connectionId"})
  void rejectsAnInvalidValueNamingTheField(String field, String value, String message) throws Exception {
    ObjectNode tree = (ObjectNode) new com.fasterxml.jackson.databind.ObjectMapper().readTree(VALID);
    tree.put(field, value);

    assertRejected(tree.toString(), field, message);
  }

  @Test
  void rejectsAnUnknownFieldNamingIt() {
    assertRejected(VALID.replace("{\"timestamp\"", "{\"admin\":true,\"timestamp\""), "admin",
        "field 'admin' is not allowed");
  }

  @Test
  void rejectsDuplicateKeysAtTopLevelAndInsideThePayload() {
    assertRejected(VALID.replace("{\"timestamp\"", "{\"type\":\"a.b\",\"timestamp\""), null, "malformed");
    assertRejected(VALID.replace("{\"n\":1", "{\"n\":1,\"n\":2"), null, "malformed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "[]", "\"event\"", "42", "null", "{", "{}{}"})
  void rejectsDocumentsThatAreNotOneObject(String json) {
    assertThatThrownBy(() -> InternalEventCodec.decode(utf8(json)))
        .isInstanceOf(InvalidEventException.class);
  }

  @Test
  void rejectsTrailingContent() {
    assertRejected(VALID + " {}", null, "malformed");
  }

  @Test
  void rejectsInvalidUtf8() {
    byte[] bytes = utf8(VALID);
    int at = VALID.indexOf("secret");
    bytes[at] = (byte) 0xC3; // a lead byte followed by an ASCII byte
    assertThatThrownBy(() -> InternalEventCodec.decode(bytes))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("UTF-8");
  }

  @Test
  void rejectsNestingDeeperThanTheLimit() {
    String deep = "{\"a\":".repeat(InternalEventCodec.MAX_DEPTH) + "1" + "}".repeat(InternalEventCodec.MAX_DEPTH);
    assertRejected(VALID.replace("{\"n\":1,\"s\":\"secret\"}", deep), null, "size limit");
  }

  @Test
  void rejectsOversizedInput() {
    byte[] big = new byte[InternalEventCodec.MAX_BYTES + 1];
    assertThatThrownBy(() -> InternalEventCodec.decode(big))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("at most");
  }

  @Test
  void errorsNeverQuotePayloadContent() {
    String broken = VALID.replace("\"secret\"", "\"secret\" oops");
    assertThatThrownBy(() -> InternalEventCodec.decode(utf8(broken)))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageNotContaining("secret")
        .hasMessageNotContaining("oops");
  }

  @Test
  void eventsAreImmutable() {
    ObjectNode payload = JsonNodeFactory.instance.objectNode().put("k", "v");
    InternalEvent e = InternalEvent.builder()
        .type(EventType.of("a.b")).connectionId(ConnectionId.of("c")).payload(payload).build();
    payload.put("k", "changed");
    e.payload().put("k", "changed too");

    assertThat(e.payload().get("k").asText()).isEqualTo("v");
    assertThat(e.toString()).doesNotContain("\"v\"").contains("1 fields");
  }

  @Test
  void builderRequiresTypeAndConnection() {
    assertThatThrownBy(() -> InternalEvent.builder().connectionId(ConnectionId.of("c")).build())
        .isInstanceOf(NullPointerException.class).hasMessageContaining("type");
    assertThatThrownBy(() -> InternalEvent.builder().type(EventType.of("a")).build())
        .isInstanceOf(NullPointerException.class).hasMessageContaining("connectionId");
  }

  @Test
  void refusesPayloadTextThatUtf8CannotCarry() {
    ObjectNode payload = JsonNodeFactory.instance.objectNode().put("k", "ok \uD83D\uDE00 then \uD800");
    EventId id = EventId.random();

    assertThatThrownBy(() -> InternalEvent.builder().eventId(id)
            .type(EventType.of("a.b")).connectionId(ConnectionId.of("c")).payload(payload).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(id.value())
        .hasMessageContaining("Unicode");
  }

  @Test
  void payloadNumbersAreCanonicalSoEventsEqualTheirDecodedSelves() throws Exception {
    ObjectNode payload = JsonNodeFactory.instance.objectNode()
        .put("small", 5L).put("big", Long.MAX_VALUE).put("f", 1.5f)
        .put("dec", new java.math.BigDecimal("2.25"));
    InternalEvent e = InternalEvent.builder()
        .type(EventType.of("a.b")).connectionId(ConnectionId.of("c")).payload(payload).build();

    assertThat(InternalEventCodec.decode(InternalEventCodec.encode(e))).isEqualTo(e);
    assertThat(e.payload().get("small").isInt()).isTrue();
  }
}
