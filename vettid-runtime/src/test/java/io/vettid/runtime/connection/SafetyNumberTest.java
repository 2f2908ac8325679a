package io.vettid.runtime.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.proptest.Gens;
import io.vettid.proptest.Props;
import org.junit.jupiter.api.Test;

/** The scannable form of a safety number and the comparison of what a peer shows. */
class SafetyNumberTest {
  private static String grouped(String digits) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 60; i += 5) {
      b.append(i == 0 ? "" : " ").append(digits, i, i + 5);
    }
    return b.toString();
  }

  @Test
  void theScannableFormReadsBackAsTheSameNumber() {
    Props.tries(500).forAll(Gens.strings("0123456789", 60)).checkAssert(d -> {
      String number = grouped(d);
      String scannable = SafetyNumber.scannable(number);
      assertThat(scannable).isEqualTo("vettid:safety?v=1&n=" + d);
      assertThat(SafetyNumber.matches(scannable, number)).isTrue();
      assertThat(SafetyNumber.matches(" " + number.replace(" ", "\n") + "\t", number)).isTrue();
    });
  }

  @Test
  void oneDigitChangedIsAMismatch() {
    Props.tries(500).forAll(Gens.strings("0123456789", 60), Gens.ints(0, 59), Gens.ints(1, 9)).checkAssert((d, at, by) -> {
      char[] other = d.toCharArray();
      other[at] = (char) ('0' + (other[at] - '0' + by) % 10);
      String changed = new String(other);
      assertThat(SafetyNumber.matches(SafetyNumber.scannable(changed), grouped(d))).isFalse();
      assertThat(SafetyNumber.matches(changed, grouped(d))).isFalse();
    });
  }

  @Test
  void aMutatedScanIsAMismatchOrAClearErrorNeverAMatch() {
    String number = grouped("0123456789".repeat(6));
    String scannable = SafetyNumber.scannable(number);
    Props.tries(2000).forAll(Gens.ints(0, scannable.length() - 1), Gens.anyChar()).checkAssert((at, c) -> {
      String mutated = scannable.substring(0, at) + c + scannable.substring(at + 1);
      if (mutated.equals(scannable)) {
        assertThat(SafetyNumber.matches(mutated, number)).isTrue();
        return;
      }
      try {
        assertThat(SafetyNumber.matches(mutated, number)).as(mutated).isFalse();
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).isNotBlank();
      }
    });
  }

  @Test
  void anythingElseShownIsAClearErrorNotAMatch() {
    String number = grouped("0".repeat(60));
    Props.tries(2000).forAll(Gens.anyChars(200)).checkAssert(shown -> {
      String s = shown.replaceAll("\\s", "");
      String trimmed = shown.replaceAll("^\\s+|\\s+$", "");
      if (s.equals("0".repeat(60)) && !trimmed.startsWith("vettid:safety?")
          || trimmed.equals("vettid:safety?v=1&n=" + "0".repeat(60))) {
        assertThat(SafetyNumber.matches(shown, number)).isTrue();
      } else if (s.matches("[0-9]{60}") && !trimmed.startsWith("vettid:safety?")
          || trimmed.matches("vettid:safety\\?v=1&n=[0-9]{60}")) {
        assertThat(SafetyNumber.matches(shown, number)).isFalse();
      } else {
        assertThatThrownBy(() -> SafetyNumber.matches(shown, number)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageNotContaining("\u0000");
      }
    });
    assertThatThrownBy(() -> SafetyNumber.matches("vettid:safety?v=2&n=" + "0".repeat(60), number))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 1");
    assertThatThrownBy(() -> SafetyNumber.matches("vettid:safety?v=1&n=" + "0".repeat(59) + "&x=1", number))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("60 digits");
    assertThatThrownBy(() -> SafetyNumber.scannable("12345")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("60 digits");
    assertThatThrownBy(() -> SafetyNumber.matches(null, number)).isInstanceOf(NullPointerException.class);
  }
}
