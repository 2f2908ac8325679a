package io.vettid.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * A decrypted event inside a vault: when it happened, what type it is, which logical event
 * (eventId) it belongs to, which connection it came from, and a JSON object payload.
 *
 * <p>Internal Events never leave a vault unsealed. Services read them from their queue (for
 * example {@code DataVault.Queue}), ask the rule engine for a {@link Decision}, and pass them to
 * the handler for their eventId. The JSON form is defined by {@link InternalEventCodec}.
 *
 * <p>The payload is deep-copied in and out, so an instance is immutable. On the way in it is put
 * in canonical form (integers as the smallest of int, long and big integer, other numbers as
 * double), so that an event equals the event its JSON decodes to.
 *
 * <pre>{@code
 * InternalEvent event = InternalEvent.builder()
 *     .type(EventType.of("profile.request"))
 *     .connectionId(ConnectionId.of("7d9a2c40-0b61-4a8e-9d7c-2f1e0c3b5a11"))
 *     .build();                                // timestamp now, random eventId, empty payload
 * byte[] json = InternalEventCodec.encode(event);
 * }</pre>
 *
 * @param timestamp when the event was created
 * @param type the event type
 * @param eventId the logical event (handler conversation) this event belongs to
 * @param connectionId the connection the event came from or goes to
 * @param payload the event's data, a JSON object (possibly empty)
 */
public record InternalEvent(
    Instant timestamp, EventType type, EventId eventId, ConnectionId connectionId, ObjectNode payload) {

  /** Earliest accepted timestamp (the Unix epoch). */
  public static final Instant MIN_TIMESTAMP = Instant.EPOCH;

  /** Latest accepted timestamp (end of year 9999, UTC). */
  public static final Instant MAX_TIMESTAMP = Instant.parse("9999-12-31T23:59:59.999999999Z");

  /**
   * Validates and copies the arguments.
   *
   * @param timestamp the record component {@code timestamp}
   * @param type the record component {@code type}
   * @param eventId the record component {@code eventId}
   * @param connectionId the record component {@code connectionId}
   * @param payload the record component {@code payload}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the timestamp is outside {@link #MIN_TIMESTAMP}..{@link
   *     #MAX_TIMESTAMP}, or the payload holds text with an unpaired surrogate, a non-finite
   *     number or a non-JSON node
   */
  public InternalEvent {
    Objects.requireNonNull(timestamp, "timestamp must not be null");
    Objects.requireNonNull(type, "type must not be null");
    Objects.requireNonNull(eventId, "eventId must not be null");
    Objects.requireNonNull(connectionId, "connectionId must not be null");
    Objects.requireNonNull(payload, "payload must not be null (use an empty object)");
    if (timestamp.isBefore(MIN_TIMESTAMP) || timestamp.isAfter(MAX_TIMESTAMP)) {
      throw new IllegalArgumentException(
          "timestamp " + timestamp + " of event " + eventId + " is outside "
              + MIN_TIMESTAMP + ".." + MAX_TIMESTAMP);
    }
    payload = (ObjectNode) canonical(payload, eventId);
  }

  /**
   * Copies a payload into the form the codec reads back, so that an event equals its decoded
   * self: integers as the smallest of int, long, big integer; other numbers as double; binary as
   * base64 text. Text must be valid Unicode (no unpaired surrogates), since UTF-8 carries it.
   */
  private static JsonNode canonical(JsonNode node, EventId eventId) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    switch (node.getNodeType()) {
      case OBJECT: {
        ObjectNode out = f.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> field = it.next();
          out.set(validText(field.getKey(), eventId), canonical(field.getValue(), eventId));
        }
        return out;
      }
      case ARRAY: {
        ArrayNode out = f.arrayNode(node.size());
        for (JsonNode element : node) {
          out.add(canonical(element, eventId));
        }
        return out;
      }
      case NUMBER:
        if (node.isIntegralNumber()) {
          BigInteger v = node.bigIntegerValue();
          if (v.bitLength() < 32) {
            return f.numberNode(v.intValue());
          }
          return v.bitLength() < 64 ? f.numberNode(v.longValue()) : f.numberNode(v);
        }
        double d = node.doubleValue();
        if (!Double.isFinite(d)) {
          throw new IllegalArgumentException("payload of event " + eventId + " holds a number JSON cannot carry");
        }
        return f.numberNode(d);
      case STRING:
        return f.textNode(validText(node.textValue(), eventId));
      case BINARY:
        return f.textNode(Base64.getEncoder().encodeToString(((BinaryNode) node).binaryValue()));
      case BOOLEAN:
        return f.booleanNode(node.booleanValue());
      case NULL:
        return f.nullNode();
      default:
        throw new IllegalArgumentException(
            "payload of event " + eventId + " holds a " + node.getNodeType() + " node; only JSON values are allowed");
    }
  }

  private static String validText(String text, EventId eventId) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            "payload of event " + eventId + " holds text that is not valid Unicode (an unpaired surrogate)");
      }
    }
    return text;
  }

  /** {@return a deep copy of the payload; changing it does not change this event} */
  @Override
  public ObjectNode payload() {
    return payload.deepCopy();
  }

  /** The payload without copying, for the codec only. */
  ObjectNode payloadView() {
    return payload;
  }

  /** Shows ids and type, never the payload (it may be personal data). */
  @Override
  public String toString() {
    return "InternalEvent[timestamp=" + timestamp + ", type=" + type + ", eventId=" + eventId
        + ", connectionId=" + connectionId + ", payload=" + payload.size() + " fields]";
  }

  /** {@return a new builder; the timestamp defaults to now, the eventId to a random one} */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds an {@link InternalEvent}. Not thread-safe. */
  public static final class Builder {
    private Instant timestamp;
    private EventType type;
    private EventId eventId;
    private ConnectionId connectionId;
    private ObjectNode payload;

    private Builder() {}

    /**
     * Sets when the event happened (default: now).
     *
     * @param timestamp the instant
     * @return this builder
     */
    public Builder timestamp(Instant timestamp) {
      this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
      return this;
    }

    /**
     * Sets the event type (required).
     *
     * @param type the type
     * @return this builder
     */
    public Builder type(EventType type) {
      this.type = Objects.requireNonNull(type, "type");
      return this;
    }

    /**
     * Sets the event id (default: a random one).
     *
     * @param eventId the id
     * @return this builder
     */
    public Builder eventId(EventId eventId) {
      this.eventId = Objects.requireNonNull(eventId, "eventId");
      return this;
    }

    /**
     * Sets the connection id (required).
     *
     * @param connectionId the id
     * @return this builder
     */
    public Builder connectionId(ConnectionId connectionId) {
      this.connectionId = Objects.requireNonNull(connectionId, "connectionId");
      return this;
    }

    /**
     * Sets the payload (default: an empty object). It is copied.
     *
     * @param payload a JSON object
     * @return this builder
     */
    public Builder payload(ObjectNode payload) {
      this.payload = Objects.requireNonNull(payload, "payload");
      return this;
    }

    /**
     * Builds the event.
     *
     * @return the event
     * @throws NullPointerException if the type or the connection id was not set
     */
    public InternalEvent build() {
      return new InternalEvent(
          timestamp != null ? timestamp : Instant.now(),
          Objects.requireNonNull(type, "type is required"),
          eventId != null ? eventId : EventId.random(),
          Objects.requireNonNull(connectionId, "connectionId is required"),
          payload != null ? payload : JsonNodeFactory.instance.objectNode());
    }
  }
}
