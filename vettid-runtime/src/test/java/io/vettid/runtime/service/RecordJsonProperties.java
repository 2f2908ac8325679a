package io.vettid.runtime.service;

import static io.vettid.proptest.Gens.anyChars;
import static io.vettid.proptest.Gens.booleans;
import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.codePoints;
import static io.vettid.proptest.Gens.oneOf;
import static io.vettid.proptest.Gens.strings;
import static io.vettid.proptest.Props.tries;
import org.quicktheories.core.Gen;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;

/** A handled-once record written by hand is byte for byte what Jackson writes for its tree. */
class RecordJsonProperties {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static Gen<String> texts() {
    // any code point (surrogate pairs included), any UTF-16 unit (unpaired surrogates included),
    // with quotes, backslashes and controls often
    return oneOf(codePoints(0, 30), anyChars(30), strings("a\"\\\n\r\t\b\f\u0000\u001f\u007fé€😀", 0, 30));
  }

  private static boolean validUnicode(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** The record's texts. */
  private record Texts(String handler, String done, String reply) {}

  /** The record's flags. */
  private record Flags(boolean finished, boolean noState, boolean group) {}

  @Test
  void handWrittenBytesAreJacksons() {
    tries(2000).forAll(texts().zip(texts(), texts(), Texts::new), booleans().zip(booleans(), booleans(), Flags::new),
        bytes(0, 40)).checkAssert((t, f, state) -> handWrittenBytesAreJacksons(t.handler(), f.finished(), state,
            f.noState(), t.done(), t.reply(), f.group()));
  }

  private void handWrittenBytesAreJacksons(String handler, boolean finished, byte[] state, boolean noState,
      String done, String reply, boolean group) throws Exception {
    HandledOnceRecord r = new HandledOnceRecord(handler, noState ? null : state, finished,
        new ArrayDeque<>(List.of(done, "k-1.00ff")), 7);
    r.outbox.add(JsonNodeFactory.instance.objectNode().put("text", reply).put("n", 3));
    String eventId = group ? "t1-" + Integer.toHexString(handler.hashCode()) : null;
    byte[] expected;
    try {
      expected = JSON.writeValueAsBytes(group ? r.toJson().put("eventId", eventId) : r.toJson());
    } catch (IOException e) {
      expected = null; // Jackson refuses it (an unpaired surrogate)
    }
    if (expected == null || !validUnicode(handler) || !validUnicode(done)) {
      assertThatThrownBy(() -> r.toBytes(eventId)).isInstanceOf(IOException.class);
      return;
    }
    assertThat(new String(r.toBytes(eventId), StandardCharsets.UTF_8))
        .isEqualTo(new String(expected, StandardCharsets.UTF_8));
    assertThat(r.toBytes(eventId)).isEqualTo(expected);
  }

  @Test
  void controlsAndQuotesAreEscapedAsJacksonEscapesThem() throws Exception {
    HandledOnceRecord r = new HandledOnceRecord("a\"b\\c\u0001\n", null, true, new ArrayDeque<>(), 1);
    assertThat(new String(r.toBytes(null), StandardCharsets.UTF_8))
        .isEqualTo("{\"handler\":\"a\\\"b\\\\c\\u0001\\n\",\"finished\":true,\"state\":null,\"done\":[],\"outbox\":[]}");
  }
}
