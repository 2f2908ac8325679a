package io.vettid.crypto.envelope;

import io.vettid.api.ExternalEvent;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.KeyId;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.internal.Aead;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * Seals events from one sender to one recipient at one destination (such as the deposit subject
 * {@code subscriber.<guid>.<eventspace>.queue.<connectionId>}).
 *
 * <p>A session starts with a fresh 256-bit session key, wrapped to the recipient's key and signed
 * with the sender's key <em>once</em>; that key block rides in the session's first envelope. Every
 * later event costs one AES-256-GCM operation. Sessions end after {@link SessionPolicy#maxEvents()}
 * events or {@link SessionPolicy#maxAge()}, and a new one begins on the next seal.
 *
 * <pre>{@code
 * Sealer sealer = Sealer.builder(Suites.DEFAULT, myPrivateKey, peerPublicKey, destination).build();
 * ExternalEvent out = sealer.seal(event);            // keyID of the peer + envelope bytes
 * }</pre>
 *
 * <p>A sealer given a {@link Builder#journal journal} writes its session down ({@link
 * SessionStates.Sealing}) <em>before</em> it uses a sequence it has not reserved, {@value
 * #RESERVE} sequences at a time; a sealer {@link Builder#resume resumed} from what was written goes
 * on from the first sequence not reserved, so a crash never makes it use a sequence (a nonce) twice
 * and the recipient keeps the session (no new key block, no new private-key operation). If the
 * reservation written was the session's first, the next envelope carries the key block again.
 *
 * <p>A sealer need not hold its two keys: one {@linkplain #builder(Suite, KeyId, KeyId, KeyLoader,
 * String) built with their keyIDs and a loader} asks for them only when it makes a session's key
 * block (once a session), so keys kept sealed at rest stay there between sessions.
 *
 * <p>Thread-safe: seals are serialized so that sequence numbers are unique and increasing.
 */
public final class Sealer {
  private final Suite suite;
  private final KeyId sender;
  private final KeyId recipient;
  private final KeyLoader keys;
  private final byte[] destination;
  private final SessionPolicy policy;
  private final Clock clock;
  private final SecureRandom random;
  private final Journal journal;

  /**
   * Where a sealer built with keyIDs finds its keys when it makes a key block (once a session),
   * such as a vault's sealed store. A key of another keyID than asked for is refused: nothing is
   * sealed.
   */
  public interface KeyLoader {
    /**
     * The sender's signing key.
     *
     * @param keyId the keyID the sealer was built with
     * @return the key
     * @throws GeneralSecurityException if it cannot be had (nothing is sealed)
     */
    PrivateKeyEntry sender(KeyId keyId) throws GeneralSecurityException;

    /**
     * The recipient's wrapping key.
     *
     * @param keyId the keyID the sealer was built with
     * @return the key
     * @throws GeneralSecurityException if it cannot be had (nothing is sealed)
     */
    PublicKeyEntry recipient(KeyId keyId) throws GeneralSecurityException;
  }

  /** Sequences reserved by one write of the journal. */
  public static final int RESERVE = 1024;

  /**
   * Keeps a sealer's session at rest, before any of its newly reserved sequences is used.
   */
  @FunctionalInterface
  public interface Journal {
    /**
     * Writes the session down; returns only once it is kept (a crash after it may lose no more
     * than the reserved sequences).
     *
     * @param session the session, its key, and the first sequence not reserved
     * @throws java.io.IOException if it could not be kept: nothing is sealed with the new sequences
     */
    void reserved(SessionStates.Sealing session) throws java.io.IOException;
  }

  private long reservedThrough;
  private byte[] sessionId;
  private byte[] sessionKey;
  private Instant sessionStart;
  private long nextSequence;
  private boolean sendKeyBlock;
  private long sessionsStarted;

  private Sealer(Builder b) {
    this.suite = b.suite;
    this.sender = b.sender;
    this.recipient = b.recipient;
    this.keys = b.keys;
    this.destination = b.destination;
    this.policy = b.policy;
    this.clock = b.clock;
    this.random = b.random;
    this.journal = b.journal;
    if (b.resume != null && b.resume.recipient().equals(recipient) && b.resume.sender().equals(sender)) {
      sessionId = b.resume.sessionId();
      sessionKey = b.resume.key();
      sessionStart = b.resume.created();
      nextSequence = b.resume.resumeAt();
      reservedThrough = nextSequence;
      sendKeyBlock = b.resume.keyBlockPending();
    }
  }

  /**
   * Starts a builder.
   *
   * @param suite the suite; the sender key must be of its signature algorithm and the recipient
   *     key of its wrap algorithm
   * @param sender the sender's signing key
   * @param recipient the recipient's wrapping key
   * @param destination what the envelope is bound to (subject or connection id), 1..1024 bytes UTF-8
   * @return the builder
   */
  public static Builder builder(Suite suite, PrivateKeyEntry sender, PublicKeyEntry recipient, String destination) {
    Objects.requireNonNull(suite, "suite");
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(recipient, "recipient");
    if (!sender.algorithm().name().equals(suite.signature().name())) {
      throw new IllegalArgumentException("suite " + suite.name() + " signs with " + suite.signature().name()
          + ", but the sender key " + sender.keyId() + " is " + sender.algorithm().name());
    }
    if (!recipient.algorithm().name().equals(suite.wrap().name())) {
      throw new IllegalArgumentException("suite " + suite.name() + " wraps with " + suite.wrap().name()
          + ", but the recipient key " + recipient.keyId() + " is " + recipient.algorithm().name());
    }
    return new Builder(suite, sender.keyId(), recipient.keyId(), new KeyLoader() {
      @Override
      public PrivateKeyEntry sender(KeyId keyId) {
        return sender;
      }

      @Override
      public PublicKeyEntry recipient(KeyId keyId) {
        return recipient;
      }
    }, destination);
  }

  /**
   * Starts a builder for a sealer that does not hold its keys: it asks {@code keys} for them when
   * it makes a session's key block.
   *
   * @param suite the suite; the sender keyID must be of its signature algorithm and the recipient
   *     keyID of its wrap algorithm
   * @param sender the sender's signing keyID
   * @param recipient the recipient's wrapping keyID
   * @param keys where the two keys are found
   * @param destination what the envelope is bound to (subject or connection id), 1..1024 bytes UTF-8
   * @return the builder
   */
  public static Builder builder(Suite suite, KeyId sender, KeyId recipient, KeyLoader keys, String destination) {
    return new Builder(suite, sender, recipient, Objects.requireNonNull(keys, "keys"), destination);
  }

  /**
   * Seals an Internal Event.
   *
   * @param event the event
   * @return the External Event: the recipient's keyID and the envelope bytes
   * @throws GeneralSecurityException if wrapping, signing or encryption fails
   */
  public ExternalEvent seal(InternalEvent event) throws GeneralSecurityException {
    return new ExternalEvent(recipient, sealBytes(InternalEventCodec.encode(event)));
  }

  /**
   * Seals raw plaintext bytes (normally an Internal Event's JSON).
   *
   * @param plaintext the bytes
   * @return the envelope bytes
   * @throws GeneralSecurityException if wrapping, signing or encryption fails
   */
  public synchronized byte[] sealBytes(byte[] plaintext) throws GeneralSecurityException {
    Objects.requireNonNull(plaintext, "plaintext");
    Instant now = clock.instant();
    if (sessionKey == null || nextSequence >= policy.maxEvents()
        || !now.isBefore(sessionStart.plus(policy.maxAge()))) {
      startSession(now);
    }
    long sequence = nextSequence;
    if (journal != null && sequence >= reservedThrough) {
      reserve(sequence);
    }
    byte[] header;
    byte[] signature = null;
    if (sendKeyBlock) {
      PublicKeyEntry to = keys.recipient(recipient);
      PrivateKeyEntry from = keys.sender(sender);
      if (to == null || !to.keyId().equals(recipient) || from == null || !from.keyId().equals(sender)) {
        throw new GeneralSecurityException("the key loader gave a key of another keyID than " + recipient + " / "
            + sender + "; nothing was sealed");
      }
      byte[] context = Envelope.wrapContext(suite.id(), recipient, sender, sessionId, destination);
      byte[] wrapped = suite.wrap().wrapKey(to.key(), sessionKey, context, random);
      header = Envelope.header(suite.id(), recipient, sender, sessionId, sequence,
          sessionStart.toEpochMilli(), wrapped);
      byte[] signed = Envelope.withDestination(Envelope.SIGN_LABEL, header, header.length, destination);
      signature = suite.signature().sign(from.key(), signed, random);
    } else {
      header = Envelope.header(suite.id(), recipient, sender, sessionId, sequence, 0, null);
    }
    byte[] nonce = Envelope.nonce(sequence);
    int sigBlock = signature == null ? 0 : 2 + signature.length;
    byte[] prefix = new byte[header.length + sigBlock + nonce.length];
    System.arraycopy(header, 0, prefix, 0, header.length);
    if (signature != null) {
      prefix[header.length] = (byte) (signature.length >>> 8);
      prefix[header.length + 1] = (byte) signature.length;
      System.arraycopy(signature, 0, prefix, header.length + 2, signature.length);
    }
    System.arraycopy(nonce, 0, prefix, header.length + sigBlock, nonce.length);
    byte[] aad = Envelope.withDestination(new byte[0], prefix, prefix.length, destination);
    byte[] ciphertext = Aead.seal(sessionKey, nonce, aad, Envelope.pad(plaintext));
    nextSequence++;
    lastCarriedKeyBlock = sendKeyBlock;
    sendKeyBlock = false;
    byte[] out = Arrays.copyOf(prefix, prefix.length + ciphertext.length);
    System.arraycopy(ciphertext, 0, out, prefix.length, ciphertext.length);
    return out;
  }

  /** Writes the session down with {@value #RESERVE} more sequences reserved from {@code sequence}. */
  private void reserve(long sequence) throws GeneralSecurityException {
    long through = sequence + RESERVE;
    try {
      journal.reserved(new SessionStates.Sealing(recipient, sender, sessionId, sessionKey, sessionStart, through, sendKeyBlock));
    } catch (java.io.IOException | RuntimeException e) {
      throw new GeneralSecurityException("the session could not be kept before sealing (" + e.getClass().getSimpleName()
          + "); nothing was sealed", e);
    }
    reservedThrough = through;
  }

  /** Makes the next envelope carry the key block again (for a recipient that lost the session). */
  public synchronized void resendKeyBlock() {
    sendKeyBlock = true;
  }

  /**
   * Whether the envelope sealed last carried the session's key block. A sender whose envelope with
   * the key block did not reach the recipient (refused, lost) calls {@link #resendKeyBlock()}:
   * the session's later envelopes cannot be opened without it.
   *
   * @return true if the last {@link #sealBytes} wrote a key block
   */
  public synchronized boolean lastCarriedKeyBlock() {
    return lastCarriedKeyBlock;
  }

  private boolean lastCarriedKeyBlock;

  /** Ends the current session; the next seal starts a new one. */
  public synchronized void rotateSession() {
    endSession();
  }

  /** {@return how many sessions this sealer has started} */
  public synchronized long sessionsStarted() {
    return sessionsStarted;
  }

  /** {@return the suite} */
  public Suite suite() {
    return suite;
  }

  private void startSession(Instant now) {
    endSession();
    sessionId = new byte[Envelope.SESSION_ID_BYTES];
    random.nextBytes(sessionId);
    sessionKey = new byte[Aead.KEY_BYTES];
    random.nextBytes(sessionKey);
    sessionStart = now;
    nextSequence = 0;
    reservedThrough = 0;
    sendKeyBlock = true;
    sessionsStarted++;
  }

  private void endSession() {
    if (sessionKey != null) {
      Aead.forget(sessionKey);
      Arrays.fill(sessionKey, (byte) 0);
    }
    sessionKey = null;
  }

  /** Builds a {@link Sealer}. */
  public static final class Builder {
    private final Suite suite;
    private final KeyId sender;
    private final KeyId recipient;
    private final KeyLoader keys;
    private final byte[] destination;
    private SessionPolicy policy = SessionPolicy.DEFAULT;
    private Clock clock = Clock.systemUTC();
    private SecureRandom random = new SecureRandom();
    private Journal journal;
    private SessionStates.Sealing resume;

    private Builder(Suite suite, KeyId sender, KeyId recipient, KeyLoader keys, String destination) {
      this.suite = Objects.requireNonNull(suite, "suite");
      this.sender = Objects.requireNonNull(sender, "sender");
      this.recipient = Objects.requireNonNull(recipient, "recipient");
      this.keys = keys;
      this.destination = checkDestination(destination);
      if (!sender.algorithmTag().equals(suite.signature().keyIdTag())) {
        throw new IllegalArgumentException("suite " + suite.name() + " signs with " + suite.signature().name()
            + ", but the sender key " + sender + " is not of it");
      }
      if (!recipient.algorithmTag().equals(suite.wrap().keyIdTag())) {
        throw new IllegalArgumentException("suite " + suite.name() + " wraps with " + suite.wrap().name()
            + ", but the recipient key " + recipient + " is not of it");
      }
    }

    /**
     * Sets when sessions end (default {@link SessionPolicy#DEFAULT}).
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
     * Sets the randomness source (default a new {@link SecureRandom}).
     *
     * @param random the source
     * @return this builder
     */
    public Builder random(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Keeps the session at rest: the journal is called before the first of every {@value
     * #RESERVE} sequences is used (default: none, the session lives in memory only).
     *
     * <pre>{@code
     * Sealer sealer = Sealer.builder(suite, mine, theirs, destination)
     *     .journal(session -> store.put(name, seal(SessionStates.encode(session))))
     *     .resume(kept)                                  // null: start a new session
     *     .build();
     * }</pre>
     *
     * @param journal writes the session down
     * @return this builder
     */
    public Builder journal(Journal journal) {
      this.journal = Objects.requireNonNull(journal, "journal");
      return this;
    }

    /**
     * Goes on with a session written by a {@link #journal journal} (after a restart): sealing
     * resumes at its first sequence not reserved. A session past its age or count is replaced by a
     * new one at the first seal, as usual; one sealed to another recipient key, or signed with
     * another sender key, than this sealer's is not resumed (a new session starts).
     *
     * @param session the kept session, or null to start a new one
     * @return this builder
     */
    public Builder resume(SessionStates.Sealing session) {
      this.resume = session;
      return this;
    }

    /** {@return the sealer} */
    public Sealer build() {
      return new Sealer(this);
    }
  }

  static byte[] checkDestination(String destination) {
    Objects.requireNonNull(destination, "destination");
    byte[] bytes = destination.getBytes(StandardCharsets.UTF_8);
    if (bytes.length == 0 || bytes.length > 1024) {
      throw new IllegalArgumentException("destination must be 1..1024 bytes of UTF-8");
    }
    return bytes;
  }
}
