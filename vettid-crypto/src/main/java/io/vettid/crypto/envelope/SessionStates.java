package io.vettid.crypto.envelope;

import io.vettid.api.KeyId;
import io.vettid.crypto.Suites;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Envelope sessions as kept at rest, so that a restart goes on where it stopped: a {@link Sealer}'s
 * session ({@link Sealing}: its key and the first sequence it has not yet reserved) and the
 * sessions an {@link Opener} accepted ({@link Openings}: keys, anti-replay windows, and the
 * sessions it ended, whose key blocks it still refuses). The byte forms hold session keys: the
 * caller seals them (the reference vault with AES-256-GCM under a key derived from the vault
 * secret) before they leave memory.
 *
 * <p>Both forms start with a 4-byte magic and version and are read strictly: a wrong magic, a field
 * out of range, a truncated or an extended form is an {@link IllegalArgumentException} naming the
 * field, and nothing is returned.
 *
 * <pre>{@code
 * byte[] kept = SessionStates.encode(state);              // seal this before storing it
 * SessionStates.Sealing back = SessionStates.decodeSealing(kept);
 * }</pre>
 */
public final class SessionStates {
  private static final byte[] SEALING_MAGIC = {'V', 'S', 'S', 1};
  private static final byte[] OPENINGS_MAGIC = {'V', 'S', 'O', 1};
  /** Bytes of a session id. */
  static final int ID_BYTES = Envelope.SESSION_ID_BYTES;
  /** Bytes of a session key. */
  static final int KEY_BYTES = 32;
  /** Most sessions, ended sessions or redeliverable sequences one form holds. */
  public static final int MAX_ENTRIES = 65_535;

  private SessionStates() {}

  /**
   * A sealer's session at rest.
   *
   * @param recipient the recipient keyID the session is sealed to (a sealer to another key does
   *     not resume it)
   * @param sender the sender keyID whose key signed the session's key block (a sealer signing
   *     with another key does not resume it)
   * @param sessionId the session id (16 bytes)
   * @param key the session key (32 bytes)
   * @param created when the session started (its key block's {@code created})
   * @param resumeAt the first sequence not reserved: a restarted sealer seals from here, so no
   *     sequence (and no nonce) is used twice
   * @param keyBlockPending whether the envelope at {@code resumeAt} must carry the key block again
   *     (the reservation was the session's first, so its key block may never have arrived)
   */
  public record Sealing(KeyId recipient, KeyId sender, byte[] sessionId, byte[] key, Instant created, long resumeAt,
      boolean keyBlockPending) {
    /**
     * Checks the fields and copies the arrays.
     *
     * @param recipient the record component {@code recipient}
     * @param sender the record component {@code sender}
     * @param sessionId the record component {@code sessionId}
     * @param key the record component {@code key}
     * @param created the record component {@code created}
     * @param resumeAt the record component {@code resumeAt}
     * @param keyBlockPending the record component {@code keyBlockPending}
     */
    public Sealing {
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(sender, "sender");
      sessionId = exactly(sessionId, ID_BYTES, "sessionId");
      key = exactly(key, KEY_BYTES, "key");
      Objects.requireNonNull(created, "created");
      if (resumeAt < 0) {
        throw new IllegalArgumentException("resumeAt must not be negative, got " + resumeAt);
      }
    }

    /** {@return a copy of the session id} */
    @Override
    public byte[] sessionId() {
      return sessionId.clone();
    }

    /** {@return a copy of the session key} */
    @Override
    public byte[] key() {
      return key.clone();
    }

    @Override
    public String toString() {
      return "Sealing[recipient=" + recipient + ", sender=" + sender + ", created=" + created + ", resumeAt=" + resumeAt + ", keyBlockPending=" + keyBlockPending + "]";
    }
  }

