package io.vettid.crypto.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.FailureReason;
import io.vettid.crypto.Suites;
import io.vettid.crypto.testing.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Sessions kept at rest ({@link SessionStates}): a sealer resumed after a crash never uses a
 * sequence twice and needs no new key block; an opener restored from its snapshot goes on opening
 * its sessions, still refuses what it accepted, opens the same delivery again until released, and
 * refuses the key blocks of sessions it ended. ML-KEM keys keep it fast.
 */
class KeptSessionsTest {
  private static final String DEST = "subscriber.g1.es.queue.c1";
  private static final TestParties P = TestParties.of(Suites.MLKEM768_MLDSA65_V1);

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertFails(FailureReason reason, ThrowingCallable open) {
    assertThatThrownBy(open)
        .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  /** What a journal wrote, in order (the last is what a restart finds). */
  private static final class Journal implements Sealer.Journal {
    final List<SessionStates.Sealing> written = new ArrayList<>();
    boolean failing;

    @Override
    public void reserved(SessionStates.Sealing session) throws IOException {
      if (failing) {
        throw new IOException("store down");
      }
      // through the byte form, as a store keeps it
      written.add(SessionStates.decodeSealing(SessionStates.encode(session)));
    }

    SessionStates.Sealing last() {
      return written.get(written.size() - 1);
    }
  }

  private static long sequenceOf(byte[] envelope) throws EnvelopeException {
    return Envelope.parse(envelope).sequence();
  }

  private static boolean hasKeyBlock(byte[] envelope) throws EnvelopeException {
    return Envelope.parse(envelope).keyBlock();
  }

  @Test
  void aResumedSealerNeverUsesASequenceTwiceAndNeedsNoNewKeyBlock() throws Exception {
    Journal journal = new Journal();
    Sealer first = P.sealer(DEST).journal(journal).build();
    Opener opener = P.opener().build();
    Set<Long> used = new HashSet<>();
    for (int i = 0; i < 1500; i++) { // past the first reservation
      byte[] e = first.sealBytes(utf8("e" + i));
      used.add(sequenceOf(e));
      opener.open(e, DEST);
    }
    assertThat(journal.written).as("one write per %d sequences", Sealer.RESERVE).hasSize(2);
    assertThat(journal.last().resumeAt()).isEqualTo(2L * Sealer.RESERVE);
    assertThat(journal.last().keyBlockPending()).as("the key block went with the first reservation").isFalse();

    // the process dies: the sealer goes on from what the journal kept
    Sealer resumed = P.sealer(DEST).journal(journal).resume(journal.last()).build();
    byte[] next = resumed.sealBytes(utf8("after"));
    assertThat(hasKeyBlock(next)).as("the peer keeps the session: no new key block").isFalse();
    assertThat(used).as("a sequence (a nonce) used before the crash").doesNotContain(sequenceOf(next));
    assertThat(opener.open(next, DEST).plaintext()).isEqualTo(utf8("after"));
    assertThat(resumed.sessionsStarted()).as("no new session").isZero();
  }

  @Test
  void aSessionResumedWithinItsFirstReservationSendsItsKeyBlockAgain() throws Exception {
    Journal journal = new Journal();
    Sealer first = P.sealer(DEST).journal(journal).build();
    first.sealBytes(utf8("0")); // its key block may never have arrived
    Sealer resumed = P.sealer(DEST).journal(journal).resume(journal.last()).build();
    byte[] next = resumed.sealBytes(utf8("1"));
    assertThat(hasKeyBlock(next)).isTrue();
    assertThat(sequenceOf(next)).isEqualTo(Sealer.RESERVE);
    assertThat(P.opener().build().open(next, DEST).plaintext()).as("an opener that never saw the session")
        .isEqualTo(utf8("1"));
  }

  @Test
  void aSealerWhoseJournalFailsSealsNothingAndTriesAgain() throws Exception {
    Journal journal = new Journal();
    journal.failing = true;
    Sealer sealer = P.sealer(DEST).journal(journal).build();
    assertThatThrownBy(() -> sealer.sealBytes(utf8("0"))).isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("could not be kept");
    journal.failing = false;
    byte[] e = sealer.sealBytes(utf8("0"));
    assertThat(sequenceOf(e)).isZero();
    assertThat(journal.written).hasSize(1);
  }

  @Test
  void aSessionKeptForAnotherRecipientOrSenderKeyIsNotResumed() throws Exception {
    Journal journal = new Journal();
    P.sealer(DEST).journal(journal).build().sealBytes(utf8("0"));
    SessionStates.Sealing kept = journal.last();
    SessionStates.Sealing otherRecipient = new SessionStates.Sealing(P.aliceSigningPublic.keyId(), kept.sender(),
        kept.sessionId(), kept.key(), kept.created(), 5000, false);
    SessionStates.Sealing otherSender = new SessionStates.Sealing(kept.recipient(), P.bobWrappingPublic.keyId(),
        kept.sessionId(), kept.key(), kept.created(), 5000, false);
    for (SessionStates.Sealing other : java.util.List.of(otherRecipient, otherSender)) {
      byte[] e = P.sealer(DEST).resume(other).build().sealBytes(utf8("x"));
      assertThat(sequenceOf(e)).as("a new session").isZero();
      assertThat(hasKeyBlock(e)).isTrue();
    }
    assertThat(sequenceOf(P.sealer(DEST).resume(kept).build().sealBytes(utf8("y")))).as("its own keys: resumed")
        .isEqualTo(Sealer.RESERVE);
  }

  @Test
  void aRestoredOpenerGoesOnAndStillRefusesWhatItAccepted() throws Exception {
    Sealer sealer = P.sealer(DEST).build();
    Opener before = P.opener().build();
    byte[] e0 = sealer.sealBytes(utf8("0"));
    byte[] e1 = sealer.sealBytes(utf8("1"));
    byte[] e2 = sealer.sealBytes(utf8("2"));
    before.open(e0, DEST, 1);
    before.open(e1, DEST, 2);
    before.open(e2, DEST, 3);
    before.release(2); // deliveries 1 and 2 acknowledged
    Opener.Snapshot kept = before.snapshot();
    assertThat(kept.version()).isEqualTo(before.version());

    Opener after = P.opener().restore(SessionStates.decodeOpenings(SessionStates.encode(kept.state()))).build();
    assertThat(after.open(sealer.sealBytes(utf8("3")), DEST, 4).plaintext()).as("no new key block needed")
        .isEqualTo(utf8("3"));
    assertFails(FailureReason.REPLAYED, () -> after.open(e0.clone(), DEST, 9)); // the key block replayed
    assertFails(FailureReason.REPLAYED, () -> after.open(e1.clone(), DEST, 2)); // acknowledged: released
    assertThat(after.open(e2.clone(), DEST, 3).plaintext()).as("the same delivery, not yet acknowledged")
        .isEqualTo(utf8("2"));
    assertFails(FailureReason.REPLAYED, () -> after.open(e2.clone(), DEST, 10)); // another delivery of it
    assertFails(FailureReason.REPLAYED, () -> after.open(e2.clone(), DEST)); // no delivery named
    after.release(3);
    assertFails(FailureReason.REPLAYED, () -> after.open(e2.clone(), DEST, 3));
  }

  @Test
  void anOpenerReadByAWatcherReleasesWhatWasAcknowledged() throws Exception {
    Sealer sealer = P.sealer(DEST).build();
    Opener opener = P.opener().build(); // used as it is, without snapshots (no store)
    byte[] e0 = sealer.sealBytes(utf8("0"));
    byte[] e1 = sealer.sealBytes(utf8("1"));
    opener.open(e0, DEST, 1);
    opener.open(e1, DEST, 2);
    assertThat(opener.checkpoint("subscriber.g1.es.queue.", 1)).isCompleted();
    assertThat(opener.open(e0.clone(), DEST, 1).plaintext()).as("not released yet: acknowledged only now")
        .isEqualTo(utf8("0"));
    opener.checkpoint("subscriber.g1.es.queue.", 2); // the acknowledgement through 1 was sent
    assertFails(FailureReason.REPLAYED, () -> opener.open(e0.clone(), DEST, 1));
    assertThat(opener.open(e1.clone(), DEST, 2).plaintext()).as("delivery 2 is not released").isEqualTo(utf8("1"));
  }

  @Test
  void endedSessionsOfAnOpenerWithoutSnapshotsAreForgottenPastTheirAge() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    Opener opener = P.opener().maxSessions(1).clock(clock).build();
    opener.open(P.sealer(DEST).clock(clock).build().sealBytes(utf8("a")), DEST);
    clock.advance(Duration.ofHours(12));
    opener.open(P.sealer(DEST).clock(clock).build().sealBytes(utf8("b")), DEST); // ends a
    assertThat(opener.endedSessions()).isEqualTo(1);
    clock.advance(Duration.ofHours(12).plus(Opener.CLOCK_SKEW).plusMinutes(1)); // a past its age, b not
    opener.open(P.sealer(DEST).clock(clock).build().sealBytes(utf8("c")), DEST); // ends b, forgets a
    assertThat(opener.endedSessions()).as("b only; a was past its age").isEqualTo(1);
  }

