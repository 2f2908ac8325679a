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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
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
  /** Sessions ended here (evicted, or their key destroyed): id to created; their key blocks are refused. */
  private final Map<String, Instant> retired = new LinkedHashMap<>();
  /** When the latest session openings of this opener began, for the cap. */
  private final java.util.ArrayDeque<Instant> openings = new java.util.ArrayDeque<>();
  private final int maxOpenings;
  private final Duration openingsPer;
  /** Counts changes to what {@link #snapshot} returns. */
  private long version;

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

    /**
     * Whether the key is still held (not destroyed): asked for every envelope of a known session,
     * which ends when its key is gone. The default finds the key; a finder whose keys are kept
     * elsewhere (sealed at rest) answers from the keyIDs it knows, without loading the key.
     *
     * @param keyId the keyID of a known session's recipient key
     * @return whether {@link #find} would find it
     * @throws EnvelopeException as {@link #find}
     */
    default boolean holds(KeyId keyId) throws EnvelopeException {
      return find(keyId).isPresent();
    }
  }

  private static final class Session {
    final byte[] id;
    final Suite suite;
    final KeyId recipient;
    final KeyId sender;
    final byte[] destination;
    final byte[] key;
    final Instant created;
    final ReplayWindow accepted;
    /** Sequences accepted and not yet released, with the delivery that carried each. */
    final Map<Long, Long> redeliverable = new HashMap<>();

    Session(byte[] id, Suite suite, KeyId recipient, KeyId sender, byte[] destination, byte[] key, Instant created,
        ReplayWindow accepted) {
      this.id = id;
      this.suite = suite;
      this.recipient = recipient;
      this.sender = sender;
      this.destination = destination;
      this.key = key;
      this.created = created;
      this.accepted = accepted;
    }

    /** Records an accepted sequence and the delivery that carried it (0: none given). */
    void accepted(long sequence, long delivery) {
      accepted.accept(sequence);
      if (delivery > 0) {
        redeliverable.put(sequence, delivery);
      }
    }

    /** {@return true if this delivery carried this sequence when it was accepted} */
    boolean carried(long sequence, long delivery) {
      Long d = delivery > 0 ? redeliverable.get(sequence) : null;
      return d != null && d == delivery;
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
    this.maxOpenings = b.maxOpenings;
    this.openingsPer = b.openingsPer;
    int max = b.maxSessions;
    this.sessions = new LinkedHashMap<>(16, 0.75f, true) { // grows as needed: one connection has one or two sessions
      @java.io.Serial private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Session> eldest) {
        boolean evict = size() > max;
        if (evict) {
          retire(eldest.getKey(), eldest.getValue());
        }
        return evict;
      }
    };
  }

  /** Takes the sessions a previous opener kept (at build, before any open). */
  private synchronized void restoreFrom(SessionStates.Openings state) {
    for (SessionStates.Retired r : state.retired()) {
      retired.put(HexFormat.of().formatHex(r.sessionId()), r.created());
    }
    for (SessionStates.Opening o : state.sessions()) {
      Suite suite = Suites.byId(o.suiteId()).orElseThrow();
      Session s = new Session(o.sessionId(), suite, o.recipient(), o.sender(), o.destination(), o.key(), o.created(),
          new ReplayWindow(o.highest(), o.window()));
      s.redeliverable.putAll(o.redeliverable());
      sessions.put(HexFormat.of().formatHex(o.sessionId()), s);
    }
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
    return open(envelope, destination, 0);
  }

  /**
   * Opens envelope bytes that a numbered delivery carried (such as a deposit's stream sequence).
   * The same delivery may open again, until {@link #release released}, even though its sequence
   * was accepted: a deposit redelivered after a crash between its acceptance and its
   * acknowledgement. Any other delivery of an accepted sequence is {@link FailureReason#REPLAYED}.
   *
   * @param envelope the bytes
   * @param destination the destination they were received at
   * @param delivery the delivery's number, at least 1 (0: none, as {@link #open(byte[], String)})
   * @return what the envelope held
   * @throws EnvelopeException if the envelope does not open (the reason says why)
   */
  @Override
  public Opened open(byte[] envelope, String destination, long delivery) throws EnvelopeException {
    Objects.requireNonNull(envelope, "envelope");
    if (delivery < 0) {
      throw new IllegalArgumentException("delivery must not be negative");
    }
    byte[] dest = Sealer.checkDestination(destination);
    Envelope.Parsed p = parse(envelope);
    Suite suite = Suites.byId(p.suiteId()).orElseThrow();
    String sessionName = HexFormat.of().formatHex(p.sessionId());
    byte[] aad = Envelope.withDestination(new byte[0], envelope, p.aadEnd(), dest);
    Instant now = clock.instant();

    synchronized (this) {
      Session known = sessions.get(sessionName);
      if (known != null) {
        return openKnown(known, suite, p, dest, aad, sessionName, now, delivery);
      }
      if (retired.containsKey(sessionName)) {
        // its key block is not accepted again; an event without one asks for a new session
        throw new EnvelopeException(p.keyBlock() ? FailureReason.REPLAYED : FailureReason.UNKNOWN_SESSION,
            "session " + sessionName + " was ended here (forgotten or its key destroyed); the sender must start a new"
            + " one");
      }
    }
    if (!p.keyBlock()) {
      throw new EnvelopeException(FailureReason.UNKNOWN_SESSION, "session " + sessionName + " from "
          + p.sender() + " is unknown here; the sender must re-send its key block");
    }
    checkSessionLimits(Instant.ofEpochMilli(p.createdMillis()), p.sequence(), now, sessionName);
    countOpening(now, sessionName);
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
      if (sessions.containsKey(sessionName) || retired.containsKey(sessionName)) {
        // the same key block opened twice at once: the first one stands
        wipe(key);
        throw new EnvelopeException(FailureReason.REPLAYED,
            "the key block of session " + sessionName + " was opened already");
      }
      Session session = new Session(p.sessionId(), suite, p.recipient(), p.sender(), dest, key,
          Instant.ofEpochMilli(p.createdMillis()), new ReplayWindow(p.sequence()));
      if (delivery > 0) {
        session.redeliverable.put(p.sequence(), delivery);
      }
      sessions.put(sessionName, session);
      version++;
    }
    return new Opened(plaintext, p.sender(), suite, p.sequence());
  }

  /** An envelope of a session this opener knows; called with the lock held. */
  private Opened openKnown(Session known, Suite suite, Envelope.Parsed p, byte[] dest, byte[] aad,
      String sessionName, Instant now, long delivery) throws EnvelopeException {
    if (known.suite != suite || !known.recipient.equals(p.recipient()) || !known.sender.equals(p.sender())
        || !MessageDigest.isEqual(known.destination, dest)) {
      throw new EnvelopeException(FailureReason.WRONG_KEY,
          "session " + sessionName + " does not belong to these keys or this destination");
    }
    if (!recipientKeys.holds(known.recipient)) {
      sessions.remove(sessionName);
      retire(sessionName, known);
      throw new EnvelopeException(FailureReason.UNKNOWN_KEY_ID, "the key " + known.recipient
          + " of session " + sessionName + " was destroyed; its sessions end with it");
    }
    if (known.carried(p.sequence(), delivery)) {
      // the same delivery again (a crash came between its acceptance and its acknowledgement)
      checkSessionLimits(known.created, p.sequence(), now, sessionName);
      return new Opened(decrypt(known.key, p, aad, sessionName), p.sender(), suite, p.sequence());
    }
    if (known.accepted.refuses(p.sequence())) {
      throw new EnvelopeException(FailureReason.REPLAYED, "sequence " + p.sequence() + " of session "
          + sessionName + " was accepted before or is more than " + ReplayWindow.SIZE
          + " below the highest accepted (" + known.accepted.highest() + ")");
    }
    checkSessionLimits(known.created, p.sequence(), now, sessionName);
    byte[] plaintext = decrypt(known.key, p, aad, sessionName);
    known.accepted(p.sequence(), delivery);
    version++;
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

  /**
   * Ends a session (called with the lock held): its key is wiped, and its key block refused from now
   * on. Ended sessions past their age are forgotten from the oldest on: their key blocks are refused
   * by age anyway.
   */
  private void retire(String sessionName, Session s) {
    wipe(s.key);
    Instant oldest = oldestAccepted();
    for (var it = retired.values().iterator(); it.hasNext() && it.next().isBefore(oldest);) {
      it.remove();
    }
    retired.put(sessionName, s.created);
    version++;
  }

  /** {@return how many ended sessions this opener remembers (tests)} */
  synchronized int endedSessions() {
    return retired.size();
  }

  /** {@return the earliest {@code created} of a session still accepted: its age limit plus the skew} */
  private Instant oldestAccepted() {
    return clock.instant().minus(policy.maxAge()).minus(CLOCK_SKEW);
  }

  /**
   * Counts a session opening against the cap (at most {@code maxOpenings} per {@code openingsPer}):
   * each one costs private-key work, so a sender that starts sessions beyond it is refused.
   */
  private synchronized void countOpening(Instant now, String sessionName) throws EnvelopeException {
    Instant from = now.minus(openingsPer);
    while (!openings.isEmpty() && !openings.peekFirst().isAfter(from)) {
      openings.removeFirst();
    }
    if (openings.size() >= maxOpenings) {
      throw new EnvelopeException(FailureReason.TOO_MANY_SESSIONS, "session " + sessionName + " is refused: "
          + maxOpenings + " sessions were opened here within " + openingsPer + ", the most allowed");
    }
    openings.addLast(now);
  }

  /**
   * What this opener keeps at rest, for {@link Builder#restore} after a restart: the sessions it
   * holds (those within their age) with their anti-replay windows and redeliverable sequences, and
   * the sessions it ended whose key blocks are still within their age. Sessions past their age and
   * ended sessions past it are forgotten here.
   *
   * @return the state and its version
   */
  public synchronized Snapshot snapshot() {
    Instant oldest = oldestAccepted();
    retired.values().removeIf(created -> created.isBefore(oldest));
    List<SessionStates.Opening> held = new ArrayList<>();
    for (Session s : sessions.values()) {
      if (!s.created.isBefore(oldest)) {
        held.add(new SessionStates.Opening(s.id, s.suite.id(), s.recipient, s.sender, s.destination, s.key,
            s.created, s.accepted.highest(), s.accepted.words(), s.redeliverable));
      }
    }
    List<SessionStates.Retired> ended = new ArrayList<>();
    retired.forEach((name, created) -> ended.add(new SessionStates.Retired(HexFormat.of().parseHex(name), created)));
    return new Snapshot(version, new SessionStates.Openings(held, ended));
  }

  /**
   * What {@link #snapshot} returns.
   *
   * @param version counts the changes to the sessions; equal versions mean equal state
   * @param state the sessions
   */
  public record Snapshot(long version, SessionStates.Openings state) {}

  /** {@return counts the changes to the sessions: a snapshot is due when it moved} */
  public synchronized long version() {
    return version;
  }

  /** For {@link #checkpoint}: the delivery each destination prefix's last checkpoint covered. */
  private final Map<String, Long> checkpointed = new HashMap<>();

  /**
   * Keeps nothing at rest (that is the caller's, with {@link #snapshot}); releases the
   * redeliverable sequences of the deliveries the previous checkpoint of these destinations
   * covered, whose acknowledgement was sent, so that an opener read by an Event Watcher does not
   * hold them for ever.
   *
   * @param prefix the destinations' common prefix
   * @param through the highest delivery about to be acknowledged
   * @return a completed future: the acknowledgement need not wait
   */
  @Override
  public synchronized java.util.concurrent.CompletableFuture<Void> checkpoint(String prefix, long through) {
    Long previous = checkpointed.put(Objects.requireNonNull(prefix, "prefix"), through);
    if (previous != null) {
      release(previous);
    }
    return java.util.concurrent.CompletableFuture.completedFuture(null);
  }

  /**
   * Releases the redeliverable sequences of deliveries up to a number: they were acknowledged, and
   * may no longer open again.
   *
   * @param deliveredThrough the highest delivery released
   */
  public synchronized void release(long deliveredThrough) {
    for (Session s : sessions.values()) {
      s.redeliverable.values().removeIf(d -> d <= deliveredThrough);
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
    private int maxOpenings = Integer.MAX_VALUE;
    private Duration openingsPer = Duration.ofHours(1);
    private SessionStates.Openings restore;

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

    /**
     * Caps the session openings (each a private-key operation): at most {@code max} within any
     * {@code per}; a key block of a new session beyond it is refused as {@link
     * FailureReason#TOO_MANY_SESSIONS} (default: no cap).
     *
     * @param max at least 1
     * @param per the period, positive
     * @return this builder
     */
    public Builder maxOpenings(int max, Duration per) {
      if (max < 1) {
        throw new IllegalArgumentException("maxOpenings must be at least 1");
      }
      if (Objects.requireNonNull(per, "per").isNegative() || per.isZero()) {
        throw new IllegalArgumentException("the period must be positive");
      }
      this.maxOpenings = max;
      this.openingsPer = per;
      return this;
    }

    /**
     * Starts with the sessions a previous opener kept ({@link Opener#snapshot}), after a restart:
     * their events go on opening without a new key block, their accepted sequences stay refused,
     * and the key blocks of the sessions it ended stay refused.
     *
     * <pre>{@code
     * Opener opener = Opener.builder(ring::privateKey, signers::find)
     *     .restore(SessionStates.decodeOpenings(kept))
     *     .build();
     * }</pre>
     *
     * @param state the kept sessions, or null for none
     * @return this builder
     */
    public Builder restore(SessionStates.Openings state) {
      this.restore = state;
      return this;
    }

    /** {@return the opener} */
    public Opener build() {
      Opener o = new Opener(this);
      if (restore != null) {
        o.restoreFrom(restore);
      }
      return o;
    }
  }
}
