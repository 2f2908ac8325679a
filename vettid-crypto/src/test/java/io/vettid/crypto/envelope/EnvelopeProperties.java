package io.vettid.crypto.envelope;

import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import org.quicktheories.core.Gen;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.crypto.Suite;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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

  /** Positions drawn across the whole range (taken modulo the envelope's length or bits). */
  private static Gen<Integer> positions() {
    return ints(0, 1 << 24);
  }

  @Test
  void anySingleBitFlipIsRefused() {
    tries(10_000).forAll(positions()).checkAssert(this::anySingleBitFlipIsRefusedCheck);
  }

  private void anySingleBitFlipIsRefusedCheck(int bit) {
    Fixture f = fixture(suite());
    byte[] flipped = f.next().clone();
    int at = bit % (flipped.length * 8);
    flipped[at / 8] ^= (byte) (1 << (at % 8));

    assertThatThrownBy(() -> f.opener().open(flipped, DEST)).isInstanceOf(EnvelopeException.class);
  }

  @Test
  void anyTruncationIsRefused() {
    tries(10_000).forAll(positions()).checkAssert(this::anyTruncationIsRefusedCheck);
  }

  private void anyTruncationIsRefusedCheck(int cut) {
    Fixture f = fixture(suite());
    byte[] truncated = Arrays.copyOf(f.next(), cut % f.next().length);

    assertThatThrownBy(() -> f.opener().open(truncated, DEST)).isInstanceOf(EnvelopeException.class);
  }

  @Test
  void anySpliceOfTwoEnvelopesIsRefused() {
    tries(10_000).forAll(positions()).checkAssert(this::anySpliceOfTwoEnvelopesIsRefusedCheck);
  }

  private void anySpliceOfTwoEnvelopesIsRefusedCheck(int at) {
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

  @Test
  void anyBitFlipOfAKeyBlockEnvelopeIsRefused() {
    tries(200).forAll(positions()).checkAssert(this::anyBitFlipOfAKeyBlockEnvelopeIsRefusedCheck);
  }

  private void anyBitFlipOfAKeyBlockEnvelopeIsRefusedCheck(int bit) {
    TestParties p = TestParties.of(suite());
    byte[] flipped = fixture(suite()).keyBlock().clone();
    int at = bit % (flipped.length * 8);
    flipped[at / 8] ^= (byte) (1 << (at % 8));

    assertThatThrownBy(() -> p.opener().build().open(flipped, DEST)).isInstanceOf(EnvelopeException.class);
  }

  @Test
  void arbitraryBytesAreRefusedAsEnvelopes() {
    tries(200).forAll(bytes(0, 2000)).checkAssert(this::arbitraryBytesAreRefusedAsEnvelopesCheck);
  }

  private void arbitraryBytesAreRefusedAsEnvelopesCheck(byte[] junk) {
    Fixture f = fixture(suite());
    assertThatThrownBy(() -> f.opener().open(junk, DEST)).isInstanceOf(EnvelopeException.class);
  }

  @Test
  void sealedBytesOpenToThemselves() {
    tries(100).forAll(bytes(0, 3000)).checkAssert(this::sealedBytesOpenToThemselvesCheck);
  }

  private void sealedBytesOpenToThemselvesCheck(byte[] plaintext) throws Exception {
    TestParties p = TestParties.of(suite());
    Sealer sealer = p.sealer(DEST).build();
    Opener opener = p.opener().build();

    assertThat(opener.open(sealer.sealBytes(plaintext), DEST).plaintext()).isEqualTo(plaintext);
    assertThat(opener.open(sealer.sealBytes(plaintext), DEST).plaintext()).isEqualTo(plaintext);
  }
}
