package io.vettid.crypto.keyring;

import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.FailureReason;
import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suites;
import io.vettid.crypto.envelope.EnvelopeException;
import io.vettid.crypto.envelope.Opener;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.crypto.pq.MlDsa65;
import io.vettid.crypto.pq.MlKem768;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import io.vettid.crypto.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeyRingTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String DEST = "subscriber.g1.es.queue.c1";
  private static final Providers<KeyAlgorithm> ALGORITHMS =
      Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build();
  private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();
  static final String PURPOSE = "connection/c1";
  private static final byte[] HOST_KEY = new byte[32];

  static {
    RANDOM.nextBytes(HOST_KEY);
  }

  private static KeyRing kemRing(MutableClock clock, RotationPolicy policy) throws GeneralSecurityException {
    return KeyRing.generate(new MlKem768(), policy, clock, RANDOM);
  }

  @Test
  void rotateMakesANewPrimaryAndKeepsTheOldOneForOpeningOnly() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    KeyRing ring = kemRing(clock, new RotationPolicy(Duration.ofDays(30), 1000, Duration.ofDays(7)));
    KeyId first = ring.primaryPublic().keyId();

    KeyId second = ring.rotate();

    assertThat(second).isNotEqualTo(first);
    assertThat(ring.primaryPublic().keyId()).isEqualTo(second);
    assertThat(ring.usePrimary().keyId()).isEqualTo(second);
    assertThat(ring.versions()).extracting(KeyRing.Version::state)
        .containsExactly(KeyRing.State.GRACE, KeyRing.State.PRIMARY);
    assertThat(ring.privateKey(first)).isPresent();
  }

  @Test
  void anEventSealedToThePreviousKeyOpensDuringGraceAndIsRejectedAfter() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    KeyRing bob = kemRing(clock, new RotationPolicy(Duration.ofDays(30), 1000, Duration.ofHours(1)));
    MlDsa65 dsa = new MlDsa65();
    KeyPair alice = dsa.generateKeyPair(RANDOM);
    PublicKeyEntry aliceKey = PublicKeyEntry.of(dsa, alice.getPublic());
    PrivateKeyEntry aliceSigning = new PrivateKeyEntry(aliceKey.keyId(), dsa, alice.getPrivate());
    Sealer toOldKey = Sealer.builder(Suites.MLKEM768_MLDSA65_V1, aliceSigning, bob.primaryPublic(), DEST)
        .clock(clock).build();
    byte[] inFlight = toOldKey.sealBytes("in flight".getBytes(StandardCharsets.UTF_8));
    byte[] sameSessionLater = toOldKey.sealBytes("same session".getBytes(StandardCharsets.UTF_8));
    PublicKeyEntry oldKey = bob.primaryPublic();

    bob.rotate();
    clock.advance(Duration.ofMinutes(59));
    Opener opener = Opener.builder(bob::privateKey, id -> Optional.of(aliceKey)).clock(clock).build();
    assertThat(opener.open(inFlight, DEST).plaintext()).isEqualTo("in flight".getBytes(StandardCharsets.UTF_8));

    clock.advance(Duration.ofMinutes(2));
    byte[] newSessionToOldKey = Sealer.builder(Suites.MLKEM768_MLDSA65_V1, aliceSigning, oldKey, DEST)
        .clock(clock).build().sealBytes("late".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> opener.open(newSessionToOldKey, DEST))
        .isInstanceOfSatisfying(EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.UNKNOWN_KEY_ID));
    assertThatThrownBy(() -> opener.open(sameSessionLater, DEST))
        .as("a session ends with its key")
        .isInstanceOfSatisfying(EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.UNKNOWN_KEY_ID));
    assertThat(opener.sessionCount()).isZero();
    assertThat(bob.destroyedCount()).isEqualTo(1);
    assertThat(bob.versions()).hasSize(1);
  }

  @Test
  void aRingMadeFromAGivenPairHasItAsItsOnlyPrimary() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    MlKem768 kem = new MlKem768();
    KeyPair pair = kem.generateKeyPair(RANDOM);

    KeyRing ring = KeyRing.of(kem, pair, RotationPolicy.DEFAULT, clock, RANDOM);

    assertThat(ring.primaryPublic().keyId()).isEqualTo(kem.keyId(pair.getPublic()));
    assertThat(ring.versions()).singleElement().satisfies(v -> {
      assertThat(v.state()).isEqualTo(KeyRing.State.PRIMARY);
      assertThat(v.created()).isEqualTo(clock.instant());
    });
    assertThatThrownBy(() -> KeyRing.of(kem, null, RotationPolicy.DEFAULT, clock, RANDOM))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void anUndoneRotationDestroysTheNewKeyAndMakesThePreviousPrimaryWithoutEnd() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    KeyRing ring = kemRing(clock, new RotationPolicy(Duration.ofDays(30), 1000, Duration.ofHours(1)));
    KeyId first = ring.primaryPublic().keyId();
    KeyId second = ring.rotate();

    assertThat(ring.undoRotation(first)).as("not the primary").isFalse();
    assertThat(ring.undoRotation(second)).isTrue();

    assertThat(ring.primaryPublic().keyId()).isEqualTo(first);
    assertThat(ring.privateKey(second)).as("the undone key is destroyed").isEmpty();
    assertThat(ring.destroyedCount()).isEqualTo(1);
    clock.advance(Duration.ofDays(2));
    assertThat(ring.privateKey(first)).as("primary again, so its grace is gone").isPresent();
    assertThat(ring.undoRotation(first)).as("no key in grace to go back to").isFalse();

    KeyId third = ring.rotate();
    KeyId fourth = ring.rotate();
    assertThat(ring.undoRotation(third)).as("another rotation followed").isFalse();
    assertThat(ring.undoRotation(fourth)).isTrue();
    assertThat(ring.primaryPublic().keyId()).as("the newest replaced key comes back").isEqualTo(third);
  }

  @Test
  void endingGraceEarlyShortensItAndNeverLengthensIt() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    KeyRing ring = kemRing(clock, new RotationPolicy(Duration.ofDays(30), 1000, Duration.ofDays(30)));
    KeyId first = ring.primaryPublic().keyId();
    KeyId second = ring.rotate();

    ring.endGraceWithin(Duration.ofMinutes(10));
    ring.endGraceWithin(Duration.ofDays(5));
    clock.advance(Duration.ofMinutes(9));
    assertThat(ring.destroyExpired()).isZero();
    assertThat(ring.privateKey(first)).isPresent();

    clock.advance(Duration.ofMinutes(1));
    assertThat(ring.destroyExpired()).isEqualTo(1);
    assertThat(ring.privateKey(first)).isEmpty();
    assertThat(ring.privateKey(second)).as("the primary has no grace to end").isPresent();
    assertThatThrownBy(() -> ring.endGraceWithin(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void maintainRotatesByAgeAndByUse() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    KeyRing ring = kemRing(clock, new RotationPolicy(Duration.ofDays(1), 3, Duration.ZERO));

    assertThat(ring.maintain()).isFalse();
    ring.usePrimary();
    ring.usePrimary();
    ring.usePrimary();
    assertThat(ring.maintain()).as("3 uses reach maxUses").isTrue();

    clock.advance(Duration.ofHours(23));
    assertThat(ring.maintain()).isFalse();
    clock.advance(Duration.ofHours(1));
    assertThat(ring.maintain()).as("a day old").isTrue();
    assertThat(ring.versions()).as("zero grace: replaced keys are destroyed").hasSize(1);
  }

  @Test
  void theSchedulerRotatesWithoutBeingAsked() throws Exception {
    KeyRing ring = KeyRing.generate(new MlKem768(), new RotationPolicy(Duration.ofDays(1), 1, Duration.ofDays(1)),
        Clock.systemUTC(), RANDOM);
    KeyId before = ring.primaryPublic().keyId();
    ring.usePrimary();

    try (RotationScheduler scheduler = RotationScheduler.start(List.of(ring), Duration.ofMillis(20))) {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (scheduler.rotations() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(scheduler.rotations()).isPositive();
      assertThat(scheduler.failures()).isZero();
    }
    assertThat(ring.primaryPublic().keyId()).isNotEqualTo(before);
    assertThat(ring.privateKey(before)).as("still in grace").isPresent();
  }

  @Test
  void aPassphraseSealedRingOpensWithTheSameKeysAndStates() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    KeyRing ring = kemRing(clock, RotationPolicy.DEFAULT);
    KeyId old = ring.primaryPublic().keyId();
    ring.usePrimary();
    ring.rotate();

    byte[] sealed = SealedKeyRing.seal(ring, PURPOSE, PASSPHRASE);
    KeyRing again = SealedKeyRing.open(sealed, PURPOSE, PASSPHRASE, ALGORITHMS, RotationPolicy.DEFAULT, clock, RANDOM);

    assertThat(again.versions()).isEqualTo(ring.versions());
    assertThat(again.privateKey(old).orElseThrow().key().getEncoded())
        .isEqualTo(ring.privateKey(old).orElseThrow().key().getEncoded());
    assertThatThrownBy(() -> SealedKeyRing.open(sealed, PURPOSE, "wrong passphrase!".toCharArray(), ALGORITHMS,
            RotationPolicy.DEFAULT, clock, RANDOM))
        .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("does not open");
  }

  /** Low item of the review: the sealed ring's AAD named no purpose, so one ring's file opened as another's. */
  /**
   * Sealing used to wipe the array a private key's getEncoded returned; Bouncy Castle's decoded
   * ML-KEM keys return their own array, so sealing an opened ring again broke its keys ("not an
   * ML-KEM-768 private key"): a restarted vault's connections could not open anything after their
   * first save.
   */
  @Test
  void aRingOpenedFromItsSealStillOpensAfterItIsSealedAgain() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T00:00:00Z"));
    MlKem768 kem = new MlKem768();
    KeyRing ring = kemRing(clock, RotationPolicy.DEFAULT);
    KeyRing opened = SealedKeyRing.open(SealedKeyRing.seal(ring, PURPOSE, HOST_KEY), PURPOSE, HOST_KEY, ALGORITHMS,
        RotationPolicy.DEFAULT, clock, RANDOM);
    byte[] context = "ctx".getBytes(StandardCharsets.US_ASCII);
    byte[] wrapped = kem.wrapKey(ring.primaryPublic().key(), new byte[32], context, RANDOM);

    byte[] resealed = SealedKeyRing.seal(opened, PURPOSE, HOST_KEY);

    assertThat(kem.unwrapKey(opened.usePrimary().key(), wrapped, context)).isEqualTo(new byte[32]);
    KeyRing again = SealedKeyRing.open(resealed, PURPOSE, HOST_KEY, ALGORITHMS, RotationPolicy.DEFAULT, clock, RANDOM);
    assertThat(kem.unwrapKey(again.usePrimary().key(), wrapped, context)).isEqualTo(new byte[32]);
  }

  @Test
  void aRingResealedUnderANewHostKeyOpensOnlyUnderIt() throws Exception {
    byte[] sealed = hostSealedKemRing();
    byte[] newKey = new byte[32];
    RANDOM.nextBytes(newKey);
    KeyRing before = SealedKeyRing.open(sealed, PURPOSE, HOST_KEY, ALGORITHMS, RotationPolicy.DEFAULT,
        Clock.systemUTC(), RANDOM);

    byte[] resealed = SealedKeyRing.reseal(sealed, PURPOSE, HOST_KEY, newKey);

    KeyRing after = SealedKeyRing.open(resealed, PURPOSE, newKey, ALGORITHMS, RotationPolicy.DEFAULT, Clock.systemUTC(),
        RANDOM);
    assertThat(after.versions()).isEqualTo(before.versions());
    assertThatThrownBy(() -> SealedKeyRing.open(resealed, PURPOSE, HOST_KEY, ALGORITHMS, RotationPolicy.DEFAULT,
        Clock.systemUTC(), RANDOM)).isInstanceOf(GeneralSecurityException.class);
    // the old key, another purpose or an altered byte: refused, nothing written
    assertThatThrownBy(() -> SealedKeyRing.reseal(resealed, PURPOSE, HOST_KEY, newKey))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> SealedKeyRing.reseal(sealed, "connection/c2", HOST_KEY, newKey))
        .isInstanceOf(GeneralSecurityException.class);
    byte[] altered = sealed.clone();
    altered[altered.length - 1] ^= 1;
    assertThatThrownBy(() -> SealedKeyRing.reseal(altered, PURPOSE, HOST_KEY, newKey))
        .isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void aRingSealedForOnePurposeDoesNotOpenAsAnother() throws Exception {
    byte[] sealed = hostSealedKemRing();

    assertThatThrownBy(() -> SealedKeyRing.open(sealed, "connection/c2", HOST_KEY, ALGORITHMS, RotationPolicy.DEFAULT,
        Clock.systemUTC(), RANDOM)).isInstanceOf(GeneralSecurityException.class).hasMessageContaining("does not open");
    assertThat(SealedKeyRing.open(sealed, PURPOSE, HOST_KEY, ALGORITHMS, RotationPolicy.DEFAULT, Clock.systemUTC(),
        RANDOM).versions()).hasSize(2);
    assertThatThrownBy(() -> SealedKeyRing.seal(KeyRing.generate(new MlKem768(), RotationPolicy.DEFAULT,
        Clock.systemUTC(), RANDOM), "no spaces", HOST_KEY)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theDefaultRsaRingSealsUnderAHostKey() throws Exception {
    KeyRing ring = KeyRing.generate(Suites.DEFAULT.wrap(), RotationPolicy.DEFAULT, Clock.systemUTC(), RANDOM);

    byte[] sealed = SealedKeyRing.seal(ring, PURPOSE, HOST_KEY);
    KeyRing again = SealedKeyRing.open(sealed, PURPOSE, HOST_KEY, ALGORITHMS, RotationPolicy.DEFAULT, Clock.systemUTC(), RANDOM);

    assertThat(again.primaryPublic().keyId()).isEqualTo(ring.primaryPublic().keyId());
    assertThat(again.algorithm().name()).isEqualTo("RSA-4096");
    byte[] otherKey = HOST_KEY.clone();
    otherKey[0] ^= 1;
    assertThatThrownBy(() -> SealedKeyRing.open(sealed, PURPOSE, otherKey, ALGORITHMS, RotationPolicy.DEFAULT,
            Clock.systemUTC(), RANDOM)).isInstanceOf(GeneralSecurityException.class);
  }

  private static byte[] hostSealedKemRing;

  private static synchronized byte[] hostSealedKemRing() throws GeneralSecurityException {
    if (hostSealedKemRing == null) {
      KeyRing ring = KeyRing.generate(new MlKem768(), RotationPolicy.DEFAULT, Clock.systemUTC(), RANDOM);
      ring.rotate();
      hostSealedKemRing = SealedKeyRing.seal(ring, PURPOSE, HOST_KEY);
    }
    return hostSealedKemRing;
  }

  @Test
  void anyAlteredByteOfASealedRingIsDetected() {
    tries(2000).forAll(ints(0, 1 << 20), ints(1, 255)).checkAssert(this::anyAlteredByteOfASealedRingIsDetectedCheck);
  }

  private void anyAlteredByteOfASealedRingIsDetectedCheck(int position, int xor) throws Exception {
    byte[] sealed = hostSealedKemRing().clone();
    sealed[position % sealed.length] ^= (byte) xor;

    assertThatThrownBy(() -> SealedKeyRing.open(sealed, PURPOSE, HOST_KEY, ALGORITHMS, RotationPolicy.DEFAULT,
            Clock.systemUTC(), RANDOM)).isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> SealedKeyRing.reseal(sealed, PURPOSE, HOST_KEY, NEW_HOST_KEY))
        .as("nor is it sealed again under another key").isInstanceOf(GeneralSecurityException.class);
  }

  private static final byte[] NEW_HOST_KEY = new byte[32];

  static {
    NEW_HOST_KEY[0] = 1;
  }

  @Test
  void truncatedOrExtendedSealedRingsAreDetected() {
    tries(200).forAll(ints(0, 1 << 20)).checkAssert(this::truncatedOrExtendedSealedRingsAreDetectedCheck);
  }

  private void truncatedOrExtendedSealedRingsAreDetectedCheck(int cut) throws Exception {
    byte[] sealed = hostSealedKemRing();
    byte[] truncated = java.util.Arrays.copyOf(sealed, cut % sealed.length);
    byte[] extended = java.util.Arrays.copyOf(sealed, sealed.length + 1 + cut % 64);

    assertThatThrownBy(() -> SealedKeyRing.open(truncated, PURPOSE, HOST_KEY, ALGORITHMS, RotationPolicy.DEFAULT,
            Clock.systemUTC(), RANDOM)).isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> SealedKeyRing.open(extended, PURPOSE, HOST_KEY, ALGORITHMS, RotationPolicy.DEFAULT,
            Clock.systemUTC(), RANDOM)).isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> SealedKeyRing.reseal(truncated, PURPOSE, HOST_KEY, NEW_HOST_KEY))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> SealedKeyRing.reseal(extended, PURPOSE, HOST_KEY, NEW_HOST_KEY))
        .isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void aTamperedPassphraseRingIsDetected() throws Exception {
    KeyRing ring = kemRing(new MutableClock(Instant.parse("2026-11-25T00:00:00Z")), RotationPolicy.DEFAULT);
    byte[] sealed = SealedKeyRing.seal(ring, PURPOSE, PASSPHRASE, SealedKeyRing.MIN_LOG_N);
    for (int at : new int[] {5, 10, sealed.length / 2, sealed.length - 1}) {
      byte[] altered = sealed.clone();
      altered[at] ^= 1;
      assertThatThrownBy(() -> SealedKeyRing.open(altered, PURPOSE, PASSPHRASE, ALGORITHMS, RotationPolicy.DEFAULT,
              Clock.systemUTC(), RANDOM)).as("byte %d", at).isInstanceOf(GeneralSecurityException.class);
    }
  }

  @Test
  void weakSettingsAreRefused() throws Exception {
    KeyRing ring = kemRing(new MutableClock(Instant.parse("2026-11-25T00:00:00Z")), RotationPolicy.DEFAULT);

    assertThatThrownBy(() -> SealedKeyRing.seal(ring, PURPOSE, "short".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8 characters");
    assertThatThrownBy(() -> SealedKeyRing.seal(ring, PURPOSE, PASSPHRASE, 10))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scrypt");
    assertThatThrownBy(() -> SealedKeyRing.seal(ring, PURPOSE, new byte[16]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
    assertThat(ring.toString()).doesNotContain("PRIVATE");
  }
}
