package io.vettid.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Arrays;

import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Random and mutated input to the Internal Event codec: a clear error, never a crash. */
class InternalEventCodecProperties {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Property(tries = 1000)
  void encodedEventsDecodeToEqualEvents(@ForAll("events") InternalEvent event) throws Exception {
    byte[] json = InternalEventCodec.encode(event);

    assertThat(InternalEventCodec.decode(json)).isEqualTo(event);
  }

  @Property(tries = 2000)
  void randomBytesAreRejectedWithAnInvalidEventException(@ForAll @Size(max = 600) byte[] bytes) {
    decodeOrReject(bytes);
  }

  @Property(tries = 5000)
  void mutatedEventsAreEitherValidOrRejectedWithAnInvalidEventException(
      @ForAll("events") InternalEvent event,
      @ForAll @IntRange(min = 0, max = 3) int kind,
      @ForAll @IntRange(min = 0, max = 100_000) int position,
      @ForAll @Size(min = 1, max = 8) byte[] noise) throws Exception {
    byte[] json = InternalEventCodec.encode(event);
    byte[] mutated = mutate(json, kind, position % json.length, noise);

    InternalEvent decoded = decodeOrReject(mutated);
    if (decoded != null) {
      // anything accepted is a well-formed event that encodes and decodes to itself
      assertThat(InternalEventCodec.decode(InternalEventCodec.encode(decoded))).isEqualTo(decoded);
    }
  }