  /**
   * One session an opener accepted.
   *
   * @param sessionId the session id (16 bytes)
   * @param suiteId the suite's id ({@link Suites#byId})
   * @param recipient the recipient keyID the session is sealed to
   * @param sender the sender keyID that signed its key block
   * @param destination the destination, UTF-8 (1..1024 bytes)
   * @param key the session key (32 bytes)
   * @param created when the session started
   * @param highest the highest sequence accepted
   * @param window the anti-replay window's bits ({@value ReplayWindow#WORDS} words)
   * @param redeliverable sequences accepted and not yet released, each with the delivery (such as
   *     a deposit's stream sequence) that carried it: the same delivery opens again after a crash
   */
  public record Opening(byte[] sessionId, int suiteId, KeyId recipient, KeyId sender, byte[] destination, byte[] key,
      Instant created, long highest, long[] window, Map<Long, Long> redeliverable) {
    /**
     * Checks the fields and copies the arrays and the map.
     *
     * @param sessionId the record component {@code sessionId}
     * @param suiteId the record component {@code suiteId}
     * @param recipient the record component {@code recipient}
     * @param sender the record component {@code sender}
     * @param destination the record component {@code destination}
     * @param key the record component {@code key}
     * @param created the record component {@code created}
     * @param highest the record component {@code highest}
     * @param window the record component {@code window}
     * @param redeliverable the record component {@code redeliverable}
     */
    public Opening {
      sessionId = exactly(sessionId, ID_BYTES, "sessionId");
      if (Suites.byId(suiteId).isEmpty()) {
        throw new IllegalArgumentException("unknown suite id " + suiteId);
      }
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(sender, "sender");
      Objects.requireNonNull(destination, "destination");
      if (destination.length < 1 || destination.length > 1024) {
        throw new IllegalArgumentException("destination must be 1..1024 bytes, got " + destination.length);
      }
      destination = destination.clone();
      key = exactly(key, KEY_BYTES, "key");
      Objects.requireNonNull(created, "created");
      if (highest < 0) {
        throw new IllegalArgumentException("highest must not be negative, got " + highest);
      }
      Objects.requireNonNull(window, "window");
      if (window.length != ReplayWindow.WORDS) {
        throw new IllegalArgumentException("window must be " + ReplayWindow.WORDS + " words, got " + window.length);
      }
      window = window.clone();
      new ReplayWindow(highest, window); // holds its highest sequence
      Objects.requireNonNull(redeliverable, "redeliverable");
      if (redeliverable.size() > MAX_ENTRIES) {
        throw new IllegalArgumentException("at most " + MAX_ENTRIES + " redeliverable sequences");
      }
      for (Map.Entry<Long, Long> e : redeliverable.entrySet()) {
        if (e.getKey() == null || e.getValue() == null || e.getKey() < 0 || e.getValue() < 1) {
          throw new IllegalArgumentException("a redeliverable sequence is >= 0 and its delivery >= 1");
        }
      }
      redeliverable = Map.copyOf(redeliverable);
    }

    /** {@return a copy of the session id} */
    @Override
    public byte[] sessionId() {
      return sessionId.clone();
    }

    /** {@return a copy of the destination} */
    @Override
    public byte[] destination() {
      return destination.clone();
    }

    /** {@return a copy of the session key} */
    @Override
    public byte[] key() {
      return key.clone();
    }

    /** {@return a copy of the window's bits} */
    @Override
    public long[] window() {
      return window.clone();
    }

    @Override
    public String toString() {
      return "Opening[suite=" + suiteId + ", recipient=" + recipient + ", sender=" + sender + ", created=" + created
          + ", highest=" + highest + ", redeliverable=" + redeliverable.size() + "]";
    }
  }

  /**
   * A session an opener ended (forgotten to make room, or its key destroyed): a key block of it
   * is refused as a replay until its age is past.
   *
   * @param sessionId the session id (16 bytes)
   * @param created when it started
   */
  public record Retired(byte[] sessionId, Instant created) {
    /**
     * Checks the fields.
     *
     * @param sessionId the record component {@code sessionId}
     * @param created the record component {@code created}
     */
    public Retired {
      sessionId = exactly(sessionId, ID_BYTES, "sessionId");
      Objects.requireNonNull(created, "created");
    }

    /** {@return a copy of the session id} */
    @Override
    public byte[] sessionId() {
      return sessionId.clone();
    }
  }

