package io.vettid.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The codec reads bytes directly after its own UTF-8 check: it must accept exactly what the JDK's
 * strict decoder and a String parse accept, and decode it to the same event.
 */
class InternalEventCodecFastPathProperties {
  private static final String EVENT = "{\"timestamp\":\"2026-11-25T10:15:30.123Z\",\"type\":\"chat.message\","
      + "\"eventId\":\"4f1c2d3e-0000-4000-8000-00000000abcd\",\"connectionId\":\"conn-bob\","
      + "\"payload\":{\"text\":\"%s\",\"n\":[1,2.5,true,null,{\"k\":\"v\"}]}}";

  @Provide
  Arbitrary<String> texts() {
    return Arbitraries.strings().all().ofMaxLength(40); // any code point, surrogate pairs included
  }

  @Property(tries = 3000)
  void theUtf8CheckAgreesWithTheJdkDecoderOnRandomBytes(@ForAll @Size(max = 64) byte[] bytes) {
    assertThat(InternalEventCodec.isStrictUtf8WithoutNul(bytes)).isEqualTo(jdkAccepts(bytes) && noNul(bytes));
  }

  @Property(tries = 3000)
  void theUtf8CheckAgreesWithTheJdkDecoderOnMutatedText(@ForAll("texts") String text,
      @ForAll @IntRange(min = 0, max = 1000) int where, @ForAll byte value, @ForAll boolean truncate) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0) {
      int at = where % b.length;
      if (truncate) {
        b = java.util.Arrays.copyOf(b, at);
      } else {
        b[at] = value;
      }
    }
    assertThat(InternalEventCodec.isStrictUtf8WithoutNul(b)).isEqualTo(jdkAccepts(b) && noNul(b));
  }

  @Property(tries = 3000)
  void directAndStringDecodingAcceptTheSameEvents(@ForAll("texts") String text,
      @ForAll @IntRange(min = 0, max = 100_000) int where, @ForAll byte value, @ForAll @IntRange(min = 0, max = 2) int how) {
    String escaped = text.replace("\\", "\\\\").replace("\"", "\\\"");
    StringBuilder json = new StringBuilder();
    for (char c : String.format(EVENT, escaped).toCharArray()) {
      json.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    byte[] b = json.toString().getBytes(StandardCharsets.UTF_8);
    int at = where % b.length;
    if (how == 1) {
      b[at] = value;
    } else if (how == 2) {
      byte[] m = new byte[b.length + 3];
      m[0] = (byte) 0xEF; // a byte order mark in front
      m[1] = (byte) 0xBB;
      m[2] = (byte) 0xBF;
      System.arraycopy(b, 0, m, 3, b.length);
      b = m;
    }
    Object direct = outcome(b, true);
    Object viaString = outcome(b, false);
    if (how == 2) {
      assertThat(direct).as("a byte order mark is refused").isEqualTo("refused");
      return;
    }
    assertThat(direct).isEqualTo(viaString);
  }

  private static Object outcome(byte[] b, boolean direct) {
    try {
      return direct ? InternalEventCodec.decode(b) : InternalEventCodec.decodeThroughString(b);
    } catch (InvalidEventException e) {
      return "refused";
    }
  }

  private static boolean noNul(byte[] b) {
    for (byte x : b) {
      if (x == 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean jdkAccepts(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
