package io.vettid.crypto.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.crypto.Suite;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.constraints.Size;

/**
 * Any single bit flip, truncation or splice of two envelopes is refused: 10,000 tries each per
 * suite (one subclass per suite) on an established session (one AEAD per try). Key-block envelopes, whose opening costs
 * the asymmetric operations, get fewer tries.
 */
abstract class EnvelopeProperties {
  /** {@return the suite under test} */
  abstract Suite suite();

  private static final String DEST = "subscriber.g1.es.queue.c1";

  /** Per suite: an opener that holds the session, and two sealed, never-opened later envelopes. */
  private record Fixture(Opener opener, byte[] keyBlock, byte[] next, byte[] after) {}

  private static final Map<String, Fixture> FIXTURES = new ConcurrentHashMap<>();

  private static Fixture fixture(Suite suite) {
    return FIXTURES.computeIfAbsent(suite.name(), n -> {
      try {
        TestParties p = TestParties.of(suite);
        Sealer sealer = p.sealer(DEST).build();
        Opener opener = p.opener().build();
        byte[] keyBlock = sealer.sealBytes("first".getBytes(StandardCharsets.UTF_8));
        opener.open(keyBlock.clone(), DEST);
        byte[] next = sealer.sealBytes("{\"secret\":\"next\"}".getBytes(StandardCharsets.UTF_8));
        byte[] after = sealer.sealBytes("{\"secret\":\"after\"}".getBytes(StandardCharsets.UTF_8));
        return new Fixture(opener, keyBlock, next, after);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** Positions drawn uniformly (jqwik's default integers lean towards small values). */
  @Provide
  Arbitrary<Integer> positions() {
    return Arbitraries.integers().between(0, 1 << 24).withDistribution(RandomDistribution.uniform());
  }

  @Property(tries = 10_000)
  void anySingleBitFlipIsRefused(@ForAll("positions") int bit) {
    Fixture f = fixture(suite());
    byte[] flipped = f.next().clone();
    int at = bit % (flipped.length * 8);
    flipped[at / 8] ^= (byte) (1 << (at % 8));

    assertThatThrownBy(() -> f.opener().open(flipped, DEST)).isInstanceOf(EnvelopeException.class);
  }

  @Property(tries = 10_000)
  void anyTruncationIsRefused(@ForAll("positions") int cut) {
    Fixture f = fixture(suite());
    byte[] truncated = Arrays.copyOf(f.next(), cut % f.next().length);

    assertThatThrownBy(() -> f.opener().open(truncated, DEST)).isInstanceOf(EnvelopeException.class);
  }

  @Property(tries = 10_000)
  void anySpliceOfTwoEnvelopesIsRefused(@ForAll("positions") int at) {
    Fixture f = fixture(suite());
    byte[] a = f.next();
    byte[] b = f.after();
    int first = Arrays.mismatch(a, b);
    int last = a.length - 1;
    while (a[last] == b[last]) {
      last--;
    }
    // the head of one envelope up to a cut between their first and last differing bytes, the tail
    // of the other: a splice that equals neither
    int cut = first + 1 + at % (last - first);
    byte[] spliced = Arrays.copyOf(a, b.length);
    System.arraycopy(b, cut, spliced, cut, b.length - cut);

    assertThatThrownBy(() -> f.opener().open(spliced, DEST)).isInstanceOf(EnvelopeException.class);
  }

  @Property(tries = 200)
  void anyBitFlipOfAKeyBlockEnvelopeIsRefused(@ForAll("positions") int bit) {
    TestParties p = TestParties.of(suite());
    byte[] flipped = fixture(suite()).keyBlock().clone();
    int at = bit % (flipped.length * 8);
    flipped[at / 8] ^= (byte) (1 << (at % 8));

    assertThatThrownBy(() -> p.opener().build().open(flipped, DEST)).isInstanceOf(EnvelopeException.class);
  }

  @Property(tries = 200)
  void arbitraryBytesAreRefusedAsEnvelopes(@ForAll @Size(max = 2000) byte[] junk) {
    Fixture f = fixture(suite());
    assertThatThrownBy(() -> f.opener().open(junk, DEST)).isInstanceOf(EnvelopeException.class);
  }

  @Property(tries = 100)
  void sealedBytesOpenToThemselves(@ForAll @Size(max = 3000) byte[] plaintext)
      throws Exception {
    TestParties p = TestParties.of(suite());
    Sealer sealer = p.sealer(DEST).build();
    Opener opener = p.opener().build();

    assertThat(opener.open(sealer.sealBytes(plaintext), DEST).plaintext()).isEqualTo(plaintext);
    assertThat(opener.open(sealer.sealBytes(plaintext), DEST).plaintext()).isEqualTo(plaintext);
  }
}
