package io.vettid.api;

import static io.vettid.proptest.Gens.anyByte;
import static io.vettid.proptest.Gens.anyChars;
import static io.vettid.proptest.Gens.booleans;
import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.codePoints;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Gens.longs;
import static io.vettid.proptest.Gens.oneOf;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import io.vettid.proptest.Gens;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The codec reads bytes directly after its own UTF-8 check: it must accept exactly what the JDK's
 * strict decoder and a String parse accept, and decode it to the same event.
 */
class InternalEventCodecFastPathProperties {
  private static final String EVENT = "{\"timestamp\":\"2026-11-25T10:15:30.123Z\",\"type\":\"chat.message\","
      + "\"eventId\":\"4f1c2d3e-0000-4000-8000-00000000abcd\",\"connectionId\":\"conn-bob\","
      + "\"payload\":{\"text\":\"%s\",\"n\":[1,2.5,true,null,{\"k\":\"v\"}]}}";

  private static Gen<String> texts() {
    // any code point (surrogate pairs included), and any UTF-16 unit (unpaired surrogates included)
    return oneOf(codePoints(0, 40), anyChars(40));
  }

  @Test
  void theUtf8CheckAgreesWithTheJdkDecoderOnRandomBytes() {
    tries(3000).forAll(bytes(0, 64)).checkAssert(bytes ->
        assertThat(JsonBytes.isStrictUtf8WithoutNul(bytes)).isEqualTo(jdkAccepts(bytes) && noNul(bytes)));
  }

  @Test
  void theUtf8CheckAgreesWithTheJdkDecoderOnMutatedText() {
    tries(3000).forAll(texts(), ints(0, 1000), anyByte(), booleans()).checkAssert(this::utf8OnMutatedText);
  }

  private void utf8OnMutatedText(String text, int where, byte value, boolean truncate) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0) {
      int at = where % b.length;
      if (truncate) {
        b = java.util.Arrays.copyOf(b, at);
      } else {
        b[at] = value;
      }
    }
    assertThat(JsonBytes.isStrictUtf8WithoutNul(b)).isEqualTo(jdkAccepts(b) && noNul(b));
  }

  @Test
  void directAndStringDecodingAcceptTheSameEvents() {
    tries(3000).forAll(texts(), ints(0, 100_000), anyByte(), ints(0, 2)).checkAssert(this::directAndString);
  }

  private void directAndString(String text, int where, byte value, int how) {
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

  @Test
  void theUtf8CheckAgreesWithTheJdkDecoderOnLongAsciiWithOneByteChanged() {
    tries(3000).forAll(bytes(1, 300), ints(0, 1000), anyByte(), ints(0, 2)).checkAssert(this::utf8OnLongAscii);
  }

  private void utf8OnLongAscii(byte[] seed, int where, byte value, int how) {
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
    assertThat(JsonBytes.isStrictUtf8WithoutNul(b)).isEqualTo(jdkAccepts(b) && noNul(b));
  }

  /** 0000-01-01T00:00:00Z to 9999-12-31T23:59:59Z, in epoch seconds. */
  private static final long FIRST = -62_167_219_200L;
  private static final long LAST = 253_402_300_799L;

  @Test
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

  @Test
  void theInstantShortPathAgreesWithInstantParse() {
    tries(3000).forAll(longs(FIRST, LAST), ints(0, 999_999_999), ints(0, 9)).checkAssert((second, nanos, digits) -> {
      String ts = instantText(second, nanos, digits);
      assertThat(InternalEventCodec.parseInstant(ts)).isEqualTo(java.time.Instant.parse(ts));
    });
  }

  /** Where and how a timestamp's text is changed. */
  private record Edit(int where, char c, int how) {}

  @Test
  void theInstantShortPathAgreesWithInstantParseOnMutatedText() {
    Gen<Edit> edits = ints(0, 100).zip(instantChars(), ints(0, 2), Edit::new);
    tries(5000).forAll(longs(FIRST, LAST), ints(0, 9), edits)
        .checkAssert((second, digits, edit) -> instantOnMutatedText(second, digits, edit.where(), edit.c(), edit.how()));
  }

  private static void instantOnMutatedText(long second, int digits, int where, char c, int how) {
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

  /** A date, each field at or just past its limits. */
  private record Day(int year, int month, int day) {}

  /** A time of day, each field at or just past its limits, or all zero. */
  private record Time(int hour, int minute, int second, boolean zeroTime) {}

  /** A fraction of a second: how many digits, and whether they are zero. */
  private record Fraction(int digits, boolean zeroFraction) {}

  @Test
  void theInstantShortPathAgreesWithInstantParseAtAndPastEveryFieldsLimits() {
    Gen<Day> days = ints(0, 9999).zip(ints(0, 13), ints(0, 32), Day::new);
    Gen<Time> times = ints(0, 25).zip(ints(0, 60), ints(0, 61), booleans(), Time::new);
    Gen<Fraction> fractions = ints(0, 9).zip(booleans(), Fraction::new);
    tries(5000).forAll(days, times, fractions).checkAssert((d, t, f) -> instantAtLimits(d.year(), d.month(), d.day(),
        t.hour(), t.minute(), t.second(), t.zeroTime(), f.digits(), f.zeroFraction()));
  }

  private static void instantAtLimits(int year, int month, int day, int hour, int minute, int second,
      boolean zeroTime, int digits, boolean zeroFraction) {
    // 24:00:00 and second 60 mean something to Instant.parse; try them with a zero rest too
    String t = String.format("%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, zeroTime ? 0 : minute,
        zeroTime ? 0 : second) + (digits == 0 ? "" : "." + (zeroFraction ? "000000000" : "123456789").substring(0, digits))
        + "Z";
    assertThat(instantOutcome(t, true)).isEqualTo(instantOutcome(t, false));
  }

  private static Gen<Character> instantChars() {
    // what makes a near miss: digits (day 31 of a short month, hour 24, second 60), separators, case
    return Gens.of('0', '1', '2', '3', '4', '5', '6', '9', '-', ':', '.', 'T', 't', 'Z', 'z', '+', ' ', '\u0661');
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
