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

  @Property(tries = 3000)
  void theUtf8CheckAgreesWithTheJdkDecoderOnLongAsciiWithOneByteChanged(
      @ForAll @Size(min = 1, max = 300) byte[] seed, @ForAll @IntRange(min = 0, max = 1000) int where,
      @ForAll byte value, @ForAll @IntRange(min = 0, max = 2) int how) {
    // mostly ASCII without NUL, so the eight-byte path runs; then one byte changed, cut or added at
    // any position of a word
    byte[] b = new byte[seed.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (1 + (seed[i] & 0x7F) % 127);
    }
    int at = where % b.length;
    if (how == 0) {
      b[at] = value;
    } else if (how == 1) {
      b = java.util.Arrays.copyOf(b, at);
    } else {
      byte[] m = new byte[b.length + 1];
      System.arraycopy(b, 0, m, 0, at);
      m[at] = value;
      System.arraycopy(b, at, m, at + 1, b.length - at);
      b = m;
    }
    assertThat(InternalEventCodec.isStrictUtf8WithoutNul(b)).isEqualTo(jdkAccepts(b) && noNul(b));
  }

  /** 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z, in epoch seconds. */
  private static final long FIRST = -62_167_219_200L;
  private static final long LAST = 253_402_300_799L;

  @net.jqwik.api.Example
  void theInstantRangeIsYearZeroToYear9999() {
    assertThat(java.time.Instant.ofEpochSecond(FIRST)).hasToString("0000-01-01T00:00:00Z");
    assertThat(java.time.Instant.ofEpochSecond(LAST)).hasToString("9999-12-31T23:59:59Z");
  }

  private static String instantText(long second, int nanos, int digits) {
    String s = java.time.LocalDateTime.ofEpochSecond(second, 0, java.time.ZoneOffset.UTC)
        .format(java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss"));
    if (digits > 0) {
      s += "." + String.format("%09d", nanos).substring(0, digits);
    }
    return s + "Z";
  }

  private static Object instantOutcome(String ts, boolean fast) {
    try {
      return fast ? InternalEventCodec.parseInstant(ts) : java.time.Instant.parse(ts);
    } catch (java.time.format.DateTimeParseException e) {
      return "refused";
    }
  }

  @Property(tries = 3000)
  void theInstantShortPathAgreesWithInstantParse(@ForAll @net.jqwik.api.constraints.LongRange(min = FIRST, max = LAST)
      long second, @ForAll @IntRange(min = 0, max = 999_999_999) int nanos, @ForAll @IntRange(min = 0, max = 9) int digits) {
    String ts = instantText(second, nanos, digits);
    assertThat(InternalEventCodec.parseInstant(ts)).isEqualTo(java.time.Instant.parse(ts));
  }

  @Property(tries = 5000)
  void theInstantShortPathAgreesWithInstantParseOnMutatedText(
      @ForAll @net.jqwik.api.constraints.LongRange(min = FIRST, max = LAST) long second,
      @ForAll @IntRange(min = 0, max = 9) int digits, @ForAll @IntRange(min = 0, max = 100) int where,
      @ForAll("instantChars") char c, @ForAll @IntRange(min = 0, max = 2) int how) {
    StringBuilder ts = new StringBuilder(instantText(second, 123_456_789, digits));
    int at = where % ts.length();
    if (how == 0) {
      ts.setCharAt(at, c);
    } else if (how == 1) {
      ts.deleteCharAt(at);
    } else {
      ts.insert(at, c);
    }
    String t = ts.toString();
    assertThat(instantOutcome(t, true)).isEqualTo(instantOutcome(t, false));
  }

  @Property(tries = 5000)
  void theInstantShortPathAgreesWithInstantParseAtAndPastEveryFieldsLimits(
      @ForAll @IntRange(min = 0, max = 9999) int year, @ForAll @IntRange(min = 0, max = 13) int month,
      @ForAll @IntRange(min = 0, max = 32) int day, @ForAll @IntRange(min = 0, max = 25) int hour,
      @ForAll @IntRange(min = 0, max = 60) int minute, @ForAll @IntRange(min = 0, max = 61) int second,
      @ForAll boolean zeroTime, @ForAll @IntRange(min = 0, max = 9) int digits, @ForAll boolean zeroFraction) {
    // 24:00:00 and second 60 mean something to Instant.parse; try them with a zero rest too
    String t = String.format("%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, zeroTime ? 0 : minute,
        zeroTime ? 0 : second) + (digits == 0 ? "" : "." + (zeroFraction ? "000000000" : "123456789").substring(0, digits))
        + "Z";
    assertThat(instantOutcome(t, true)).isEqualTo(instantOutcome(t, false));
  }

  @Provide
  Arbitrary<Character> instantChars() {
    // what makes a near miss: digits (day 31 of a short month, hour 24, second 60), separators, case
    return Arbitraries.of('0', '1', '2', '3', '4', '5', '6', '9', '-', ':', '.', 'T', 't', 'Z', 'z', '+', ' ', '\u0661');
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