  /**
   * What an opener keeps at rest.
   *
   * @param sessions the sessions it holds
   * @param retired the sessions it ended and still refuses
   */
  public record Openings(List<Opening> sessions, List<Retired> retired) {
    /**
     * Checks the sizes and copies the lists.
     *
     * @param sessions the record component {@code sessions}
     * @param retired the record component {@code retired}
     */
    public Openings {
      sessions = List.copyOf(sessions);
      retired = List.copyOf(retired);
      if (sessions.size() > MAX_ENTRIES || retired.size() > MAX_ENTRIES) {
        throw new IllegalArgumentException("at most " + MAX_ENTRIES + " sessions and ended sessions");
      }
    }
  }

  /**
   * Encodes a sealer's session: {@code "VSS" 0x01 || u8 + recipient keyId || u8 + sender keyId ||
   * session id (16) || key (32) || created ms (8)
   * || resumeAt (8) || flags (1, bit 0: key block pending)}.
   *
   * @param s the session
   * @return the bytes, holding the session key
   */
  public static byte[] encode(Sealing s) {
    Objects.requireNonNull(s, "s");
    ByteBuffer b = ByteBuffer.allocate(4 + 1 + s.recipient.value().length() + 1 + s.sender.value().length() + ID_BYTES
        + KEY_BYTES + 8 + 8 + 1);
    b.put(SEALING_MAGIC);
    putShortString(b, s.recipient.value());
    putShortString(b, s.sender.value());
    b.put(s.sessionId).put(s.key).putLong(s.created.toEpochMilli()).putLong(s.resumeAt)
        .put((byte) (s.keyBlockPending ? 1 : 0));
    return b.array();
  }

  /**
   * Decodes what {@link #encode(Sealing)} wrote.
   *
   * @param bytes the bytes
   * @return the session
   * @throws IllegalArgumentException if they are not exactly such a form
   */
  public static Sealing decodeSealing(byte[] bytes) {
    Reader r = new Reader(bytes, SEALING_MAGIC, "sealing session");
    try {
      KeyId recipient = r.keyId();
      KeyId sender = r.keyId();
      byte[] id = r.bytes(ID_BYTES);
      byte[] key = r.bytes(KEY_BYTES);
      Instant created = Instant.ofEpochMilli(r.b.getLong());
      long resumeAt = r.b.getLong();
      int flags = r.b.get();
      if (flags != 0 && flags != 1) {
        throw new IllegalArgumentException("sealing session: unknown flags " + flags);
      }
      r.end();
      return new Sealing(recipient, sender, id, key, created, resumeAt, flags == 1);
    } catch (BufferUnderflowException e) {
      throw r.truncated();
    }
  }