  @Property(tries = 500)
  void aRemovedFieldIsNamedInTheError(
      @ForAll("events") InternalEvent event, @ForAll("fields") String field) throws Exception {
    ObjectNode tree = (ObjectNode) MAPPER.readTree(InternalEventCodec.encode(event));
    tree.remove(field);

    assertThatThrownBy(() -> InternalEventCodec.decode(MAPPER.writeValueAsBytes(tree)))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).contains(field));
  }

  @Property(tries = 500)
  void anUnknownFieldIsNamedInTheError(
      @ForAll("events") InternalEvent event,
      @ForAll("names") String extra,
      @ForAll("jsonValues") JsonNode value) throws Exception {
    ObjectNode tree = (ObjectNode) MAPPER.readTree(InternalEventCodec.encode(event));
    net.jqwik.api.Assume.that(!InternalEventCodec.FIELDS.contains(extra));
    tree.set(extra, value);

    assertThatThrownBy(() -> InternalEventCodec.decode(MAPPER.writeValueAsBytes(tree)))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).contains(extra));
  }

  @Property(tries = 500)
  void aFieldOfTheWrongTypeIsNamedInTheError(
      @ForAll("events") InternalEvent event,
      @ForAll("fields") String field,
      @ForAll("jsonValues") JsonNode value) throws Exception {
    boolean rightType = field.equals("payload") ? value.isObject() : value.isTextual();
    net.jqwik.api.Assume.that(!rightType);
    ObjectNode tree = (ObjectNode) MAPPER.readTree(InternalEventCodec.encode(event));
    tree.set(field, value);

    assertThatThrownBy(() -> InternalEventCodec.decode(MAPPER.writeValueAsBytes(tree)))
        .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).contains(field));
  }

  /** Decodes, or returns null when the input is rejected the documented way. */
  private static InternalEvent decodeOrReject(byte[] bytes) {
    try {
      return InternalEventCodec.decode(bytes);
    } catch (InvalidEventException e) {
      assertThat(e.getMessage()).isNotBlank();
      assertThat(e.reason()).isEqualTo(FailureReason.MALFORMED);
      return null;
    }
  }

  private static byte[] mutate(byte[] json, int kind, int at, byte[] noise) {
    switch (kind) {
      case 0: { // flip bits of one byte
        byte[] out = json.clone();
        out[at] ^= (byte) (noise[0] == 0 ? 1 : noise[0]);
        return out;
      }
      case 1: { // delete a run
        int end = Math.min(json.length, at + noise.length);
        byte[] out = new byte[json.length - (end - at)];
        System.arraycopy(json, 0, out, 0, at);
        System.arraycopy(json, end, out, at, json.length - end);
        return out;
      }
      case 2: { // insert noise
        byte[] out = new byte[json.length + noise.length];
        System.arraycopy(json, 0, out, 0, at);
        System.arraycopy(noise, 0, out, at, noise.length);
        System.arraycopy(json, at, out, at + noise.length, json.length - at);
        return out;
      }
      default: // truncate
        return Arrays.copyOf(json, at);
    }
  }

  @Provide
  Arbitrary<String> fields() {
    return Arbitraries.of(InternalEventCodec.FIELDS);
  }

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.strings().alpha().numeric().withChars('_', '-', '.').ofMinLength(1).ofMaxLength(20);
  }

  @Provide
  Arbitrary<JsonNode> jsonValues() {
    return Arbitraries.oneOf(
        Arbitraries.integers().map(i -> (JsonNode) MAPPER.getNodeFactory().numberNode(i)),
        text().map(s -> (JsonNode) MAPPER.getNodeFactory().textNode(s)),
        Arbitraries.of(true, false).map(b -> (JsonNode) MAPPER.getNodeFactory().booleanNode(b)),
        Arbitraries.just((JsonNode) MAPPER.getNodeFactory().nullNode()),
        Arbitraries.just((JsonNode) MAPPER.getNodeFactory().arrayNode().add(1)),
        Arbitraries.just((JsonNode) MAPPER.getNodeFactory().objectNode().put("k", 1)));
  }

  @Provide
  Arbitrary<InternalEvent> events() {
    Arbitrary<Instant> timestamps = Arbitraries.longs()
        .between(0, InternalEvent.MAX_TIMESTAMP.getEpochSecond())
        .flatMap(s -> Arbitraries.integers().between(0, 999_999_999).map(n -> Instant.ofEpochSecond(s, n)));
    Arbitrary<String> token = Arbitraries.strings().withCharRange('a', 'z').numeric().ofMinLength(1).ofMaxLength(12);
    Arbitrary<EventType> types = token.list().ofMinSize(1).ofMaxSize(4)
        .map(t -> EventType.of(String.join(".", t)));
    Arbitrary<EventId> eventIds = Arbitraries.strings().alpha().numeric().withChars('-', '_')
        .ofMinLength(1).ofMaxLength(EventId.MAX_LENGTH).map(EventId::of);
    Arbitrary<ConnectionId> connectionIds = Arbitraries.strings().withCharRange('a', 'z').numeric()
        .ofMinLength(1).ofMaxLength(ConnectionId.MAX_LENGTH).map(ConnectionId::of);
    return Combinators.combine(timestamps, types, eventIds, connectionIds, payloads())
        .as(InternalEvent::new);
  }

  private static Arbitrary<String> text() {
    // any Unicode text that UTF-8 can carry: no unpaired surrogates
    return Arbitraries.strings()
        .withCharRange('\u0000', '\uD7FF')
        .withCharRange('\uE000', '\uFFFD')
        .ofMaxLength(40);
  }

  private static Arbitrary<ObjectNode> payloads() {
    Arbitrary<Object> leaf = Arbitraries.oneOf(
        Arbitraries.integers().map(i -> (Object) i),
        Arbitraries.longs().map(l -> (Object) l),
        text().map(s -> (Object) s),
        Arbitraries.of(true, false).map(b -> (Object) b));
    Arbitrary<Object> nested = Arbitraries.oneOf(
        leaf,
        Arbitraries.maps(text(), leaf).ofMaxSize(4).map(m -> (Object) m),
        leaf.list().ofMaxSize(4).map(l -> (Object) l));
    return Arbitraries.maps(text(), nested).ofMaxSize(6)
        .map(m -> (ObjectNode) MAPPER.valueToTree((Map<String, Object>) m));
  }

}
