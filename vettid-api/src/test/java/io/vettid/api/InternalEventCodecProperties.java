package io.vettid.api;

import static io.vettid.proptest.Gens.anyInt;
import static io.vettid.proptest.Gens.anyLong;
import static io.vettid.proptest.Gens.booleans;
import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Gens.lists;
import static io.vettid.proptest.Gens.longs;
import static io.vettid.proptest.Gens.maps;
import static io.vettid.proptest.Gens.oneOf;
import static io.vettid.proptest.Gens.strings;
import static io.vettid.proptest.Gens.text;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.generators.Generate.constant;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import io.vettid.proptest.Gens;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** Random and mutated input to the Internal Event codec: a clear error, never a crash. */
class InternalEventCodecProperties {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void encodedEventsDecodeToEqualEvents() {
    tries(1000).forAll(events()).checkAssert((event -> {
      byte[] json = InternalEventCodec.encode(event);

      assertThat(InternalEventCodec.decode(json)).isEqualTo(event);
    }));
  }

  @Test
  void randomBytesAreRejectedWithAnInvalidEventException() {
    tries(2000).forAll(bytes(0, 600)).checkAssert(bytes -> decodeOrReject(bytes));
  }

  @Test
  void mutatedEventsAreEitherValidOrRejectedWithAnInvalidEventException() {
    tries(5000).forAll(events(), ints(0, 3), ints(0, 100_000), bytes(1, 8))
        .checkAssert(((event, kind, position, noise) -> {
          byte[] json = InternalEventCodec.encode(event);
          byte[] mutated = mutate(json, kind, position % json.length, noise);

          InternalEvent decoded = decodeOrReject(mutated);
          if (decoded != null) {
            // anything accepted is a well-formed event that encodes and decodes to itself
            assertThat(InternalEventCodec.decode(InternalEventCodec.encode(decoded))).isEqualTo(decoded);
          }
        }));
  }

  @Test
  void aRemovedFieldIsNamedInTheError() {
    tries(500).forAll(events(), fields()).checkAssert(((event, field) -> {
      ObjectNode tree = (ObjectNode) MAPPER.readTree(InternalEventCodec.encode(event));
      tree.remove(field);

      assertThatThrownBy(() -> InternalEventCodec.decode(MAPPER.writeValueAsBytes(tree)))
          .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).contains(field));
    }));
  }

  @Test
  void anUnknownFieldIsNamedInTheError() {
    tries(500).forAll(events(), names(), jsonValues())
        .assuming((event, extra, value) -> !InternalEventCodec.FIELDS.contains(extra))
        .checkAssert(((event, extra, value) -> {
          ObjectNode tree = (ObjectNode) MAPPER.readTree(InternalEventCodec.encode(event));
          tree.set(extra, value);

          assertThatThrownBy(() -> InternalEventCodec.decode(MAPPER.writeValueAsBytes(tree)))
              .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).contains(extra));
        }));
  }

  @Test
  void aFieldOfTheWrongTypeIsNamedInTheError() {
    tries(500).forAll(events(), fields(), jsonValues())
        .assuming((event, field, value) -> !(field.equals("payload") ? value.isObject() : value.isTextual()))
        .checkAssert(((event, field, value) -> {
          ObjectNode tree = (ObjectNode) MAPPER.readTree(InternalEventCodec.encode(event));
          tree.set(field, value);

          assertThatThrownBy(() -> InternalEventCodec.decode(MAPPER.writeValueAsBytes(tree)))
              .isInstanceOfSatisfying(InvalidEventException.class, e -> assertThat(e.field()).contains(field));
        }));
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

  private static Gen<String> fields() {
    return Gens.of(List.copyOf(InternalEventCodec.FIELDS));
  }

  private static Gen<String> names() {
    return strings(Gens.ALPHANUMERIC + "_-.", 1, 20);
  }

  private static Gen<JsonNode> jsonValues() {
    return oneOf(
        anyInt().map(i -> (JsonNode) MAPPER.getNodeFactory().numberNode(i)),
        text(40).map(s -> (JsonNode) MAPPER.getNodeFactory().textNode(s)),
        booleans().map(b -> (JsonNode) MAPPER.getNodeFactory().booleanNode(b)),
        constant((JsonNode) MAPPER.getNodeFactory().nullNode()),
        constant((JsonNode) MAPPER.getNodeFactory().arrayNode().add(1)),
        constant((JsonNode) MAPPER.getNodeFactory().objectNode().put("k", 1)));
  }

  private static Gen<InternalEvent> events() {
    Gen<Instant> timestamps = longs(0, InternalEvent.MAX_TIMESTAMP.getEpochSecond())
        .zip(ints(0, 999_999_999), Instant::ofEpochSecond);
    Gen<String> token = strings(Gens.LOWER + Gens.DIGITS, 1, 12);
    Gen<EventType> types = lists(token, 1, 4).map(t -> EventType.of(String.join(".", t)));
    Gen<EventId> eventIds = strings(Gens.ALPHANUMERIC + "-_", 1, EventId.MAX_LENGTH).map(EventId::of);
    Gen<ConnectionId> connectionIds = strings(Gens.LOWER + Gens.DIGITS, 1, ConnectionId.MAX_LENGTH)
        .map(ConnectionId::of);
    return timestamps.zip(types, eventIds, connectionIds, payloads(), InternalEvent::new);
  }

  private static Gen<ObjectNode> payloads() {
    // any Unicode text that UTF-8 can carry: no unpaired surrogates
    Gen<Object> leaf = oneOf(
        anyInt().map(i -> (Object) i),
        anyLong().map(l -> (Object) l),
        text(40).map(s -> (Object) s),
        booleans().map(b -> (Object) b));
    Gen<Object> nested = oneOf(
        leaf,
        maps(text(40), leaf, 4).map(m -> (Object) m),
        lists(leaf, 0, 4).map(l -> (Object) l));
    return maps(text(40), nested, 6).map(m -> (ObjectNode) MAPPER.valueToTree(m));
  }
}
