package io.vettid.api;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The framing of several encoded Internal Events in one message of a service queue (PROTOCOL.md
 * §6.2). An Event Watcher that opens several deposits in a row forwards them to {@code
 * DataVault.Queue} as one batch, so the server stores, delivers and deletes one message instead of
 * one per event; each event inside keeps its own identity (its message key) and is handled,
 * deduplicated and quarantined on its own.
 *
 * <p>The form, all integers big-endian and unsigned:
 *
 * <pre>{@literal
 * "VEB1"                      4 bytes, the magic
 * count                       2 bytes, 1..MAX_EVENTS
 * count times:
 *   length                    4 bytes, 1..InternalEventCodec.MAX_BYTES
 *   event                     length bytes: one Internal Event as InternalEventCodec encodes it
 * }</pre>
 *
 * <p>Nothing may follow the last event, and the whole batch is at most {@link #MAX_BYTES}. {@link
 * #decode} checks the framing only; each event is then decoded (strictly) by {@link
 * InternalEventCodec}, so one bad event does not hide the good ones. A message carrying a batch
 * has the header {@link #HEADER} set to its count. Stateless and thread-safe.
 */
public final class InternalEventBatch {
  /** The header that marks a batch message; its value is the number of events. */
  public static final String HEADER = "VettID-Batch";

  /** Most events in one batch. */
  public static final int MAX_EVENTS = 1000;

  /** Largest batch, in bytes (below NATS's default 1 MiB message limit, headers included). */
  public static final int MAX_BYTES = 1_000_000;

  private static final byte[] MAGIC = {'V', 'E', 'B', '1'};
  private static final int HEAD = MAGIC.length + 2;

  private InternalEventBatch() {}

  /**
   * The size a batch of these events takes.
   *
   * @param eventBytes the sum of the events' lengths
   * @param count how many events
   * @return the batch's length in bytes
   */
  public static long encodedSize(long eventBytes, int count) {
    return HEAD + 4L * count + eventBytes;
  }

  /**
   * Frames encoded events as one batch.
   *
   * @param events 1..{@link #MAX_EVENTS} encoded Internal Events, each 1..{@link
   *     InternalEventCodec#MAX_BYTES} bytes (their content is not checked here)
   * @return the batch
   * @throws IllegalArgumentException if there are too few or too many events, one is empty or too
   *     long, or the batch would exceed {@link #MAX_BYTES}
   */
  public static byte[] encode(List<byte[]> events) {
    Objects.requireNonNull(events, "events");
    if (events.isEmpty() || events.size() > MAX_EVENTS) {
      throw new IllegalArgumentException("a batch holds 1.." + MAX_EVENTS + " events, got " + events.size());
    }
    long total = 0;
    for (byte[] e : events) {
      Objects.requireNonNull(e, "event");
      if (e.length == 0 || e.length > InternalEventCodec.MAX_BYTES) {
        throw new IllegalArgumentException("an event in a batch has 1.." + InternalEventCodec.MAX_BYTES
            + " bytes, got " + e.length);
      }
      total += e.length;
    }
    long size = encodedSize(total, events.size());
    if (size > MAX_BYTES) {
      throw new IllegalArgumentException("the batch would have " + size + " bytes; at most " + MAX_BYTES);
    }
    ByteBuffer b = ByteBuffer.allocate((int) size);
    b.put(MAGIC).putShort((short) events.size());
    for (byte[] e : events) {
      b.putInt(e.length).put(e);
    }
    return b.array();
  }

  /**
   * Splits a batch into its encoded events.
   *
   * @param batch the message body
   * @return the events' bytes, in order (1..{@link #MAX_EVENTS})
   * @throws InvalidEventException if the framing is wrong: no magic, a count or length out of
   *     range, a truncated event, or bytes after the last one
   */
  public static List<byte[]> decode(byte[] batch) throws InvalidEventException {
    if (batch == null) {
      throw new InvalidEventException(null, "a batch has no bytes");
    }
    if (batch.length > MAX_BYTES) {
      throw new InvalidEventException(null, "a batch has " + batch.length + " bytes; at most " + MAX_BYTES);
    }
    if (batch.length < HEAD) {
      throw new InvalidEventException(null, "a batch of " + batch.length + " bytes is shorter than its header");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (batch[i] != MAGIC[i]) {
        throw new InvalidEventException(null, "not a batch (no VEB1 magic)");
      }
    }
    ByteBuffer b = ByteBuffer.wrap(batch);
    b.position(MAGIC.length);
    int count = Short.toUnsignedInt(b.getShort());
    if (count < 1 || count > MAX_EVENTS) {
      throw new InvalidEventException(null, "a batch holds 1.." + MAX_EVENTS + " events, this one says " + count);
    }
    List<byte[]> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      if (b.remaining() < 4) {
        throw new InvalidEventException(null, "the batch ends before event " + (i + 1) + " of " + count);
      }
      long length = Integer.toUnsignedLong(b.getInt());
      if (length < 1 || length > InternalEventCodec.MAX_BYTES) {
        throw new InvalidEventException(null, "event " + (i + 1) + " of the batch claims " + length
            + " bytes; 1.." + InternalEventCodec.MAX_BYTES + " allowed");
      }
      if (b.remaining() < length) {
        throw new InvalidEventException(null, "event " + (i + 1) + " of the batch is truncated");
      }
      byte[] e = new byte[(int) length];
      b.get(e);
      events.add(e);
    }
    if (b.hasRemaining()) {
      throw new InvalidEventException(null, b.remaining() + " bytes follow the last event of the batch");
    }
    return events;
  }
}
