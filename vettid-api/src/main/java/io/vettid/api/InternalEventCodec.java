package io.vettid.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The one JSON codec of {@link InternalEvent}. Its form is:
 *
 * <pre>{@literal
 * {"timestamp":"2026-11-25T10:15:30.123Z",   // RFC 3339 instant in UTC, a string
 *  "type":"profile.request",                   // EventType, a string
 *  "eventId":"4f1c...",                        // EventId, a string
 *  "connectionId":"7d9a...",                   // ConnectionId, a string
 *  "payload":{...}}                            // a JSON object
 * }</pre>
 *
 * <p>Decoding is strict, as a fail-safe parser must be: the input must be valid UTF-8 of at most
 * {@link #MAX_BYTES} bytes holding exactly one JSON object; all five fields are required, each
 * with its type; a field not listed above, a duplicated key (at any depth), nesting deeper than
 * {@link #MAX_DEPTH} or trailing content is rejected. Every rejection is an {@link
 * InvalidEventException} naming the field where there is one; no other exception escapes. Error
 * messages quote ids and types but never payload content.
 *
 * <p>Encoding writes the fields in the order above, without whitespace. The class is stateless
 * and thread-safe.
 */
public final class InternalEventCodec {
  /** Largest accepted encoded event, in bytes. */
  public static final int MAX_BYTES = 1 << 20;

  /** Deepest accepted nesting of JSON objects and arrays (the event object counts as 1). */
  public static final int MAX_DEPTH = 32;

  /** The field names, in their encoding order. */
  public static final List<String> FIELDS =
      List.of("timestamp", "type", "eventId", "connectionId", "payload");

  private static final Set<String> FIELD_SET = Set.copyOf(FIELDS);

  private static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(MAX_DEPTH)
                          .maxStringLength(MAX_BYTES)
                          .maxNumberLength(64)
                          .maxNameLength(1024)
                          .build())
                  .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                  .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
          .build();

  private InternalEventCodec() {}

  /**
   * Encodes an event as compact UTF-8 JSON.
   *
   * @param event the event
   * @return the JSON bytes
   * @throws NullPointerException if {@code event} is null
   */
  public static byte[] encode(InternalEvent event) {
    Objects.requireNonNull(event, "event must not be null");
    // as ObjectMapper.writeValueAsBytes does: the output's first block comes from Jackson's
    // recycled buffers, and only the result is a fresh array
    com.fasterxml.jackson.core.util.BufferRecycler recycler = MAPPER.getFactory()._getBufferRecycler();
    try (com.fasterxml.jackson.core.util.ByteArrayBuilder out = new com.fasterxml.jackson.core.util.ByteArrayBuilder(recycler)) {
      try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
        g.writeStartObject();
        g.writeStringField("timestamp", event.timestamp().toString());
        g.writeStringField("type", event.type().value());
        g.writeStringField("eventId", event.eventId().value());
        g.writeStringField("connectionId", event.connectionId().value());
        g.writeFieldName("payload");
        MAPPER.writeTree(g, event.payloadView());
        g.writeEndObject();
      }
      return out.getClearAndRelease();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("writing to memory cannot fail", e);
    } finally {
      recycler.releaseToPool();
    }
  }

  /**
   * Decodes and validates an event.
   *
   * @param json the encoded event
   * @return the event
   * @throws InvalidEventException if the bytes are not a valid Internal Event; {@link
   *     InvalidEventException#field()} names the offending field where there is one
   * @throws NullPointerException if {@code json} is null
   */
  public static InternalEvent decode(byte[] json) throws InvalidEventException {
    Objects.requireNonNull(json, "json must not be null");
    if (json.length == 0) {
      throw new InvalidEventException(null, "Internal Event is empty; expected a JSON object");
    }
    if (json.length > MAX_BYTES) {
      throw new InvalidEventException(
          null, "Internal Event has " + json.length + " bytes; at most " + MAX_BYTES + " accepted");
    }
    // checked here, so that the parser reads the bytes as UTF-8 and nothing else: strict UTF-8
    // (RFC 3629), no byte order mark, and no NUL byte (never valid in JSON text; its absence also
    // keeps the parser from guessing UTF-16 or UTF-32)
    if (!JsonBytes.isJsonText(json)) {
      throw new InvalidEventException(null, "Internal Event is not valid UTF-8");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (StreamConstraintsException e) {
      throw new InvalidEventException(null, "Internal Event breaks a size limit: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw new InvalidEventException(null, "Internal Event is malformed JSON" + where(e.getLocation())
          + " (" + e.getClass().getSimpleName() + ")");
    } catch (IOException e) {
      throw new InvalidEventException(null, "Internal Event could not be read (" + e.getClass().getSimpleName() + ")");
    }
    if (root == null || root.isMissingNode()) {
      throw new InvalidEventException(null, "Internal Event is empty; expected a JSON object");
    }
    if (!root.isObject()) {
      throw new InvalidEventException(
          null, "Internal Event must be a JSON object, found " + kind(root));
    }
    return fromObject((ObjectNode) root);
  }

  /**
   * Checks the bytes exactly as {@link #decode} does and returns the event's connectionId, without
   * building the event: for a reader that only vets an event and passes its bytes on (the Event
   * Watcher). It accepts exactly what {@code decode} accepts; what {@code decode} refuses, it
   * refuses with {@code decode}'s exception (it then runs {@code decode} to get it).
   *
   * <p>An ordinary event is checked in one streaming pass that reads the payload's structure,
   * names and numbers but not its text values. Where that pass cannot vouch for the event itself
   * (an escape that may spell half a surrogate pair, anything it would refuse), the bytes go
   * through {@code decode}. The tests compare both on random and mutated input.
   *
   * @param json the encoded event
   * @return the event's connectionId
   * @throws InvalidEventException as {@link #decode} would
   * @throws NullPointerException if {@code json} is null
   */
  public static ConnectionId validate(byte[] json) throws InvalidEventException {
    Objects.requireNonNull(json, "json must not be null");
    ConnectionId c = quickCheck(json);
    return c != null ? c : decode(json).connectionId();
  }

  /**
   * The connectionId of an event {@link #decode} is sure to accept, or null when this pass cannot
   * tell (decode then decides). Everything decode checks is checked here the same way: the bytes
   * (size, strict UTF-8, no NUL, no byte order mark), the JSON (the same parser: duplicates, depth,
   * name and number limits, trailing content), the five fields and their forms, the timestamp's
   * range, and the payload's numbers (finite); its text cannot hold an unpaired surrogate when no
   * backslash-u escape of one occurs, and when one may, decode decides.
   */
  static ConnectionId quickCheck(byte[] json) {
    if (json.length == 0 || json.length > MAX_BYTES || !JsonBytes.isJsonText(json) || JsonBytes.maySpellSurrogate(json)) {
      return null;
    }
    try (JsonParser p = MAPPER.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String ts = null;
      String type = null;
      String eventId = null;
      String connectionId = null;
      boolean payload = false;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (name.equals("payload")) {
          if (v != JsonToken.START_OBJECT || !payloadChecks(p)) {
            return null;
          }
          payload = true;
          continue;
        }
        if (v != JsonToken.VALUE_STRING) {
          return null;
        }
        switch (name) {
          case "timestamp" -> ts = p.getText();
          case "type" -> type = p.getText();
          case "eventId" -> eventId = p.getText();
          case "connectionId" -> connectionId = p.getText();
          default -> {
            return null;
          }
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null || ts == null || type == null || eventId == null
          || connectionId == null || !payload || !ts.endsWith("Z")) {
        return null;
      }
      Instant timestamp = parseInstant(ts);
      if (timestamp.isBefore(InternalEvent.MIN_TIMESTAMP) || timestamp.isAfter(InternalEvent.MAX_TIMESTAMP)) {
        return null;
      }
      EventType.of(type);
      EventId.of(eventId);
      return ConnectionId.of(connectionId);
    } catch (IOException | RuntimeException e) {
      return null; // decode decides, and says why
    }
  }

  /**
   * Reads a payload object to its end (the parser at its START_OBJECT): numbers are read as the
   * tree reads them, and a floating-point number must be finite, as {@link InternalEvent} requires.
   */
  private static boolean payloadChecks(JsonParser p) throws IOException {
    int depth = 1;
    while (depth > 0) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return false;
      }
      switch (t) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        case VALUE_NUMBER_INT -> p.getNumberValue();
        case VALUE_NUMBER_FLOAT -> {
          if (!Double.isFinite(p.getDoubleValue())) {
            return false;
          }
        }
        case FIELD_NAME, VALUE_STRING, VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> { }
        default -> {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The straightforward form of {@link #decode}: the bytes go through the JDK's strict UTF-8
   * decoder into a String, which is parsed. {@link #decode} reads the bytes directly (one pass and
   * a char array fewer per event); the tests check on random and mutated input that both accept
   * exactly the same events.
   */
  static InternalEvent decodeThroughString(byte[] json) throws InvalidEventException {
    if (json.length == 0 || json.length > MAX_BYTES) {
      throw new InvalidEventException(null, "Internal Event size out of range");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(json)).toString();
    } catch (CharacterCodingException e) {
      throw new InvalidEventException(null, "Internal Event is not valid UTF-8");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new InvalidEventException(null, "Internal Event is malformed JSON");
    }
    if (root == null || !root.isObject()) {
      throw new InvalidEventException(null, "Internal Event must be a JSON object");
    }
    return fromObject((ObjectNode) root);
  }

  /**
   * {@link Instant#parse} with a short path for its everyday form, {@code yyyy-MM-ddTHH:mm:ssZ}
   * with 0 to 9 fraction digits and ordinary values (no leap second, no signed or five-digit year):
   * {@code Instant.parse} is about a tenth of decoding an event. Anything else, valid or not, goes
   * to {@code Instant.parse}, so both accept exactly the same strings with the same result (the
   * tests compare them on random and mutated input).
   *
   * @param ts the text
   * @return the instant
   * @throws DateTimeParseException as {@code Instant.parse} would
   */
  static Instant parseInstant(String ts) {
    int len = ts.length();
    if (len == 20 || (len >= 22 && len <= 30 && ts.charAt(19) == '.')) {
      int year = digits(ts, 0, 4);
      int month = digits(ts, 5, 7);
      int day = digits(ts, 8, 10);
      int hour = digits(ts, 11, 13);
      int minute = digits(ts, 14, 16);
      int second = digits(ts, 17, 19);
      int fraction = len == 20 ? 0 : digits(ts, 20, len - 1);
      if ((year | month | day | hour | minute | second | fraction) >= 0
          && ts.charAt(4) == '-' && ts.charAt(7) == '-' && ts.charAt(10) == 'T' && ts.charAt(13) == ':'
          && ts.charAt(16) == ':' && ts.charAt(len - 1) == 'Z'
          && month >= 1 && month <= 12 && day >= 1 && day <= java.time.YearMonth.of(year, month).lengthOfMonth()
          && hour <= 23 && minute <= 59 && second <= 59) {
        long epochSecond = java.time.LocalDate.of(year, month, day).toEpochDay() * 86_400L
            + hour * 3600L + minute * 60L + second;
        int nanos = fraction;
        for (int k = len == 20 ? 9 : len - 21; k < 9; k++) {
          nanos *= 10;
        }
        return Instant.ofEpochSecond(epochSecond, nanos);
      }
    }
    return Instant.parse(ts);
  }

  /** The ASCII decimal digits from {@code from} to {@code to}, or -1 if one is not a digit. */
  private static int digits(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static InternalEvent fromObject(ObjectNode root) throws InvalidEventException {
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELD_SET.contains(name)) {
        throw new InvalidEventException(
            name, "field '" + Tokens.printable(name) + "' is not allowed in an Internal Event; allowed: "
                + FIELDS);
      }
    }
    String ts = text(root, "timestamp");
    Instant timestamp;
    try {
      if (!ts.endsWith("Z")) {
        throw new DateTimeParseException("not UTC", ts, ts.length());
      }
      timestamp = parseInstant(ts);
    } catch (DateTimeParseException e) {
      throw new InvalidEventException(
          "timestamp", "field 'timestamp' is not an RFC 3339 UTC instant such as 2026-11-25T10:15:30Z: '"
              + Tokens.printable(ts) + "'");
    }
    EventType type = value("type", () -> EventType.of(text(root, "type")));
    EventId eventId = value("eventId", () -> EventId.of(text(root, "eventId")));
    ConnectionId connectionId =
        value("connectionId", () -> ConnectionId.of(text(root, "connectionId")));
    JsonNode payload = root.get("payload");
    if (payload == null) {
      throw missing("payload");
    }
    if (!payload.isObject()) {
      throw new InvalidEventException(
          "payload", "field 'payload' must be a JSON object, found " + kind(payload));
    }
    try {
      return new InternalEvent(timestamp, type, eventId, connectionId, (ObjectNode) payload);
    } catch (IllegalArgumentException e) {
      throw new InvalidEventException("timestamp", "field 'timestamp': " + e.getMessage());
    }
  }

  private interface Parse<T> {
    T get() throws InvalidEventException;
  }

  private static <T> T value(String field, Parse<T> parse) throws InvalidEventException {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw new InvalidEventException(field, "field '" + field + "': " + e.getMessage());
    }
  }

  private static String text(ObjectNode root, String field) throws InvalidEventException {
    JsonNode node = root.get(field);
    if (node == null) {
      throw missing(field);
    }
    if (!node.isTextual()) {
      throw new InvalidEventException(
          field, "field '" + field + "' must be a string, found " + kind(node));
    }
    return node.textValue();
  }

  private static InvalidEventException missing(String field) {
    return new InvalidEventException(
        field, "field '" + field + "' is missing; an Internal Event requires " + FIELDS);
  }

  private static String kind(JsonNode node) {
    return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String where(JsonLocation location) {
    if (location == null || location.getLineNr() < 0) {
      return "";
    }
    return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }
}
