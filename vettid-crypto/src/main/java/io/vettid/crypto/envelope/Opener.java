package io.vettid.crypto.envelope;

import io.vettid.api.FailureReason;
import io.vettid.api.KeyId;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.internal.Aead;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Opens envelopes sealed by {@link Sealer}s for <b>one party's keys</b> (in a vault: one
 * connection's): looks up the recipient key by keyID, verifies the sender's signature over the
 * session key's wrap, unwraps it, and then opens each event of the session with one AEAD
 * operation. Each sequence number of a session opens once: a repeated one is refused, and so is
 * one more than 1,024 below the highest accepted; one below the highest that was never accepted
 * opens (a deposit delivered again after a delivery was lost, out of order). A session is accepted for {@link SessionPolicy#maxAge()} (plus {@link #CLOCK_SKEW})
 * after the time its key block states and for {@link SessionPolicy#maxEvents()} events; a key
 * block dated more than {@link #CLOCK_SKEW} ahead is refused. A session ends when its recipient
 * key is no longer found (destroyed after rotation), even if the session itself has not expired.
 *
 * <p>The key finders decide which keys count: a finder that knows a key of <i>another</i> party
 * (another connection of the same vault) throws {@link FailureReason#WRONG_KEY} for it rather
 * than return it, so an envelope opens only with the keys of the party it arrived for.
 *
 * <p>Every failure is an {@link EnvelopeException} with the reason; nothing decrypted is returned
 * with it, and the session's state changes only after an event opened completely.
 *
 * <pre>{@code
 * Opener opener = Opener.builder(keyRing::privateKey, id -> Optional.ofNullable(signers.get(id))).build();
 * InternalEvent event = opener.openEvent(externalEvent, destination);
 * }</pre>
 *
 * <p>Thread-safe; the private-key work of a new session is done outside its lock, so one
 * session's key block does not hold up the events of sessions already open. It remembers up to
 * {@link Builder#maxSessions(int)} sessions (default 100,000), forgetting the least recently used;
 * an event of a forgotten session fails with {@link FailureReason#UNKNOWN_SESSION} until the
 * sender re-sends the key block.
 */
public final class Opener implements EnvelopeOpener {
  /**
   * How far a sender's clock may be ahead of this side's: a key block dated later is refused,
   * and a session is accepted this much past its age limit.
   */
  public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private final KeyFinder<PrivateKeyEntry> recipientKeys;
  private final KeyFinder<PublicKeyEntry> senderKeys;
  private final SessionPolicy policy;
  private final Clock clock;
  private final Map<String, Session> sessions;

  /**
   * Finds a key by keyID for this opener's party.
   *
   * @param <T> the key type
   */
  @FunctionalInterface
  public interface KeyFinder<T> {
    /**
     * Finds a key.
     *
     * @param keyId the keyID named in the envelope
     * @return the key, or empty when it is unknown (or destroyed, revoked or blocked)
     * @throws EnvelopeException with {@link FailureReason#WRONG_KEY} when the key is known but
     *     belongs to another party (another connection), which must not open or sign here
     */
    Optional<T> find(KeyId keyId) throws EnvelopeException;
  }

  private static final class Session {
    final Suite suite;
    final KeyId recipient;
    final KeyId sender;
    final byte[] destination;
    final byte[] key;
    final Instant created;
    final ReplayWindow accepted;

    Session(Suite suite, KeyId recipient, KeyId sender, byte[] destination, byte[] key, Instant created,
        long firstSequence) {
      this.suite = suite;
      this.recipient = recipient;
      this.sender = sender;
      this.destination = destination;
      this.key = key;
      this.created = created;
      this.accepted = new ReplayWindow(firstSequence);
    }
  }

  /**
   * What an envelope held.
   *
   * @param plaintext the opened bytes (normally Internal Event JSON)
   * @param sender the keyID of the sender's signing key
   * @param suite the suite it was sealed with
   * @param sequence its sequence number in the session
   */
  public record Opened(byte[] plaintext, KeyId sender, Suite suite, long sequence) {}

  private Opener(Builder b) {
    this.recipientKeys = b.recipientKeys;
    this.senderKeys = b.senderKeys;
    this.policy = b.policy;
    this.clock = b.clock;
    int max = b.maxSessions;
    this.sessions = new LinkedHashMap<>(1024, 0.75f, true) {
      @java.io.Serial private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Session> eldest) {
        boolean evict = size() > max;
        if (evict) {
          wipe(eldest.getValue().key);
        }
        return evict;
      }
    };
  }

  /**
   * Starts a builder.
   *
   * @param recipientKeys finds this party's private keys by keyID (empty: unknown or destroyed;
   *     {@link FailureReason#WRONG_KEY}: another party's)
   * @param senderKeys finds the sender's public signing key by keyID (empty: unknown, revoked or
   *     blocked; {@link FailureReason#WRONG_KEY}: another party's)
   * @return the builder
   */
  public static Builder builder(KeyFinder<PrivateKeyEntry> recipientKeys, KeyFinder<PublicKeyEntry> senderKeys) {
    return new Builder(recipientKeys, senderKeys);
  }

  /**
   * Checks that bytes parse as an envelope (PROTOCOL section 3.4, step 1) without opening them:
   * for a receiver that has no keys at all for the destination (a revoked connection), which still
   * tells a malformed envelope from a well-formed one.
   *
   * @param envelope the bytes
   * @throws EnvelopeException {@link FailureReason#MALFORMED} if they do not parse
   */
  public static void checkWellFormed(byte[] envelope) throws EnvelopeException {
    Objects.requireNonNull(envelope, "envelope");
    parse(envelope);
  }

  private static Envelope.Parsed parse(byte[] envelope) throws EnvelopeException {
    Envelope.Parsed p = Envelope.parse(envelope);
    Suites.byId(p.suiteId()).orElseThrow(() -> Envelope.malformed("unknown suite id " + p.suiteId()));
    if (!MessageDigest.isEqual(p.nonce(), Envelope.nonce(p.sequence()))) {
      throw Envelope.malformed("nonce does not match sequence " + p.sequence());
    }
    return p;
  }

  /**
   * Opens envelope bytes.
   *
   * @param envelope the bytes
   * @param destination the destination they were received at
   * @return what the envelope held
   * @throws EnvelopeException if the envelope does not open (the reason says why)
   */
  @Override
  public Opened open(byte[] envelope, String destination) throws EnvelopeException {
    Objects.requireNonNull(envelope, "envelope");
    byte[] dest = Sealer.checkDestination(destination);
    Envelope.Parsed p = parse(envelope);
    Suite suite = Suites.byId(p.suiteId()).orElseThrow();
    String sessionName = HexFormat.of().formatHex(p.sessionId());
    byte[] aad = Envelope.withDestination(new byte[0], envelope, p.aadEnd(), dest);
    Instant now = clock.instant();

    synchronized (this) {
      Session known = sessions.get(sessionName);
      if (known != null) {
        return openKnown(known, suite, p, dest, aad, sessionName, now);
      }
    }
    if (!p.keyBlock()) {
      throw new EnvelopeException(FailureReason.UNKNOWN_SESSION, "session " + sessionName + " from "
          + p.sender() + " is unknown here; the sender must re-send its key block");
    }
    checkSessionLimits(Instant.ofEpochMilli(p.createdMillis()), p.sequence(), now, sessionName);
    // the private-key work (signature check, unwrap) runs without the lock
    byte[] key = establish(suite, p, envelope, dest, sessionName);
    byte[] plaintext;
    try {
      plaintext = decrypt(key, p, aad, sessionName);
    } catch (EnvelopeException e) {
      wipe(key);
      throw e;
    }
    synchronized (this) {
      if (sessions.containsKey(sessionName)) {
        // the same key block opened twice at once: the first one stands
        wipe(key);
        throw new EnvelopeException(FailureReason.REPLAYED,
            "the key block of session " + sessionName + " was opened already");
      }
      sessions.put(sessionName, new Session(suite, p.recipient(), p.sender(), dest, key,
          Instant.ofEpochMilli(p.createdMillis()), p.sequence()));
    }
    return new Opened(plaintext, p.sender(), suite, p.sequence());
  }

  /** An envelope of a session this opener knows; called with the lock held. */
  private Opened openKnown(Session known, Suite suite, Envelope.Parsed p, byte[] dest, byte[] aad,
      String sessionName, Instant now) throws EnvelopeException {
    if (known.suite != suite || !known.recipient.equals(p.recipient()) || !known.sender.equals(p.sender())
        || !MessageDigest.isEqual(known.destination, dest)) {
      throw new EnvelopeException(FailureReason.WRONG_KEY,
          "session " + sessionName + " does not belong to these keys or this destination");
    }
    if (recipientKeys.find(known.recipient).isEmpty()) {
      sessions.remove(sessionName);
      wipe(known.key);
      throw new EnvelopeException(FailureReason.UNKNOWN_KEY_ID, "the key " + known.recipient
          + " of session " + sessionName + " was destroyed; its sessions end with it");
    }
    if (known.accepted.refuses(p.sequence())) {
      throw new EnvelopeException(FailureReason.REPLAYED, "sequence " + p.sequence() + " of session "
          + sessionName + " was accepted before or is more than " + ReplayWindow.SIZE
          + " below the highest accepted (" + known.accepted.highest() + ")");
    }
    checkSessionLimits(known.created, p.sequence(), now, sessionName);
    byte[] plaintext = decrypt(known.key, p, aad, sessionName);
    known.accepted.accept(p.sequence());
    return new Opened(plaintext, p.sender(), suite, p.sequence());
  }

  /**
   * A session is accepted from {@link #CLOCK_SKEW} before the time its key block states until its
   * age limit (plus the skew), and for its first {@link SessionPolicy#maxEvents()} sequence
   * numbers; a sender following the policy starts a new session before either.
   */
  private void checkSessionLimits(Instant created, long sequence, Instant now, String sessionName)
      throws EnvelopeException {
    if (created.isAfter(now.plus(CLOCK_SKEW))) {
      throw new EnvelopeException(FailureReason.REPLAYED, "session " + sessionName + " is dated " + created
          + ", more than " + CLOCK_SKEW.toMinutes() + " minutes ahead of this side's clock");
    }
    if (now.isAfter(created.plus(policy.maxAge()).plus(CLOCK_SKEW))) {
      throw new EnvelopeException(FailureReason.REPLAYED,
          "session " + sessionName + " was created at " + created + ", outside the accepted age " + policy.maxAge());
    }
    if (sequence >= policy.maxEvents()) {
      throw new EnvelopeException(FailureReason.REPLAYED, "sequence " + sequence + " of session " + sessionName
          + " is past the session's limit of " + policy.maxEvents() + " events");
    }
  }

  /** Forgets a session key here and in the AEAD's ciphers, then zeroes it. */
  private static void wipe(byte[] key) {
    Aead.forget(key);
    Arrays.fill(key, (byte) 0);
  }

  /** {@return how many sessions are remembered} */
  public synchronized int sessionCount() {
    return sessions.size();
  }

  private byte[] establish(Suite suite, Envelope.Parsed p, byte[] envelope, byte[] dest, String sessionName)
      throws EnvelopeException {
    PrivateKeyEntry mine = recipientKeys.find(p.recipient()).orElseThrow(() -> new EnvelopeException(
        FailureReason.UNKNOWN_KEY_ID, "no private key for recipient keyId " + p.recipient() + " (unknown or destroyed)"));
    if (!mine.keyId().equals(p.recipient()) || !mine.algorithm().name().equals(suite.wrap().name())) {
      throw new EnvelopeException(FailureReason.WRONG_KEY,
          "key " + p.recipient() + " is not a " + suite.wrap().name() + " key of suite " + suite.name());
    }
    PublicKeyEntry theirs = senderKeys.find(p.sender()).orElseThrow(() -> new EnvelopeException(
        FailureReason.UNKNOWN_KEY_ID, "sender keyId " + p.sender() + " is unknown, revoked or blocked"));
    if (!theirs.keyId().equals(p.sender()) || !theirs.algorithm().name().equals(suite.signature().name())) {
      throw new EnvelopeException(FailureReason.BAD_SIGNATURE,
          "sender key " + p.sender() + " is not a " + suite.signature().name() + " key of suite " + suite.name());
    }
    byte[] signed = Envelope.withDestination(Envelope.SIGN_LABEL, envelope, p.signedEnd(), dest);
    boolean valid;
    try {
      valid = suite.signature().verify(theirs.key(), signed, p.signature());
    } catch (GeneralSecurityException e) {
      valid = false;
    }
    if (!valid) {
      throw new EnvelopeException(FailureReason.BAD_SIGNATURE,
          "signature of " + p.sender() + " over session " + sessionName + " does not verify");
    }
    byte[] context = Envelope.wrapContext(suite.id(), p.recipient(), p.sender(), p.sessionId(), dest);
    try {
      byte[] key = suite.wrap().unwrapKey(mine.key(), p.wrappedKey(), context);
      if (key.length != Aead.KEY_BYTES) {
        Arrays.fill(key, (byte) 0);
        throw new GeneralSecurityException("wrong session key length");
      }
      return key;
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(FailureReason.WRONG_KEY,
          "the session key of " + sessionName + " does not unwrap with " + p.recipient());
    }
  }

  private static byte[] decrypt(byte[] key, Envelope.Parsed p, byte[] aad, String sessionName)
      throws EnvelopeException {
    byte[] padded;
    try {
      padded = Aead.open(key, p.nonce(), aad, p.ciphertext());
    } catch (GeneralSecurityException e) {
      throw new EnvelopeException(FailureReason.DECRYPTION_FAILED,
          "event " + p.sequence() + " of session " + sessionName + " failed authentication (altered, truncated or spliced)");
    }
    return Envelope.unpad(padded);
  }

  /** Builds an {@link Opener}. */
  public static final class Builder {
    private final KeyFinder<PrivateKeyEntry> recipientKeys;
    private final KeyFinder<PublicKeyEntry> senderKeys;
    private SessionPolicy policy = SessionPolicy.DEFAULT;
    private Clock clock = Clock.systemUTC();
    private int maxSessions = 100_000;

    private Builder(KeyFinder<PrivateKeyEntry> recipientKeys, KeyFinder<PublicKeyEntry> senderKeys) {
      this.recipientKeys = Objects.requireNonNull(recipientKeys, "recipientKeys");
      this.senderKeys = Objects.requireNonNull(senderKeys, "senderKeys");
    }

    /**
     * Sets the session policy: sessions are accepted for its max age and event count (default
     * {@link SessionPolicy#DEFAULT}, the loosest).
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder policy(SessionPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Sets the clock (for tests).
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets how many sessions are remembered (default 100,000).
     *
     * @param max at least 1
     * @return this builder
     */
    public Builder maxSessions(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxSessions must be at least 1");
      }
      this.maxSessions = max;
      return this;
    }

    /** {@return the opener} */
    public Opener build() {
      return new Opener(this);
    }
  }
}
