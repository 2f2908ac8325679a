package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** A handled-once record written by hand is byte for byte what Jackson writes for its tree. */
class RecordJsonProperties {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Provide
  Arbitrary<String> texts() {
    // any code point (surrogate pairs included), with quotes, backslashes and controls often
    return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(30),
        Arbitraries.strings().withChars("a\"\\\n\r\t\b\f\u0000\u001f\u007fé€😀").ofMaxLength(30));
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

  @Property(tries = 2000)
  void handWrittenBytesAreJacksons(@ForAll("texts") String handler, @ForAll boolean finished,
      @ForAll @net.jqwik.api.constraints.Size(max = 40) byte[] state, @ForAll boolean noState,
      @ForAll("texts") String done, @ForAll("texts") String reply, @ForAll boolean group) throws Exception {
    EventService.Record r = new EventService.Record(handler, noState ? null : state, finished,
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

  @Example
  void controlsAndQuotesAreEscapedAsJacksonEscapesThem() throws Exception {
    EventService.Record r = new EventService.Record("a\"b\\c\u0001\n", null, true, new ArrayDeque<>(), 1);
    assertThat(new String(r.toBytes(null), StandardCharsets.UTF_8))
        .isEqualTo("{\"handler\":\"a\\\"b\\\\c\\u0001\\n\",\"finished\":true,\"state\":null,\"done\":[],\"outbox\":[]}");
  }
}