  /**
   * Encodes an opener's sessions: {@code "VSO" 0x01 || u16 n || n x session || u16 m || m x (session
   * id (16) || created ms (8))}, a session being {@code session id (16) || suite (1) || u8 + recipient
   * keyId || u8 + sender keyId || u16 + destination || key (32) || created ms (8) || highest (8) || 16
   * x 8 window || u16 k || k x (sequence (8) || delivery (8)), sequences increasing}.
   *
   * @param o the sessions
   * @return the bytes, holding session keys
   */
  public static byte[] encode(Openings o) {
    Objects.requireNonNull(o, "o");
    int size = 4 + 2 + 2 + o.retired.size() * (ID_BYTES + 8);
    for (Opening s : o.sessions) {
      size += ID_BYTES + 1 + 1 + s.recipient.value().length() + 1 + s.sender.value().length() + 2
          + s.destination.length + KEY_BYTES + 8 + 8 + ReplayWindow.WORDS * 8 + 2 + s.redeliverable.size() * 16;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(OPENINGS_MAGIC).putShort((short) o.sessions.size());
    for (Opening s : o.sessions) {
      b.put(s.sessionId).put((byte) s.suiteId);
      putShortString(b, s.recipient.value());
      putShortString(b, s.sender.value());
      b.putShort((short) s.destination.length).put(s.destination).put(s.key).putLong(s.created.toEpochMilli())
          .putLong(s.highest);
      for (long w : s.window) {
        b.putLong(w);
      }
      b.putShort((short) s.redeliverable.size());
      s.redeliverable.entrySet().stream().sorted(Map.Entry.comparingByKey())
          .forEach(e -> b.putLong(e.getKey()).putLong(e.getValue()));
    }
    b.putShort((short) o.retired.size());
    for (Retired r : o.retired) {
      b.put(r.sessionId).putLong(r.created.toEpochMilli());
    }
    return b.array();
  }

  /**
   * Decodes what {@link #encode(Openings)} wrote.
   *
   * @param bytes the bytes
   * @return the sessions
   * @throws IllegalArgumentException if they are not exactly such a form
   */
  public static Openings decodeOpenings(byte[] bytes) {
    Reader r = new Reader(bytes, OPENINGS_MAGIC, "opening sessions");
    try {
      int n = Short.toUnsignedInt(r.b.getShort());
      List<Opening> sessions = new ArrayList<>(Math.min(n, 64));
      for (int i = 0; i < n; i++) {
        byte[] id = r.bytes(ID_BYTES);
        int suite = Byte.toUnsignedInt(r.b.get());
        KeyId recipient = r.keyId();
        KeyId sender = r.keyId();
        byte[] destination = r.bytes(Short.toUnsignedInt(r.b.getShort()));
        byte[] key = r.bytes(KEY_BYTES);
        Instant created = Instant.ofEpochMilli(r.b.getLong());
        long highest = r.b.getLong();
        long[] window = new long[ReplayWindow.WORDS];
        for (int w = 0; w < window.length; w++) {
          window[w] = r.b.getLong();
        }
        int k = Short.toUnsignedInt(r.b.getShort());
        Map<Long, Long> redeliverable = new LinkedHashMap<>();
        long previous = -1;
        for (int j = 0; j < k; j++) {
          long seq = r.b.getLong();
          if (seq <= previous) {
            throw new IllegalArgumentException("opening sessions: redeliverable sequences must increase");
          }
          previous = seq;
          redeliverable.put(seq, r.b.getLong());
        }
        sessions.add(new Opening(id, suite, recipient, sender, destination, key, created, highest, window,
            redeliverable));
      }
      int m = Short.toUnsignedInt(r.b.getShort());
      List<Retired> retired = new ArrayList<>(Math.min(m, 64));
      for (int i = 0; i < m; i++) {
        retired.add(new Retired(r.bytes(ID_BYTES), Instant.ofEpochMilli(r.b.getLong())));
      }
      r.end();
      return new Openings(sessions, retired);
    } catch (BufferUnderflowException e) {
      throw r.truncated();
    }
  }

  private static void putShortString(ByteBuffer b, String ascii) {
    byte[] s = ascii.getBytes(StandardCharsets.US_ASCII);
    b.put((byte) s.length).put(s);
  }

  private static byte[] exactly(byte[] bytes, int length, String what) {
    Objects.requireNonNull(bytes, what);
    if (bytes.length != length) {
      throw new IllegalArgumentException(what + " must be " + length + " bytes, got " + bytes.length);
    }
    return bytes.clone();
  }

  /** Reads a form after checking its magic and version. */
  private static final class Reader {
    final ByteBuffer b;
    final String what;

    Reader(byte[] bytes, byte[] magic, String what) {
      Objects.requireNonNull(bytes, "bytes");
      this.what = what;
      if (bytes.length < magic.length || !java.util.Arrays.equals(bytes, 0, magic.length, magic, 0, magic.length)) {
        throw new IllegalArgumentException(what + ": not this form or version (magic)");
      }
      this.b = ByteBuffer.wrap(bytes, magic.length, bytes.length - magic.length);
    }

    byte[] bytes(int n) {
      if (n > b.remaining()) {
        throw truncated();
      }
      byte[] out = new byte[n];
      b.get(out);
      return out;
    }

    KeyId keyId() {
      byte[] raw = bytes(Byte.toUnsignedInt(b.get()));
      try {
        return KeyId.of(new String(raw, StandardCharsets.US_ASCII));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what + ": a keyId is not of the keyId form");
      }
    }

    void end() {
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(what + ": " + b.remaining() + " bytes after the end");
      }
    }

    IllegalArgumentException truncated() {
      return new IllegalArgumentException(what + ": truncated");
    }
  }
}