  @Test
  void anEndedSessionsKeyBlockIsRefusedBeforeAndAfterARestart() throws Exception {
    Opener opener = P.opener().maxSessions(1).build();
    Sealer a = P.sealer(DEST).build();
    byte[] keyBlockA = a.sealBytes(utf8("a0"));
    opener.open(keyBlockA, DEST);
    opener.open(P.sealer(DEST).build().sealBytes(utf8("b0")), DEST); // forgets session a

    // before this change a forgotten session's key block opened again within its age
    assertFails(FailureReason.REPLAYED, () -> opener.open(keyBlockA.clone(), DEST));
    Opener restored = P.opener().maxSessions(1).restore(opener.snapshot().state()).build();
    assertFails(FailureReason.REPLAYED, () -> restored.open(keyBlockA.clone(), DEST));
    assertThat(restored.snapshot().state().retired()).hasSize(1);
  }

  @Test
  void endedSessionsAreForgottenOnceTheirAgeIsPast() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    Opener opener = P.opener().maxSessions(1).clock(clock).build();
    opener.open(P.sealer(DEST).clock(clock).build().sealBytes(utf8("a")), DEST);
    opener.open(P.sealer(DEST).clock(clock).build().sealBytes(utf8("b")), DEST);
    assertThat(opener.snapshot().state().retired()).hasSize(1);
    clock.advance(SessionPolicy.MAX_AGE.plus(Opener.CLOCK_SKEW).plusMinutes(1));
    SessionStates.Openings later = opener.snapshot().state();
    assertThat(later.retired()).as("past its age a key block is refused anyway").isEmpty();
    assertThat(later.sessions()).as("sessions past their age are not kept").isEmpty();
  }

  @Test
  void sessionOpeningsBeyondTheCapAreRefusedUntilThePeriodPasses() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    Opener opener = P.opener().maxOpenings(2, Duration.ofHours(1)).clock(clock).build();
    opener.open(P.sealer(DEST).clock(clock).build().sealBytes(utf8("1")), DEST);
    Sealer second = P.sealer(DEST).clock(clock).build();
    opener.open(second.sealBytes(utf8("2")), DEST);
    byte[] third = P.sealer(DEST).clock(clock).build().sealBytes(utf8("3"));
    assertFails(FailureReason.TOO_MANY_SESSIONS, () -> opener.open(third, DEST));
    assertThat(opener.open(second.sealBytes(utf8("2b")), DEST).plaintext()).as("open sessions go on")
        .isEqualTo(utf8("2b"));
    clock.advance(Duration.ofMinutes(61));
    assertThat(opener.open(P.sealer(DEST).clock(clock).build().sealBytes(utf8("4")), DEST).plaintext())
        .isEqualTo(utf8("4"));
  }

  @Test
  void argumentsAreChecked() {
    assertThatThrownBy(() -> P.opener().maxOpenings(0, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> P.opener().maxOpenings(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> P.opener().build().open(new byte[10], DEST, -1))
        .isInstanceOf(IllegalArgumentException.class);
    io.vettid.api.KeyId r = P.bobWrappingPublic.keyId();
    io.vettid.api.KeyId snd = P.aliceSigningPublic.keyId();
    assertThatThrownBy(() -> new SessionStates.Sealing(r, snd, new byte[15], new byte[32], Instant.now(), 0, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sessionId");
    assertThatThrownBy(() -> new SessionStates.Sealing(r, snd, new byte[16], new byte[32], Instant.now(), -1, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("resumeAt");
  }
}
