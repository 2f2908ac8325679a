package io.vettid.runtime.connection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Predicate;

/** Reads the records {@link Invitations#export()} and {@link Invitee#export()} write. */
final class SavedRecord {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SavedRecord() {}

  /**
   * Parses a record and checks its shape.
   *
   * @param exported the record's bytes
   * @param what what it is, for the message ("invitations", "acceptance")
   * @param shape what a record of this kind looks like (its version and members)
   * @param expected that shape in words, for the message
   * @return the record
   * @throws IllegalArgumentException if it is not JSON, or not of that shape
   */
  static JsonNode read(byte[] exported, String what, Predicate<JsonNode> shape, String expected) {
    Objects.requireNonNull(exported, "exported");
    JsonNode n;
    try {
      n = JSON.readTree(exported);
    } catch (IOException e) {
      throw new IllegalArgumentException("not an " + what + " record (not JSON)");
    }
    if (n == null || !shape.test(n)) {
      throw new IllegalArgumentException("not an " + what + " record (" + expected + ")");
    }
    return n;
  }
}
