package io.vettid.api;

import static io.vettid.proptest.Gens.anyByte;
import static io.vettid.proptest.Gens.booleans;
import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Gens.lists;
import static io.vettid.proptest.Gens.strings;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import io.vettid.proptest.Gens;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * {@link InternalEventCodec#validate} must accept exactly what {@link InternalEventCodec#decode}
 * accepts, with the same connectionId, and refuse the rest with decode's message; its streaming
 * pass must vouch only for events decode accepts.
 */
class InternalEventCodecValidateProperties {
  private static final String HEAD = "{\"timestamp\":\"2026-11-25T10:15:30.123Z\",\"type\":\"chat.message\","
      + "\"eventId\":\"4f1c2d3e-0000-4000-8000-00000000abcd\",\"connectionId\":\"conn-bob\",\"payload\":";

  /** Pieces of payload JSON near every edge the decoder has: numbers, escapes, depth, duplicates. */
  private static final List<String> PIECES = List.of(
      "1", "-0", "2.5", "1e308", "1e309", "-1e309", "1e-400", "123456789012345678901234567890",
      "1".repeat(64), "1".repeat(65), "0." + "1".repeat(63), "1.5E+" + "9".repeat(3), "true", "false", "null",
      "\"text\"", "\"\\\\\"", "\"\\n\\t\\\"\"", "\"\\u0041\"", "\"\\ud83d\\ude00\"", "\"\\ud800\"", "\"\\udc00x\"",
      "\"\\uD800\\uDC00\"", "\"\\\\ud800\"", "\"\\x\"", "\"\u0001\"", "\"é€😀\"", "{}", "[]", "[1,[2,[3]]]",
      "{\"a\":1,\"a\":2}", "{\"k\":{\"k\":{\"k\":{}}}}", "NaN", "Infinity", "01", "1.", ".5", "'s'",
      "[" .repeat(31) + "]".repeat(31), "[".repeat(32) + "]".repeat(32));

  private static Gen<List<String>> payloads() {
    return lists(Gens.of(PIECES), 0, 5);
  }

  private static byte[] event(List<String> values, boolean asArray) {
    StringBuilder b = new StringBuilder(HEAD).append(asArray ? "{\"v\":[" : "{");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(asArray ? "" : "\"f" + i + "\":").append(values.get(i));
    }
    return b.append(asArray ? "]}}" : "}}").toString().getBytes(StandardCharsets.UTF_8);
  }

  /** What decode makes of the bytes: the connectionId, or the refusal's message. */
  private static String decoded(byte[] b) {
    try {
      return "ok " + InternalEventCodec.decode(b).connectionId().value();
    } catch (InvalidEventException e) {
      return "refused " + e.getMessage();
    }
  }

  private static String validated(byte[] b) {
    try {
      return "ok " + InternalEventCodec.validate(b).value();
    } catch (InvalidEventException e) {
      return "refused " + e.getMessage();
    }
  }

  private static void agree(byte[] b) {
    String d = decoded(b);
    assertThat(validated(b)).isEqualTo(d);
    ConnectionId quick = InternalEventCodec.quickCheck(b);
    if (quick != null) {
      assertThat(d).as("the streaming pass vouched for an event decode refuses").isEqualTo("ok " + quick.value());
    }
  }

  @Test
  void validateAgreesWithDecodeOnPayloadsAtTheEdges() {
    tries(3000).forAll(payloads(), booleans()).checkAssert((values, asArray) -> agree(event(values, asArray)));
  }

  /** A payload's values, in an object or in an array. */
  private record Payload(List<String> values, boolean asArray) {}

  @Test
  void validateAgreesWithDecodeOnMutatedEvents() {
    tries(3000).forAll(payloads().zip(booleans(), Payload::new), ints(0, 100_000), anyByte(), ints(0, 3))
        .checkAssert((p, where, value, how) -> agreeMutated(p.values(), p.asArray(), where, value, how));
  }

  private static void agreeMutated(List<String> values, boolean asArray, int where, byte value, int how) {
    byte[] b = event(values, asArray);
    int at = where % b.length;
    if (how == 0) {
      b[at] = value;
    } else if (how == 1) {
      b = java.util.Arrays.copyOf(b, at);
    } else if (how == 2) {
      byte[] m = new byte[b.length + 1];
      System.arraycopy(b, 0, m, 0, at);
      m[at] = value;
      System.arraycopy(b, at, m, at + 1, b.length - at);
      b = m;
    } else {
      byte[] m = new byte[b.length - 1];
      System.arraycopy(b, 0, m, 0, at);
      System.arraycopy(b, at + 1, m, at, b.length - at - 1);
      b = m;
    }
    agree(b);
  }

  @Test
  void validateAgreesWithDecodeOnRandomBytes() {
    tries(1000).forAll(bytes(0, 200)).checkAssert(bytes -> agree(bytes));
  }

  @Test
  void validateAgreesWithDecodeOnEveryField() {
    tries(1000).forAll(fieldValues(), ints(0, 4)).checkAssert((value, field) -> agreeOnField(value, field));
  }

  private static void agreeOnField(String value, int field) {
    // one field's value replaced: wrong type, wrong form, out of range, or missing / repeated
    String[] parts = {"\"2026-11-25T10:15:30.123Z\"", "\"chat.message\"", "\"e-1\"", "\"conn-bob\"", "{}"};
    parts[field] = value;
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < 5; i++) {
      if (!parts[i].isEmpty()) {
        b.append(b.length() > 1 ? "," : "").append('"').append(InternalEventCodec.FIELDS.get(i)).append("\":")
            .append(parts[i]);
      }
    }
    agree(b.append('}').toString().getBytes(StandardCharsets.UTF_8));
  }

  private static Gen<String> fieldValues() {
    return Gens.of("", "1", "null", "{}", "[]", "\"\"", "\"2026-11-25T10:15:30Z\"", "\"1969-12-31T23:59:59Z\"",
        "\"2026-11-25T10:15:30+01:00\"", "\"2026-02-30T10:15:30Z\"", "\"Chat\"", "\"a b\"", "\"conn-bob\\u0000\"",
        "\"" + "y".repeat(200) + "\"", "\"" + "x".repeat(129) + "\"", "\"e-1\",\"extra\":1", "\"e-1\",\"type\":\"a\"");
  }

  @Test
  void theSurrogateEscapeScanFindsEveryCandidate() {
    tries(3000).forAll(escapeText()).checkAssert(text -> surrogateScan(text));
  }

  private static void surrogateScan(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    boolean naive = false;
    for (int i = 0; i + 5 < b.length; i++) {
      naive |= b[i] == '\\' && b[i + 1] == 'u' && (b[i + 2] == 'd' || b[i + 2] == 'D')
          && "89abcdefABCDEF".indexOf(b[i + 3]) >= 0;
    }
    assertThat(JsonBytes.maySpellSurrogate(b)).isEqualTo(naive);
  }

  private static Gen<String> escapeText() {
    // long runs without a backslash (the eight-byte path), then candidates at any offset
    return lists(strings("ab\\udD8fF0x", 0, 60), 0, 4)
        .map(parts -> String.join("0123456789abcdefghij", parts));
  }

  @Test
  void anOrdinaryEventTakesTheStreamingPass() throws Exception {
    byte[] b = InternalEventCodec.encode(InternalEvent.builder().type(EventType.of("chat.message"))
        .connectionId(ConnectionId.of("conn-bob"))
        .payload(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("text", "hello")
            .put("n", 3).put("x", 2.5))
        .build());
    assertThat(InternalEventCodec.quickCheck(b)).isEqualTo(ConnectionId.of("conn-bob"));
    assertThat(InternalEventCodec.validate(b)).isEqualTo(InternalEventCodec.decode(b).connectionId());
  }

  @Test
  void anEscapedSurrogateGoesThroughDecode() throws Exception {
    byte[] pair = (HEAD + "{\"t\":\"\\ud83d\\ude00\"}}").getBytes(StandardCharsets.UTF_8);
    assertThat(InternalEventCodec.quickCheck(pair)).isNull();
    assertThat(InternalEventCodec.validate(pair)).isEqualTo(ConnectionId.of("conn-bob")); // a valid pair
    byte[] half = (HEAD + "{\"t\":\"\\ud83d\"}}").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> InternalEventCodec.validate(half)).isInstanceOf(InvalidEventException.class)
        .hasMessageContaining("unpaired surrogate");
    assertThatThrownBy(() -> InternalEventCodec.validate(null)).isInstanceOf(NullPointerException.class);
  }
}
