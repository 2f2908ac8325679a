package io.vettid.api;

/**
 * Why an event was not processed. Every failed check ends in one of these reasons; the event is
 * then kept (quarantined, as received) and counted, never let through.
 */
public enum FailureReason {
  /**
   * The event's keyID names no key this vault holds (or one already destroyed, or one its
   * connection's sealed record no longer holds).
   */
  UNKNOWN_KEY_ID,
  /** The key named by the keyID does not open the event. */
  WRONG_KEY,
  /** A signature did not verify. */
  BAD_SIGNATURE,
  /** Authenticated decryption failed: a byte was altered, truncated or spliced. */
  DECRYPTION_FAILED,
  /** A sequence number or nonce repeated or went backwards, or a session is too old. */
  REPLAYED,
  /** An event refers to a session whose key this vault never received (or has forgotten). */
  UNKNOWN_SESSION,
  /** The bytes are not a well-formed event (JSON or envelope). */
  MALFORMED,
  /** No handler or rule knows the event type. */
  UNKNOWN_EVENT_TYPE,
  /** No rule matched, so the default (deny) applied. */
  NO_MATCHING_RULE,
  /** A rule matched and denied the event. */
  DENIED_BY_RULE,
  /** The event handler threw. */
  HANDLER_FAILED,
  /** The event handler did not finish in time. */
  HANDLER_TIMEOUT,
  /** The handler of the event's eventId already finished; a later event starts no new one. */
  HANDLER_FINISHED,
  /** The owner denied an event that a rule had held for approval. */
  DENIED_BY_OWNER,
  /** The connection is unknown, expired, blocked or revoked. */
  CONNECTION_REVOKED,
  /** A trusted resource's hash or version did not match. */
  HASH_MISMATCH,
  /**
   * A request whose reply subject lies outside the requester's own inbox: it is not answered
   * (answering would publish, with the responder's rights, to a subject the requester chose).
   */
  FOREIGN_REPLY,
  /**
   * An answer (a profile or contact response) that answers no request this vault sent to that
   * connection under that eventId.
   */
  UNSOLICITED,
  /**
   * A key block of a new session beyond the cap on session openings of its connection: each one
   * costs the receiver private-key work, so a sender that starts sessions faster is refused.
   */
  TOO_MANY_SESSIONS,
  /**
   * An event of a type the EventSpace it came through does not list in its profile, which no rule
   * of the owner allowed (the owner's rules are asked first: a rule may still let it in).
   */
  UNSUPPORTED_EVENT_TYPE
}
