package io.vettid.crypto.keyring;

import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.DestroyFailedException;
import javax.security.auth.Destroyable;

/**
 * Versioned key pairs of one algorithm with exactly one primary, as Tink's keysets. The primary
 * seals and signs; after {@link #rotate()} the old primary only opens, for the policy's grace
 * period, and is then destroyed. {@link #maintain()} rotates when the primary is too old or too
 * used and destroys keys whose grace is over; {@link RotationScheduler} calls it on a schedule.
 *
 * <pre>{@code
 * KeyRing ring = KeyRing.generate(new Rsa4096(), RotationPolicy.DEFAULT, Clock.systemUTC(), new SecureRandom());
 * PrivateKeyEntry signing = ring.usePrimary();                    // counts a use
 * Optional<PrivateKeyEntry> opener = ring.privateKey(envelopeKeyId); // primary or in grace
 * byte[] atRest = SealedKeyRing.seal(ring, "identity", passphrase); // never store a ring unsealed
 * }</pre>
 *
 * <p>Thread-safe. Destruction drops the key and calls {@link Destroyable#destroy()} where the key
 * supports it (the JDK's RSA keys do not; Java offers no way to wipe their memory).
 */
public final class KeyRing {
  /** A key's place in the ring. */
  public enum State {
    /** Seals, signs and opens. */
    PRIMARY,
    /** Only opens, until its grace ends. */
    GRACE
  }

  /**
   * One version of the ring's key (public view; no private key).
   *
   * @param version 1, 2, 3, … in creation order
   * @param keyId the keyID
   * @param state primary or in grace
   * @param created when the key was made
   * @param graceUntil when a key in grace is destroyed (null for the primary)
   * @param uses how often the key was used as primary
   */
  public record Version(int version, KeyId keyId, State state, Instant created, Instant graceUntil, long uses) {}

  static final class Slot {
    final int version;
    final KeyPair pair;
    final KeyId keyId;
    final Instant created;
    State state;
    Instant graceUntil;
    long uses;

    Slot(int version, KeyPair pair, KeyId keyId, Instant created, State state, Instant graceUntil, long uses) {
      this.version = version;
      this.pair = pair;
      this.keyId = keyId;
      this.created = created;
      this.state = state;
      this.graceUntil = graceUntil;
      this.uses = uses;
    }
  }

  private final KeyAlgorithm algorithm;
  private final RotationPolicy policy;
  private final Clock clock;
  private final SecureRandom random;
  private final List<Slot> slots = new ArrayList<>();
  private int nextVersion;
  private long destroyed;

  KeyRing(KeyAlgorithm algorithm, RotationPolicy policy, Clock clock, SecureRandom random,
      List<Slot> restored, int nextVersion) {
    this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.slots.addAll(restored);
    this.nextVersion = nextVersion;
  }

  /**
   * Creates a ring with one freshly generated primary key.
   *
   * @param algorithm the algorithm of every key in the ring
   * @param policy when to rotate
   * @param clock the clock (inject one in tests)
   * @param random the randomness source
   * @return the ring
   * @throws GeneralSecurityException if key generation fails
   */
  public static KeyRing generate(KeyAlgorithm algorithm, RotationPolicy policy, Clock clock, SecureRandom random)
      throws GeneralSecurityException {
    KeyRing ring = new KeyRing(algorithm, policy, clock, random, List.of(), 1);
    ring.rotate();
    return ring;
  }

  /**
   * Creates a ring whose primary is a given key pair (one made elsewhere, such as in a handshake or
   * taken from a key pool).
   *
   * @param algorithm the algorithm of every key in the ring
   * @param primary a key pair of that algorithm
   * @param policy when to rotate
   * @param clock the clock (inject one in tests)
   * @param random the randomness source
   * @return the ring
   */
  public static KeyRing of(KeyAlgorithm algorithm, KeyPair primary, RotationPolicy policy, Clock clock,
      SecureRandom random) {
    KeyRing ring = new KeyRing(algorithm, policy, clock, random, List.of(), 1);
    ring.install(primary);
    return ring;
  }

  /** {@return the algorithm of the ring's keys} */
  public KeyAlgorithm algorithm() {
    return algorithm;
  }

  /** {@return the rotation policy} */
  public RotationPolicy policy() {
    return policy;
  }

  /**
   * Makes a new primary at once; the old primary enters its grace period.
   *
   * @return the new primary's keyID
   * @throws GeneralSecurityException if key generation fails (the ring is unchanged)
   */
  public KeyId rotate() throws GeneralSecurityException {
    KeyPair pair = algorithm.generateKeyPair(random);
    return install(pair);
  }

  /**
   * Makes a given key pair the new primary (for example one taken from a key pool); the old
   * primary enters its grace period.
   *
   * @param pair a key pair of the ring's algorithm
   * @return its keyID
   */
  public synchronized KeyId install(KeyPair pair) {
    Objects.requireNonNull(pair, "pair");
    Instant now = clock.instant();
    for (Slot s : slots) {
      if (s.state == State.PRIMARY) {
        s.state = State.GRACE;
        s.graceUntil = now.plus(policy.grace());
      }
    }
    KeyId id = algorithm.keyId(pair.getPublic());
    slots.add(new Slot(nextVersion++, pair, id, now, State.PRIMARY, null, 0));
    destroyExpiredAt(now);
    return id;
  }

