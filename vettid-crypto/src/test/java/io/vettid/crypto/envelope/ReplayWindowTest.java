package io.vettid.crypto.envelope;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The anti-replay window against a model that remembers every accepted sequence: a sequence is
 * refused exactly when it was accepted before or lies {@value ReplayWindow#SIZE} or more below the
 * highest accepted.
 */
class ReplayWindowTest {

  @Test
  void agreesWithAModelThatRemembersEverything() {
    Random random = new Random(20261206L);
    for (int run = 0; run < 200; run++) {
      long first = random.nextInt(3) == 0 ? 0 : random.nextInt(100_000);
      ReplayWindow w = new ReplayWindow(first);
      Set<Long> accepted = new HashSet<>(Set.of(first));
      long highest = first;
      for (int step = 0; step < 2_000; step++) {
        // mostly near the top, sometimes far ahead, sometimes at the window's edge
        long seq = switch (random.nextInt(6)) {
          case 0 -> highest + 1;
          case 1 -> highest + 1 + random.nextInt(3 * ReplayWindow.SIZE);
          case 2 -> highest - ReplayWindow.SIZE + random.nextInt(3);
          default -> Math.max(0, highest - random.nextInt(ReplayWindow.SIZE + 64));
        };
        if (seq < 0) {
          continue;
        }
        boolean expected = seq <= highest && (highest - seq >= ReplayWindow.SIZE || accepted.contains(seq));
        assertThat(w.refuses(seq)).as("run %d step %d: sequence %d, highest %d", run, step, seq, highest)
            .isEqualTo(expected);
        if (!expected) {
          w.accept(seq);
          accepted.add(seq);
          highest = Math.max(highest, seq);
        }
        assertThat(w.highest()).isEqualTo(highest);
      }
    }
  }

  @Test
  void aJumpPastTheWholeWindowForgetsItsSlots() {
    ReplayWindow w = new ReplayWindow(5);
    w.accept(5 + 2L * ReplayWindow.SIZE);
    // 5 + SIZE shares slot with 5, and lies in the window now: never accepted, so it opens
    assertThat(w.refuses(5 + ReplayWindow.SIZE + 1)).isFalse();
    assertThat(w.refuses(5 + 2L * ReplayWindow.SIZE)).isTrue();
    assertThat(w.refuses(5)).isTrue();
  }
}
