package io.vettid.proptest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The runner's own promises: every check it is asked for, a failure that names its seed and replays. */
class PropsTest {

  @AfterEach
  void forgetTheSeed() {
    System.clearProperty("QT_SEED");
  }

  @Test
  void aPropertyThatHoldsGetsAsManyChecksAsItAsksFor() {
    // 1,000 longs: QuickTheories would skip repeats; the runner tops them up
    Set<Long> seen = new HashSet<>();
    AtomicInteger checks = new AtomicInteger();
    Props.tries(1000).forAll(Gens.longs(0, 5000)).checkAssert(v -> {
      checks.incrementAndGet();
      seen.add(v);
    });
    assertThat(checks.get()).isGreaterThanOrEqualTo(1000);
    assertThat(seen.size()).isGreaterThan(500);
  }

  @Test
  void aSmallInputSpaceIsCheckedWholeAndTheRunEnds() {
    Set<Integer> seen = new HashSet<>();
    Props.tries(500).forAll(Gens.of(1, 2, 3)).checkAssert(seen::add);
    assertThat(seen).containsExactlyInAnyOrder(1, 2, 3);
  }

  @Test
  void anAssumptionFiltersTheExamples() {
    AtomicInteger odd = new AtomicInteger();
    Props.tries(300).forAll(Gens.ints(0, 1_000_000)).assuming(v -> v % 2 == 0).checkAssert(v -> {
      if (v % 2 != 0) {
        odd.incrementAndGet();
      }
    });
    assertThat(odd.get()).isZero();
  }

  @Test
  void aFailureNamesTheShrunkInputTheSeedAndTheRerunCommand() {
    System.setProperty("QT_SEED", "12345");
    assertThatThrownBy(() -> Props.tries(2000).forAll(Gens.ints(0, 1_000_000))
        .checkAssert(v -> assertThat(v).isLessThan(1000)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("1000")
        .hasMessageContaining("12345")
        .hasMessageContaining("-Dtest=PropsTest#aFailureNamesTheShrunkInputTheSeedAndTheRerunCommand")
        .hasMessageContaining("-DQT_SEED=12345");
  }

  @Test
  void theSameSeedFindsTheSameExamples() {
    System.setProperty("QT_SEED", "-77");
    Set<String> first = new HashSet<>();
    Set<String> second = new HashSet<>();
    Props.tries(200).forAll(Gens.strings(Gens.ALPHANUMERIC, 0, 12)).checkAssert(first::add);
    Props.tries(200).forAll(Gens.strings(Gens.ALPHANUMERIC, 0, 12)).checkAssert(second::add);
    assertThat(second).isEqualTo(first);
  }

  @Test
  void aCheckedExceptionFailsThePropertyLikeAnAssertion() {
    assertThatThrownBy(() -> Props.tries(100).forAll(Gens.ints(0, 10)).checkAssert(v -> {
      if (v > 5) {
        throw new java.io.IOException("too big: " + v);
      }
    })).isInstanceOf(AssertionError.class).hasMessageContaining("Seed was");
  }

  @Test
  void controlsInAFailingInputAreEscapedButTabsAndLineBreaksKept() {
    assertThatThrownBy(() -> Props.tries(10).forAll(Gens.of("a\u0001\tb\nc"))
        .checkAssert(v -> assertThat(v).isEmpty()))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("a\\u0001\tb\nc")
        .hasMessageNotContaining("\u0001");
  }

  @Test
  void nonsenseArgumentsAreRefused() {
    assertThatThrownBy(() -> Props.tries(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Gens.of(java.util.List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Gens.strings("", 0, 3)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Gens.ints(3, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
