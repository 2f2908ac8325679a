package io.vettid.crypto.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.ExternalEvent;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EnvelopeTest {
  private static final String DEST = "subscriber.g1.es.queue.c1";

  static Stream<Suite> suites() {
    return Suites.all().stream();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void assertFails(FailureReason reason, ThrowingCallable open) {
    assertThatThrownBy(open)
        .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @ParameterizedTest
  @MethodSource("suites")
  void sealsOncePerSessionAndOpensEveryEvent(Suite suite) throws Exception {
    TestParties p = TestParties.of(suite);
    Sealer sealer = p.sealer(DEST).build();
    Opener opener = p.opener().build();
    InternalEvent event = InternalEvent.builder().type(EventType.of("profile.request"))
        .connectionId(ConnectionId.of("c1"))
        .payload(JsonNodeFactory.instance.objectNode().put("q", "name")).build();

    ExternalEvent first = sealer.seal(event);
    ExternalEvent second = sealer.seal(event);

    assertThat(first.keyId()).isEqualTo(p.bobWrappingPublic.keyId());
    assertThat(first.sealedLength()).as("first carries the key block").isGreaterThan(second.sealedLength());
    assertThat(opener.openEvent(first, DEST)).isEqualTo(event);
    assertThat(opener.openEvent(second, DEST)).isEqualTo(event);
    assertThat(sealer.sessionsStarted()).isEqualTo(1);
    assertThat(opener.sessionCount()).isEqualTo(1);
  }

  @Test
  void lengthsRevealOnlyThePaddingBucket() throws Exception {
    TestParties p = TestParties.of(Suites.DEFAULT);
    Sealer sealer = p.sealer(DEST).build();
    sealer.sealBytes(utf8("x")); // the key block goes with the first

    int tiny = sealer.sealBytes(utf8("x")).length;
    int medium = sealer.sealBytes(new byte[400]).length;
    int large = sealer.sealBytes(new byte[600]).length;

    assertThat(medium).isEqualTo(tiny);
    assertThat(large).isEqualTo(tiny + 512);
  }

  @Test
  void refusesARepeatedSequenceAndOneBelowTheWindow() throws Exception {
    TestParties p = TestParties.of(Suites.DEFAULT);
    Sealer sealer = p.sealer(DEST).build();
    Opener opener = p.opener().build();
    byte[] e0 = sealer.sealBytes(utf8("0"));
    byte[] e1 = sealer.sealBytes(utf8("1"));
    byte[] e2 = sealer.sealBytes(utf8("2"));
    opener.open(e0, DEST);
    opener.open(e2, DEST);

    assertFails(FailureReason.REPLAYED, () -> opener.open(e2, DEST));
    assertFails(FailureReason.REPLAYED, () -> opener.open(e0, DEST));
    // e1 was never accepted: it opens out of order (a deposit delivered again after a lost delivery), once
    assertThat(new String(opener.open(e1, DEST).plaintext(), StandardCharsets.UTF_8)).isEqualTo("1");
    assertFails(FailureReason.REPLAYED, () -> opener.open(e1, DEST));

    // the window keeps 1,024 sequences below the highest: one just inside opens, one below it does not
    byte[] e3 = sealer.sealBytes(utf8("3"));
    byte[] e4 = sealer.sealBytes(utf8("4"));
    for (int i = 5; i < 3 + ReplayWindow.SIZE; i++) {
      sealer.sealBytes(utf8(Integer.toString(i)));
    }
    byte[] last = sealer.sealBytes(utf8("last"));
    opener.open(last, DEST); // sequence 1027: 3 is 1,024 below it, 4 is 1,023 below
    assertFails(FailureReason.REPLAYED, () -> opener.open(e3, DEST));
    assertThat(new String(opener.open(e4, DEST).plaintext(), StandardCharsets.UTF_8)).isEqualTo("4");
    assertFails(FailureReason.REPLAYED, () -> opener.open(last, DEST));
  }

  @Test
  void aRejectedEventDoesNotMoveTheSession() throws Exception {
    TestParties p = TestParties.of(Suites.DEFAULT);
    Sealer sealer = p.sealer(DEST).build();
    Opener opener = p.opener().build();
    opener.open(sealer.sealBytes(utf8("0")), DEST);
    byte[] e1 = sealer.sealBytes(utf8("1"));
    byte[] forged = e1.clone();
    forged[forged.length - 1] ^= 1;

    assertFails(FailureReason.DECRYPTION_FAILED, () -> opener.open(forged, DEST));
    assertThat(opener.open(e1, DEST).plaintext()).isEqualTo(utf8("1"));
  }

  @Test
  void anUnknownRecipientKeyIdIsNamed() throws Exception {
    TestParties p = TestParties.of(Suites.DEFAULT);
    byte[] e0 = p.sealer(DEST).build().sealBytes(utf8("0"));
    Opener noKeys = Opener.builder(id -> Optional.empty(), id -> Optional.of(p.aliceSigningPublic)).build();

    assertThatThrownBy(() -> noKeys.open(e0, DEST))
        .isInstanceOfSatisfying(EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.UNKNOWN_KEY_ID))
        .hasMessageContaining(p.bobWrapping.keyId().value());
  }

  @Test
  void anUnknownOrRevokedSenderIsRefused() throws Exception {
    TestParties p = TestParties.of(Suites.DEFAULT);
    byte[] e0 = p.sealer(DEST).build().sealBytes(utf8("0"));
    Opener revoked = Opener.builder(id -> Optional.of(p.bobWrapping), id -> Optional.empty()).build();

    assertFails(FailureReason.UNKNOWN_KEY_ID, () -> revoked.open(e0, DEST));
  }

  @Test
  void aSenderWhoCannotSignAsTheClaimedKeyIsRefused() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    java.security.KeyPair mallory = p.suite.signature().generateKeyPair(new java.security.SecureRandom());
    PrivateKeyEntry impostor = new PrivateKeyEntry(p.aliceSigning.keyId(), p.suite.signature(), mallory.getPrivate());
    byte[] forged = Sealer.builder(p.suite, impostor, p.bobWrappingPublic, DEST).build().sealBytes(utf8("pay me"));

    assertFails(FailureReason.BAD_SIGNATURE, () -> p.opener().build().open(forged, DEST));
  }

  @Test
  void anEnvelopeMovedToAnotherDestinationIsRefused() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    Sealer sealer = p.sealer(DEST).build();
    byte[] e0 = sealer.sealBytes(utf8("0"));
    byte[] e1 = sealer.sealBytes(utf8("1"));
    Opener opener = p.opener().build();

    assertFails(FailureReason.BAD_SIGNATURE, () -> opener.open(e0, "subscriber.g1.es.queue.c2"));
    opener.open(e0, DEST);
    assertFails(FailureReason.WRONG_KEY, () -> opener.open(e1, "subscriber.g1.es.queue.c2"));
  }

  @Test
  void aWrongPrivateKeyUnderTheRightKeyIdIsRefused() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    byte[] e0 = p.sealer(DEST).build().sealBytes(utf8("0"));
    java.security.KeyPair other = p.suite.wrap().generateKeyPair(new java.security.SecureRandom());
    PrivateKeyEntry wrong = new PrivateKeyEntry(p.bobWrapping.keyId(), p.suite.wrap(), other.getPrivate());
    Opener opener = Opener.builder(id -> Optional.of(wrong), id -> Optional.of(p.aliceSigningPublic)).build();

    assertFails(FailureReason.WRONG_KEY, () -> opener.open(e0, DEST));
  }

  @Test
  void aForgottenSessionNeedsTheKeyBlockAgain() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    Sealer sealer = p.sealer(DEST).build();
    p.opener().build().open(sealer.sealBytes(utf8("0")), DEST);
    Opener restarted = p.opener().build();
    byte[] e1 = sealer.sealBytes(utf8("1"));

    assertFails(FailureReason.UNKNOWN_SESSION, () -> restarted.open(e1, DEST));
    sealer.resendKeyBlock();
    assertThat(restarted.open(sealer.sealBytes(utf8("2")), DEST).plaintext()).isEqualTo(utf8("2"));
  }

  @Test
  void sessionsRotateByCountAndByAge() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    Sealer sealer = p.sealer(DEST).policy(new SessionPolicy(3, Duration.ofHours(1))).clock(clock).build();
    Opener opener = p.opener().clock(clock).build();

    for (int i = 0; i < 7; i++) {
      opener.open(sealer.sealBytes(utf8("e" + i)), DEST);
    }
    assertThat(sealer.sessionsStarted()).as("7 events, 3 per session").isEqualTo(3);

    clock.now = clock.now.plus(Duration.ofMinutes(61));
    opener.open(sealer.sealBytes(utf8("late")), DEST);
    assertThat(sealer.sessionsStarted()).isEqualTo(4);
  }

  @Test
  void aKeyBlockOlderThanTheMaxAgeIsRefused() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    byte[] old = p.sealer(DEST).clock(clock).build().sealBytes(utf8("0"));
    clock.now = clock.now.plus(Duration.ofHours(25));

    assertFails(FailureReason.REPLAYED, () -> p.opener().clock(clock).build().open(old, DEST));
  }

  @Test
  void aKeyBlockDatedAheadOfTheAllowedClockSkewIsRefused() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    Instant now = Instant.parse("2026-11-25T00:00:00Z");
    MutableClock senderClock = new MutableClock(now.plus(Duration.ofMinutes(6)));
    byte[] ahead = p.sealer(DEST).clock(senderClock).build().sealBytes(utf8("0"));
    senderClock.now = now.plus(Duration.ofMinutes(4));
    byte[] slightlyAhead = p.sealer(DEST).clock(senderClock).build().sealBytes(utf8("1"));
    Opener opener = p.opener().clock(new MutableClock(now)).build();

    assertFails(FailureReason.REPLAYED, () -> opener.open(ahead, DEST));
    assertThat(opener.open(slightlyAhead, DEST).plaintext()).isEqualTo(utf8("1"));
  }

  @Test
  void aSessionPastItsAgeStopsOpeningEvenWhenTheOpenerKnowsIt() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    Instant start = Instant.parse("2026-11-25T00:00:00Z");
    MutableClock senderClock = new MutableClock(start); // a sender whose clock stands still keeps its session
    MutableClock clock = new MutableClock(start);
    Sealer sealer = p.sealer(DEST).clock(senderClock).build();
    Opener opener = p.opener().clock(clock).build();
    opener.open(sealer.sealBytes(utf8("0")), DEST);
    clock.now = start.plus(Duration.ofHours(24)).plus(Duration.ofMinutes(4));
    opener.open(sealer.sealBytes(utf8("1")), DEST); // within the skew

    clock.now = start.plus(Duration.ofHours(24)).plus(Duration.ofMinutes(6));
    byte[] late = sealer.sealBytes(utf8("2"));
    assertFails(FailureReason.REPLAYED, () -> opener.open(late, DEST));
    assertThat(sealer.sessionsStarted()).as("the sender never started another session").isEqualTo(1);
  }

  @Test
  void eventsPastTheSessionsEventLimitAreRefused() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    Sealer sealer = p.sealer(DEST).build(); // 10,000 a session, looser than this opener's 3
    Opener opener = p.opener().policy(new SessionPolicy(3, Duration.ofHours(24))).build();
    for (int i = 0; i < 3; i++) {
      opener.open(sealer.sealBytes(utf8("e" + i)), DEST);
    }
    byte[] fourth = sealer.sealBytes(utf8("e3"));

    assertFails(FailureReason.REPLAYED, () -> opener.open(fourth, DEST));
  }

  @Test
  void aKeyTheFinderKnowsAsAnotherPartysIsAWrongKey() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    byte[] e0 = p.sealer(DEST).build().sealBytes(utf8("0"));
    Opener otherConnection = Opener.builder(id -> {
      throw new EnvelopeException(FailureReason.WRONG_KEY, "key " + id + " belongs to another connection");
    }, id -> Optional.of(p.aliceSigningPublic)).build();
    Opener otherSigner = Opener.builder(id -> Optional.of(p.bobWrapping), id -> {
      throw new EnvelopeException(FailureReason.WRONG_KEY, "key " + id + " signs for another connection");
    }).build();

    assertFails(FailureReason.WRONG_KEY, () -> otherConnection.open(e0, DEST));
    assertFails(FailureReason.WRONG_KEY, () -> otherSigner.open(e0, DEST));
  }

  @Test
  void aKeyBlockBeingOpenedDoesNotHoldUpTheEventsOfAnOpenSession() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    java.util.concurrent.CountDownLatch inKeyWork = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean stall = new java.util.concurrent.atomic.AtomicBoolean();
    Opener opener = Opener.builder(id -> Optional.of(p.bobWrapping), id -> {
      if (stall.get()) { // a slow private-key operation (an RSA-4096 session opening)
        inKeyWork.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return Optional.of(p.aliceSigningPublic);
    }).build();
    Sealer open = p.sealer(DEST).build();
    opener.open(open.sealBytes(utf8("0")), DEST);
    byte[] next = open.sealBytes(utf8("1"));
    byte[] newSession = p.sealer(DEST).build().sealBytes(utf8("other"));
    stall.set(true);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.concurrent.Future<Opener.Opened> slow = pool.submit(() -> opener.open(newSession, DEST));
      assertThat(inKeyWork.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      java.util.concurrent.Future<Opener.Opened> quick = pool.submit(() -> opener.open(next, DEST));

      assertThat(quick.get(10, java.util.concurrent.TimeUnit.SECONDS).plaintext()).isEqualTo(utf8("1"));
      release.countDown();
      assertThat(slow.get(10, java.util.concurrent.TimeUnit.SECONDS).plaintext()).isEqualTo(utf8("other"));
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void policiesCannotBeLooserThanTheDefaults() {
    assertThatThrownBy(() -> new SessionPolicy(10_001, Duration.ofHours(1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SessionPolicy(10, Duration.ofHours(25))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSealerBuiltWithKeyIdsLoadsItsKeysOncePerSessionOnly() throws Exception {
    TestParties p = TestParties.of(Suites.DEFAULT);
    java.util.concurrent.atomic.AtomicInteger loads = new java.util.concurrent.atomic.AtomicInteger();
    Sealer sealer = Sealer.builder(p.suite, p.aliceSigning.keyId(), p.bobWrappingPublic.keyId(), new Sealer.KeyLoader() {
      @Override
      public PrivateKeyEntry sender(io.vettid.api.KeyId keyId) {
        loads.incrementAndGet();
        return p.aliceSigning;
      }

      @Override
      public io.vettid.crypto.PublicKeyEntry recipient(io.vettid.api.KeyId keyId) {
        loads.incrementAndGet();
        return p.bobWrappingPublic;
      }
    }, DEST).build();
    Opener opener = p.opener().build();

    for (int i = 0; i < 5; i++) {
      assertThat(opener.open(sealer.sealBytes(utf8("e" + i)), DEST).plaintext()).isEqualTo(utf8("e" + i));
    }
    assertThat(loads).as("both keys, for the one key block").hasValue(2);
    sealer.rotateSession();
    assertThat(opener.open(sealer.sealBytes(utf8("next")), DEST).plaintext()).isEqualTo(utf8("next"));
    assertThat(loads).hasValue(4);
  }

  @Test
  void aLoaderThatGivesAnotherKeyThanAskedSealsNothing() throws Exception {
    TestParties p = TestParties.of(Suites.MLKEM768_MLDSA65_V1);
    io.vettid.crypto.PublicKeyEntry other = io.vettid.crypto.PublicKeyEntry.of(p.suite.wrap(), // the same algorithm
        p.suite.wrap().generateKeyPair(new java.security.SecureRandom()).getPublic());
    Sealer sealer = Sealer.builder(p.suite, p.aliceSigning.keyId(), p.bobWrappingPublic.keyId(), new Sealer.KeyLoader() {
      @Override
      public PrivateKeyEntry sender(io.vettid.api.KeyId keyId) {
        return p.aliceSigning;
      }

      @Override
      public io.vettid.crypto.PublicKeyEntry recipient(io.vettid.api.KeyId keyId) {
        return other;
      }
    }, DEST).build();

    assertThatThrownBy(() -> sealer.sealBytes(utf8("x"))).isInstanceOf(java.security.GeneralSecurityException.class)
        .hasMessageContaining("nothing was sealed");
  }

  @Test
  void keyIdsMustMatchTheSuite() {
    TestParties rsa = TestParties.of(Suites.RSA4096_V1);
    TestParties pq = TestParties.of(Suites.MLKEM768_MLDSA65_V1);

    assertThatThrownBy(() -> Sealer.builder(Suites.RSA4096_V1, pq.aliceSigning.keyId(), rsa.bobWrappingPublic.keyId(),
        new Sealer.KeyLoader() {
          @Override
          public PrivateKeyEntry sender(io.vettid.api.KeyId keyId) {
            return pq.aliceSigning;
          }

          @Override
          public io.vettid.crypto.PublicKeyEntry recipient(io.vettid.api.KeyId keyId) {
            return rsa.bobWrappingPublic;
          }
        }, DEST)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("signs with RSA-4096");
  }

  @Test
  void keysMustMatchTheSuite() {
    TestParties rsa = TestParties.of(Suites.RSA4096_V1);
    TestParties pq = TestParties.of(Suites.MLKEM768_MLDSA65_V1);

    assertThatThrownBy(() -> Sealer.builder(Suites.RSA4096_V1, pq.aliceSigning, rsa.bobWrappingPublic, DEST))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("signs with RSA-4096");
  }

}
