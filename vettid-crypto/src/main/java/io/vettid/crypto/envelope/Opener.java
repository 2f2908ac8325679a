package io.vettid.crypto.envelope;

import io.vettid.api.ExternalEvent;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.InvalidEventException;
import io.vettid.api.KeyId;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.internal.Aead;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Opens envelopes sealed by {@link Sealer}s: looks up the recipient key by keyID, verifies the
 * sender's signature over the session key's wrap, unwraps it, and then opens each event of the
 * session with one AEAD operation. Sequence numbers must increase strictly within a session; a
 * repeated or rewound one is refused. A session ends when its recipient key is no longer found
 * (destroyed after rotation), even if the session itself has not expired.
 *
 * <p>Every failure is an {@link EnvelopeException} with the reason; nothing decrypted is returned
 * with it, and the session's state changes only after an event opened completely.
 *
 * <pre>{@code
 * Opener opener = Opener.builder(keyRing::privateKey, connections::senderKey).build();
 * InternalEvent event = opener.openEvent(externalEvent, destination);
 * }</pre>
 *
 * <p>Thread-safe. It remembers up to {@link Builder#maxSessions(int)} sessions (default 100,000),
 * forgetting the least recently used; an event of a forgotten session fails with {@link
 * FailureReason#UNKNOWN_SESSION} until the sender re-sends the key block.
 */
public final class Opener {
  private final Function<KeyId, Optional<PrivateKeyEntry>> recipientKeys;
  private final Function<KeyId, Optional<PublicKeyEntry>> senderKeys;
  private final SessionPolicy policy;
  private final Clock clock;
  private final Map<String, Session> sessions;

  private static final class Session {
    final Suite suite;
    final KeyId recipient;
    final KeyId sender;
    final byte[] destination;
    final byte[] key;
    long lastSequence;

    Session(Suite suite, KeyId recipient, KeyId sender, byte[] destination, byte[] key, long lastSequence) {
      this.suite = suite;
      this.recipient = recipient;
      this.sender = sender;
      this.destination = destination;
      this.key = key;
      this.lastSequence = lastSequence;
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
          Arrays.fill(eldest.getValue().key, (byte) 0);
        }
        return evict;
      }
    };
  }

  /**
   * Starts a builder.
   *
   * @param recipientKeys finds this vault's private keys by keyID (empty: unknown or destroyed)
   * @param senderKeys finds a sender's public signing key by keyID (empty: unknown, revoked or
   *     blocked)
   * @return the builder
   */
  public static Builder builder(
      Function<KeyId, Optional<PrivateKeyEntry>> recipientKeys,
      Function<KeyId, Optional<PublicKeyEntry>> senderKeys) {
    return new Builder(recipientKeys, senderKeys);
  }

  /**
   * Opens an External Event and decodes the Internal Event inside.
   *
   * @param event the External Event
   * @param destination the destination it was received at
   * @return the Internal Event
   * @throws EnvelopeException if the envelope does not open (the reason says why)
   * @throws InvalidEventException if it opens but does not hold a valid Internal Event
   */
  public InternalEvent openEvent(ExternalEvent event, String destination)
      throws EnvelopeException, InvalidEventException {
    Objects.requireNonNull(event, "event");
    return InternalEventCodec.decode(open(event.sealed(), destination).plaintext());
  }

  /**
   * Opens envelope bytes.
   *
   * @param envelope the bytes
   * @param destination the destination they were received at
   * @return what the envelope held
   * @throws EnvelopeException if the envelope does not open (the reason says why)
   */
  public Opened open(byte[] envelope, String destination) throws EnvelopeException {
    Objects.requireNonNull(envelope, "envelope");
    byte[] dest = Sealer.checkDestination(destination);
    Envelope.Parsed p = Envelope.parse(envelope);
    Suite suite = Suites.byId(p.suiteId()).orElseThrow(
        () -> Envelope.malformed("unknown suite id " + p.suiteId()));
    if (!MessageDigest.isEqual(p.nonce(), Envelope.nonce(p.sequence()))) {
      throw Envelope.malformed("nonce does not match sequence " + p.sequence());
    }
    String sessionName = HexFormat.of().formatHex(p.sessionId());
    byte[] aad = Envelope.withDestination(new byte[0], envelope, p.aadEnd(), dest);

    synchronized (this) {
      Session known = sessions.get(sessionName);
      if (known != null) {
        if (known.suite != suite || !known.recipient.equals(p.recipient()) || !known.sender.equals(p.sender())
            || !MessageDigest.isEqual(known.destination, dest)) {
          throw new EnvelopeException(FailureReason.WRONG_KEY,
              "session " + sessionName + " does not belong to these keys or this destination");
        }
        if (recipientKeys.apply(known.recipient).isEmpty()) {
          sessions.remove(sessionName);
          Arrays.fill(known.key, (byte) 0);
          throw new EnvelopeException(FailureReason.UNKNOWN_KEY_ID, "the key " + known.recipient
              + " of session " + sessionName + " was destroyed; its sessions end with it");
        }
        if (p.sequence() <= known.lastSequence) {
          throw new EnvelopeException(FailureReason.REPLAYED, "sequence " + p.sequence() + " of session "
              + sessionName + " repeats or goes back (last accepted " + known.lastSequence + ")");
        }
        byte[] plaintext = decrypt(known.key, p, aad, sessionName);
        known.lastSequence = p.sequence();
        return new Opened(plaintext, p.sender(), suite, p.sequence());
      }
      if (!p.keyBlock()) {
        throw new EnvelopeException(FailureReason.UNKNOWN_SESSION, "session " + sessionName + " from "
            + p.sender() + " is unknown here; the sender must re-send its key block");
      }
      byte[] key = establish(suite, p, envelope, dest, sessionName);
      byte[] plaintext;
      try {
        plaintext = decrypt(key, p, aad, sessionName);
      } catch (EnvelopeException e) {
        Arrays.fill(key, (byte) 0);
        throw e;
      }
      sessions.put(sessionName, new Session(suite, p.recipient(), p.sender(), dest, key, p.sequence()));
      return new Opened(plaintext, p.sender(), suite, p.sequence());
    }
  }

  /** {@return how many sessions are remembered} */
  public synchronized int sessionCount() {
    return sessions.size();
  }

  private byte[] establish(Suite suite, Envelope.Parsed p, byte[] envelope, byte[] dest, String sessionName)
      throws EnvelopeException {
    Instant created = Instant.ofEpochMilli(p.createdMillis());
    Instant now = clock.instant();
    if (created.plus(policy.maxAge()).isBefore(now) || created.isAfter(now.plus(policy.maxAge()))) {
      throw new EnvelopeException(FailureReason.REPLAYED,
          "session " + sessionName + " was created at " + created + ", outside the accepted age " + policy.maxAge());
    }
    PrivateKeyEntry mine = recipientKeys.apply(p.recipient()).orElseThrow(() -> new EnvelopeException(
        FailureReason.UNKNOWN_KEY_ID, "no private key for recipient keyId " + p.recipient() + " (unknown or destroyed)"));
    if (!mine.keyId().equals(p.recipient()) || !mine.algorithm().name().equals(suite.wrap().name())) {
      throw new EnvelopeException(FailureReason.WRONG_KEY,
          "key " + p.recipient() + " is not a " + suite.wrap().name() + " key of suite " + suite.name());
    }
    PublicKeyEntry theirs = senderKeys.apply(p.sender()).orElseThrow(() -> new EnvelopeException(
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
    private final Function<KeyId, Optional<PrivateKeyEntry>> recipientKeys;
    private final Function<KeyId, Optional<PublicKeyEntry>> senderKeys;
    private SessionPolicy policy = SessionPolicy.DEFAULT;
    private Clock clock = Clock.systemUTC();
    private int maxSessions = 100_000;

    private Builder(Function<KeyId, Optional<PrivateKeyEntry>> recipientKeys,
        Function<KeyId, Optional<PublicKeyEntry>> senderKeys) {
      this.recipientKeys = Objects.requireNonNull(recipientKeys, "recipientKeys");
      this.senderKeys = Objects.requireNonNull(senderKeys, "senderKeys");
    }

    /**
     * Sets the session policy; key blocks older than its max age are refused (default {@link
     * SessionPolicy#DEFAULT}).
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
