package io.vettid.profile;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The canonical bytes a profile signature covers: RFC 8785 (JCS) for the JSON a profile may hold
 * (objects, arrays, strings without control characters, integers of at most 2^53, booleans,
 * null): members sorted by key in UTF-16 code-unit order, no whitespace, UTF-8.
 */
final class Canonical {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Canonical() {}

  static byte[] bytes(JsonNode node) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
      write(g, node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void write(JsonGenerator g, JsonNode n) throws IOException {
    switch (n.getNodeType()) {
      case OBJECT -> {
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
          keys.add(it.next());
        }
        keys.sort(null); // String.compareTo: UTF-16 code units, as JCS requires
        g.writeStartObject();
        for (String k : keys) {
          g.writeFieldName(k);
          write(g, n.get(k));
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode e : n) {
          write(g, e);
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(n.textValue());
      case NUMBER -> {
        if (!n.canConvertToExactIntegral() || Math.abs(n.asLong()) > (1L << 53)) {
          throw new IllegalArgumentException("profiles hold integers of at most 2^53 only");
        }
        g.writeNumber(n.asLong());
      }
      case BOOLEAN -> g.writeBoolean(n.booleanValue());
      case NULL -> g.writeNull();
      default -> throw new IllegalArgumentException("not JSON data: " + n.getNodeType());
    }
  }
}