  /**
   * Undoes the rotation that made {@code rotatedTo} the primary, for a rotation that could not be
   * announced: that key is destroyed and the newest key in grace is primary again, with no end.
   * Nothing changes when {@code rotatedTo} is no longer the primary (another rotation followed) or
   * no key is in grace.
   *
   * @param rotatedTo the keyID {@link #rotate()} or {@link #install} returned
   * @return whether the rotation was undone
   */
  public synchronized boolean undoRotation(KeyId rotatedTo) {
    Objects.requireNonNull(rotatedTo, "rotatedTo");
    destroyExpiredAt(clock.instant());
    Slot primary = primarySlot();
    Slot previous = null;
    for (Slot s : slots) {
      if (s.state == State.GRACE && (previous == null || s.version > previous.version)) {
        previous = s;
      }
    }
    if (!primary.keyId.equals(rotatedTo) || previous == null) {
      return false;
    }
    slots.remove(primary);
    destroy(primary);
    previous.state = State.PRIMARY;
    previous.graceUntil = null;
    return true;
  }

  /**
   * Shortens the grace of every replaced key to at most {@code within} from now (an end already
   * sooner is kept): for a rotation the other side acknowledged, after which the replaced keys are
   * needed only for events still in flight.
   *
   * @param within the longest any replaced key may still open, zero to end it now
   */
  public synchronized void endGraceWithin(Duration within) {
    Objects.requireNonNull(within, "within");
    if (within.isNegative()) {
      throw new IllegalArgumentException("within must not be negative");
    }
    Instant at = clock.instant().plus(within);
    for (Slot s : slots) {
      if (s.state == State.GRACE && s.graceUntil.isAfter(at)) {
        s.graceUntil = at;
      }
    }
  }

  /**
   * Destroys the keys whose grace is over now (lookups do so too, so a key past its grace never
   * opens even without this call).
   *
   * @return how many this call destroyed
   */
  public synchronized int destroyExpired() {
    long before = destroyed;
    destroyExpiredAt(clock.instant());
    return (int) (destroyed - before);
  }

  /**
   * The primary key for sealing or signing; counts one use.
   *
   * @return the primary private key
   */
  public synchronized PrivateKeyEntry usePrimary() {
    Slot p = primarySlot();
    p.uses++;
    return new PrivateKeyEntry(p.keyId, algorithm, p.pair.getPrivate());
  }

  /** {@return the primary's public key, to publish} */
  public synchronized PublicKeyEntry primaryPublic() {
    Slot p = primarySlot();
    return new PublicKeyEntry(p.keyId, algorithm, p.pair.getPublic());
  }

  /**
   * A private key that may open: the primary, or a key still in its grace period.
   *
   * @param keyId the keyID an envelope names
   * @return the key, or empty if unknown, destroyed or past its grace
   */
  public synchronized Optional<PrivateKeyEntry> privateKey(KeyId keyId) {
    Objects.requireNonNull(keyId, "keyId");
    destroyExpiredAt(clock.instant());
    for (Slot s : slots) {
      if (s.keyId.equals(keyId)) {
        return Optional.of(new PrivateKeyEntry(s.keyId, algorithm, s.pair.getPrivate()));
      }
    }
    return Optional.empty();
  }

  /**
   * Rotates if the primary is older than the policy's max age or used more than its max uses, and
   * destroys keys whose grace is over.
   *
   * @return whether it rotated
   * @throws GeneralSecurityException if key generation fails
   */
  public boolean maintain() throws GeneralSecurityException {
    boolean due;
    synchronized (this) {
      Instant now = clock.instant();
      destroyExpiredAt(now);
      Slot p = primarySlot();
      due = !now.isBefore(p.created.plus(policy.maxAge())) || p.uses >= policy.maxUses();
    }
    if (due) {
      rotate();
    }
    return due;
  }

  /** {@return the versions, oldest first (no private keys)} */
  public synchronized List<Version> versions() {
    List<Version> out = new ArrayList<>();
    for (Slot s : slots) {
      out.add(new Version(s.version, s.keyId, s.state, s.created, s.graceUntil, s.uses));
    }
    return out;
  }

  /** {@return how many keys this ring has destroyed since it was created or loaded} */
  public synchronized long destroyedCount() {
    return destroyed;
  }

  synchronized List<Slot> slots() {
    return List.copyOf(slots);
  }

  synchronized int nextVersion() {
    return nextVersion;
  }

  private Slot primarySlot() {
    for (Slot s : slots) {
      if (s.state == State.PRIMARY) {
        return s;
      }
    }
    throw new IllegalStateException("key ring has no primary");
  }

  private void destroyExpiredAt(Instant now) {
    slots.removeIf(s -> {
      boolean expired = s.state == State.GRACE && !now.isBefore(s.graceUntil);
      if (expired) {
        destroy(s);
      }
      return expired;
    });
  }

  private void destroy(Slot s) {
    destroyed++;
    Destroyable key = s.pair.getPrivate();
    if (!key.isDestroyed()) {
      try {
        key.destroy();
      } catch (DestroyFailedException e) {
        // the key type cannot wipe itself; it is dropped all the same
      }
    }
  }

  @Override
  public synchronized String toString() {
    return "KeyRing[" + algorithm.name() + ", versions=" + slots.size() + ", primary=" + primarySlot().keyId + "]";
  }
}
