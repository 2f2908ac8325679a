package io.vettid.crypto.envelope;

import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Gens.longs;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.KeyId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The byte forms of kept sessions: every state goes back to itself, and random, mutated, truncated
 * or extended bytes are either refused with an {@link IllegalArgumentException} or read as a state
 * that writes back to exactly those bytes (nothing else is thrown, nothing is half read).
 */
class SessionStatesProperties {
  private static final KeyId RECIPIENT = KeyId.of("mlkem768-3f2a9c0d1e4b5a69783f2a9c0d1e4b5a6978abcd");
  private static final KeyId SENDER = KeyId.of("mldsa65-0a1b2c3d4e5f607182930a1b2c3d4e5f60718293");

  private static byte[] random(SplittableRandom r, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  private static SessionStates.Sealing sealing(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    return new SessionStates.Sealing(r.nextBoolean() ? RECIPIENT : SENDER, r.nextBoolean() ? SENDER : RECIPIENT,
        random(r, 16), random(r, 32),
        Instant.ofEpochMilli(r.nextLong(0, 4_000_000_000_000L)), r.nextLong(0, Long.MAX_VALUE), r.nextBoolean());
  }

  private static SessionStates.Openings openings(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<SessionStates.Opening> sessions = new ArrayList<>();
    for (int i = r.nextInt(4); i > 0; i--) {
      long highest = r.nextLong(0, 1L << 40);
      ReplayWindow w = new ReplayWindow(highest);
      for (int j = r.nextInt(20); j > 0; j--) {
        long s = highest - r.nextLong(0, ReplayWindow.SIZE);
        if (s >= 0) {
          w.accept(s);
        }
      }
      Map<Long, Long> redeliverable = new LinkedHashMap<>();
      for (int j = r.nextInt(5); j > 0; j--) {
        redeliverable.put(r.nextLong(0, highest + 1), r.nextLong(1, Long.MAX_VALUE));
      }
      sessions.add(new SessionStates.Opening(random(r, 16), 1 + r.nextInt(4), RECIPIENT, SENDER,
          ("subscriber.g.es.queue.c" + r.nextInt(1000)).getBytes(java.nio.charset.StandardCharsets.UTF_8),
          random(r, 32), Instant.ofEpochMilli(r.nextLong(0, 4_000_000_000_000L)), highest, w.words(),
          redeliverable));
    }
    List<SessionStates.Retired> retired = new ArrayList<>();
    for (int i = r.nextInt(4); i > 0; i--) {
      retired.add(new SessionStates.Retired(random(r, 16), Instant.ofEpochMilli(r.nextLong(0, 4_000_000_000_000L))));
    }
    return new SessionStates.Openings(sessions, retired);
  }

  @Test
  void everyStateGoesBackToItself() {
    tries(300).forAll(longs(Long.MIN_VALUE, Long.MAX_VALUE)).checkAssert(seed -> {
      byte[] s = SessionStates.encode(sealing(seed));
      assertThat(SessionStates.encode(SessionStates.decodeSealing(s))).isEqualTo(s);
      byte[] o = SessionStates.encode(openings(seed));
      assertThat(SessionStates.encode(SessionStates.decodeOpenings(o))).isEqualTo(o);
    });
  }

  @Test
  void aDecodedOpeningHoldsWhatWasKept() {
    SessionStates.Openings o = openings(7);
    SessionStates.Openings back = SessionStates.decodeOpenings(SessionStates.encode(o));
    assertThat(back.sessions()).hasSameSizeAs(o.sessions());
    for (int i = 0; i < o.sessions().size(); i++) {
      SessionStates.Opening a = o.sessions().get(i);
      SessionStates.Opening b = back.sessions().get(i);
      assertThat(b.sessionId()).isEqualTo(a.sessionId());
      assertThat(b.key()).isEqualTo(a.key());
      assertThat(b.window()).isEqualTo(a.window());
      assertThat(b.redeliverable()).isEqualTo(a.redeliverable());
      assertThat(b.highest()).isEqualTo(a.highest());
      assertThat(b.created()).isEqualTo(a.created());
      assertThat(b.toString()).as("no key in the text form").doesNotContain(Arrays.toString(a.key()));
    }
  }

  @Test
  void mutatedBytesAreRefusedOrReadExactly() {
    tries(2000).forAll(longs(Long.MIN_VALUE, Long.MAX_VALUE), ints(0, 1 << 20), ints(1, 255), ints(0, 2))
        .checkAssert((seed, where, flip, which) -> {
          byte[] good = which == 0 ? SessionStates.encode(sealing(seed)) : SessionStates.encode(openings(seed));
          byte[] b = good.clone();
          b[where % b.length] ^= (byte) (int) flip;
          readExactlyOrRefused(b, which == 0);
        });
  }

  @Test
  void truncatedOrExtendedBytesAreRefused() {
    tries(500).forAll(longs(Long.MIN_VALUE, Long.MAX_VALUE), ints(-200, 20), ints(0, 1))
        .checkAssert((seed, delta, which) -> {
          byte[] good = which == 0 ? SessionStates.encode(sealing(seed)) : SessionStates.encode(openings(seed));
          int n = Math.max(0, good.length + (delta == 0 ? 1 : delta));
          byte[] b = Arrays.copyOf(good, n);
          if (which == 0) {
            assertThatThrownBy(() -> SessionStates.decodeSealing(b)).isInstanceOf(IllegalArgumentException.class);
          } else {
            assertThatThrownBy(() -> SessionStates.decodeOpenings(b)).isInstanceOf(IllegalArgumentException.class);
          }
        });
  }

  @Test
  void randomBytesAreRefusedOrReadExactly() {
    tries(2000).forAll(bytes(0, 600), ints(0, 1)).checkAssert((b, which) -> {
      byte[] framed = b.clone();
      if (framed.length >= 4 && which == 1) { // past the magic, most of the time
        framed[0] = 'V';
        framed[1] = 'S';
        framed[2] = 'O';
        framed[3] = 1;
      }
      readExactlyOrRefused(framed, false);
      readExactlyOrRefused(b, true);
    });
  }

  private static void readExactlyOrRefused(byte[] b, boolean sealing) {
    try {
      byte[] again = sealing ? SessionStates.encode(SessionStates.decodeSealing(b))
          : SessionStates.encode(SessionStates.decodeOpenings(b));
      assertThat(again).as("what was read writes back to the same bytes").isEqualTo(b);
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }
}
