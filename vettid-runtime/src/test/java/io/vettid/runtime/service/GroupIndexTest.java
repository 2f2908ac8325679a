package io.vettid.runtime.service;

import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Gens.lists;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The handled-once index of group records: whatever the order of groups written and forgotten
 * (oldest first, as the store forgets them), a token in a live group is always found in a live
 * group that holds it (never missed: that would handle its event again), and a token in no live
 * group finds nothing or a group that does not hold it (a hint, read and refused).
 */
class GroupIndexTest {
  /** A group: its number, its tokens, their fingerprints. */
  record Group(long number, List<String> tokens, long[] fingerprints) {}

  @Test
  void aTokenInALiveGroupIsAlwaysFoundInALiveGroupThatHoldsIt() {
    // each op: a group of up to 40 tokens drawn from 300 (tokens come back in later groups), or forget the oldest
    tries(300).forAll(lists(lists(ints(0, 299), 0, 40), 1, 120)).checkAssert(ops -> {
      GroupIndex index = new GroupIndex();
      ArrayDeque<Group> live = new ArrayDeque<>();
      long next = 0;
      for (List<Integer> op : ops) {
        if (op.isEmpty() && !live.isEmpty()) {
          Group g = live.removeFirst();
          index.forget(g.number(), g.fingerprints());
        } else {
          List<String> tokens = new ArrayList<>();
          long[] f = new long[op.size()];
          for (int i = 0; i < op.size(); i++) {
            tokens.add("conn-" + (op.get(i) % 7) + ".event-" + op.get(i));
            f[i] = index.put(tokens.get(i), next);
          }
          live.addLast(new Group(next++, tokens, f));
        }
        check(index, live);
      }
    });
  }

  private static void check(GroupIndex index, ArrayDeque<Group> live) {
    Map<String, Long> held = new HashMap<>();
    Map<Long, Group> byNumber = new HashMap<>();
    for (Group g : live) {
      g.tokens().forEach(t -> held.put(t, g.number()));
      byNumber.put(g.number(), g);
    }
    for (int i = 0; i < 300; i++) {
      String t = "conn-" + (i % 7) + ".event-" + i;
      long found = index.groupOf(t);
      if (held.containsKey(t)) {
        assertThat(byNumber.containsKey(found) && byNumber.get(found).tokens().contains(t)).as(t + " in " + found)
            .isTrue();
      } else if (found >= 0) {
        assertThat(byNumber.containsKey(found) && byNumber.get(found).tokens().contains(t)).as(t).isFalse();
      }
    }
  }

  @Test
  void aTableThatGrewAndEmptiedFindsNothingAndCountsNothing() {
    GroupIndex index = new GroupIndex();
    List<long[]> groups = new ArrayList<>();
    for (int g = 0; g < 100; g++) {
      long[] f = new long[128];
      for (int i = 0; i < 128; i++) {
        f[i] = index.put("c.e" + g + "-" + i, g);
      }
      groups.add(f);
    }
    assertThat(index.size()).isEqualTo(12_800);
    assertThat(index.groupOf("c.e42-7")).isEqualTo(42);
    for (int g = 0; g < 100; g++) {
      index.forget(g, groups.get(g));
    }
    assertThat(index.size()).isZero();
    assertThat(index.groupOf("c.e42-7")).isEqualTo(-1);
  }
}
