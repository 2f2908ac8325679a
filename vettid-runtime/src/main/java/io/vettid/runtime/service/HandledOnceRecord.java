package io.vettid.runtime.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;

/**
 * A handler's committed, handled-once record: its handler, state and finished flag, the keys of the
 * messages it handled (the last {@value Commits#MAX_DONE}) and their outboxes. One key per
 * (service, connection, eventId) in the {@code EventHandlers} bucket, or one entry of a group
 * record ({@link HandledOnceStore}); PROTOCOL.md section 6.1 gives its JSON.
 */
final class HandledOnceRecord {
  /** The service's one mapper, for the records, their outboxes and the group records. */
  static final ObjectMapper JSON = new ObjectMapper();

  final String handler;
  byte[] state;
  boolean finished;
  final Deque<String> done;
  final Deque<JsonNode> outbox = new ArrayDeque<>();
  long revision;

  HandledOnceRecord(String handler, byte[] state, boolean finished, Deque<String> done, long revision) {
    this.handler = handler;
    this.state = state;
    this.finished = finished;
    this.done = done;
    this.revision = revision;
  }

  HandledOnceRecord copy() {
    HandledOnceRecord r = new HandledOnceRecord(handler, state, finished, new ArrayDeque<>(done), revision);
    r.outbox.addAll(outbox);
    return r;
  }

  static HandledOnceRecord load(KeyValue kv, String key) throws IOException, JetStreamApiException {
    KeyValueEntry e = kv.get(key);
    if (e == null || e.getValue() == null) {
      return null;
    }
    return fromJson((ObjectNode) JSON.readTree(e.getValue()), e.getRevision());
  }

  static HandledOnceRecord fromJson(ObjectNode n, long revision) {
    Deque<String> done = new ArrayDeque<>();
    n.path("done").forEach(x -> done.addLast(x.asText()));
    byte[] state = n.hasNonNull("state") ? Base64.getDecoder().decode(n.get("state").asText()) : null;
    HandledOnceRecord r = new HandledOnceRecord(n.path("handler").asText(), state, n.path("finished").asBoolean(), done, revision);
    n.path("outbox").forEach(r.outbox::addLast);
    return r;
  }

  byte[] toBytes() throws IOException {
    return toBytes(null);
  }

  /**
   * The record's JSON, written by hand without a tree or a generator (docs/benchmarks/README.md,
   * "Design choices the figures made"): {@code handler}, {@code finished},
   * {@code state} (base64 or null), {@code done}, {@code outbox}, and the {@code eventId} when it
   * is a group entry. The tests check it against Jackson's serialization of {@link #toJson()}.
   */
  byte[] toBytes(String eventId) throws IOException {
    return toBytes(null, eventId);
  }

  /** As {@link #toBytes(String)}, with the entry's {@code connectionId} (before its eventId) when given. */
  byte[] toBytes(String connectionId, String eventId) throws IOException {
    StringBuilder b = new StringBuilder(96 + (state == null ? 0 : state.length * 4 / 3));
    b.append("{\"handler\":");
    jsonString(b, handler);
    b.append(",\"finished\":").append(finished).append(",\"state\":");
    if (state != null) {
      b.append('"').append(Base64.getEncoder().encodeToString(state)).append('"');
    } else {
      b.append("null");
    }
    b.append(",\"done\":[");
    boolean first = true;
    for (String d : done) {
      b.append(first ? "" : ",");
      jsonString(b, d);
      first = false;
    }
    b.append("],\"outbox\":[");
    first = true;
    for (JsonNode o : outbox) {
      // Jackson's own UTF-8 (valid, pairs escaped), so it goes back to the same bytes
      b.append(first ? "" : ",").append(new String(JSON.writeValueAsBytes(o), java.nio.charset.StandardCharsets.UTF_8));
      first = false;
    }
    b.append(']');
    if (connectionId != null) {
      b.append(",\"connectionId\":");
      jsonString(b, connectionId);
    }
    if (eventId != null) {
      b.append(",\"eventId\":");
      jsonString(b, eventId);
    }
    // every string written here is valid Unicode (jsonString refuses the rest): it encodes exactly
    return b.append('}').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** {@return the record as a JSON tree (the form the tests compare {@link #toBytes} with)} */
  ObjectNode toJson() {
    ObjectNode n = JSON.createObjectNode().put("handler", handler).put("finished", finished);
    if (state != null) {
      n.put("state", Base64.getEncoder().encodeToString(state));
    } else {
      n.putNull("state");
    }
    ArrayNode d = n.putArray("done");
    done.forEach(d::add);
    ArrayNode o = n.putArray("outbox");
    outbox.forEach(o::add);
    return n;
  }

  /**
   * A JSON string as Jackson writes it: quote, backslash and control characters escaped, a
   * surrogate pair as two escapes, the rest as it is; an unpaired surrogate is refused, as
   * Jackson refuses it.
   */
  static void jsonString(StringBuilder b, String s) throws IOException {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (!Character.isHighSurrogate(c) || i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          throw new IOException("a string with an unpaired surrogate cannot be written as JSON");
        }
        // as Jackson's UTF-8 writer does by default: a pair as two escapes
        b.append(String.format("\\u%04X\\u%04X", (int) c, (int) s.charAt(++i)));
      } else if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        switch (c) {
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          case '\b' -> b.append("\\b");
          case '\f' -> b.append("\\f");
          default -> b.append(String.format("\\u%04X", (int) c));
        }
      } else {
        b.append(c);
      }
    }
    b.append('"');
  }
}
