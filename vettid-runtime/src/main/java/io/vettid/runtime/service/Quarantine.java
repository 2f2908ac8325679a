package io.vettid.runtime.service;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import io.vettid.api.FailureReason;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vault's quarantine: every event that failed a check is kept here <b>as received</b> (a
 * deposit still sealed, an Internal Event as it was queued) on {@code DataVault.Quarantine}, with
 * its {@link FailureReason}, where it came from and a short detail that never holds payload or key
 * material. The stream is encrypted at rest with the rest of the store and kept until the owner
 * deletes it.
 *
 * <pre>{@code
 * for (Quarantine.Entry e : quarantine.list(100)) {
 *   System.out.println(e.sequence() + " " + e.reason() + " from " + e.source());
 * }
 * }</pre>
 */
public final class Quarantine {
  /** Header: the {@link FailureReason} name. */
  public static final String REASON_HEADER = "VettID-Reason";
  /** Header: the subject the event was received on. */
  public static final String SOURCE_HEADER = "VettID-Source";
  /** Header: a short, payload-free explanation. */
  public static final String DETAIL_HEADER = "VettID-Detail";

  private static final Logger LOG = LoggerFactory.getLogger(Quarantine.class);
  private static final int MAX_DETAIL = 200;

  private final JetStream js;
  private final JetStreamManagement jsm;
  private final RuntimeCounters counters;

  /**
   * Creates a quarantine writer and reader on a vault connection.
   *
   * @param nc a connection of the vault's account
   * @param counters where quarantined events are counted
   * @throws IOException if JetStream is not available
   */
  public Quarantine(Connection nc, RuntimeCounters counters) throws IOException {
    Objects.requireNonNull(nc, "nc");
    this.js = nc.jetStream();
    this.jsm = nc.jetStreamManagement();
    this.counters = Objects.requireNonNull(counters, "counters");
  }

  /**
   * One quarantined event.
   *
   * @param sequence its sequence in the quarantine stream
   * @param reason why it was quarantined
   * @param source the subject it was received on
   * @param detail a short explanation (no payload)
   * @param time when it was quarantined
   * @param data the bytes as received
   */
  public record Entry(long sequence, FailureReason reason, String source, String detail, Instant time, byte[] data) {
    /**
     * Validates.
     *
     * @param sequence its sequence in the quarantine stream
     * @param reason why it was quarantined
     * @param source the subject it was received on
     * @param detail a short explanation (no payload)
     * @param time when it was quarantined
     * @param data the bytes as received
     */
    public Entry {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(detail, "detail");
      Objects.requireNonNull(time, "time");
      data = data.clone();
    }

    /** {@return a copy of the bytes as received} */
    @Override
    public byte[] data() {
      return data.clone();
    }

    @Override
    public String toString() {
      return "Quarantine.Entry[" + sequence + ", " + reason + ", from " + source + ", " + detail + ", "
          + data.length + " bytes]";
    }
  }

  /**
   * Keeps an event. Returns only once the quarantine stream acknowledged it; the caller then
   * acknowledges the original message.
   *
   * @param asReceived the bytes as received
   * @param source the subject they were received on
   * @param reason why
   * @param detail a short explanation without payload or key material
   * @param dedupeId a stable id, so a redelivered event is kept once
   * @throws IOException if the publish fails (the caller must not acknowledge)
   * @throws JetStreamApiException if the stream refuses it
   */
  public void put(byte[] asReceived, String source, FailureReason reason, String detail, String dedupeId)
      throws IOException, JetStreamApiException {
    Objects.requireNonNull(asReceived, "asReceived");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(dedupeId, "dedupeId");
    String shortDetail = detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail;
    Headers h = new Headers()
        .put(REASON_HEADER, reason.name())
        .put(SOURCE_HEADER, source)
        .put(DETAIL_HEADER, shortDetail.replaceAll("[\\r\\n]", " "))
        .put("Nats-Msg-Id", "q-" + dedupeId);
    PublishAck ack = js.publish(Subjects.QUARANTINE.value(), h, asReceived);
    if (ack.hasError()) {
      throw new IOException("the quarantine stream refused an event: " + ack.getError());
    }
    if (!ack.isDuplicate()) {
      counters.quarantined(reason);
    }
    LOG.info("quarantined an event from {}: {} ({})", source, reason, shortDetail);
  }

  /**
   * Lists quarantined events, oldest first.
   *
   * @param max at most this many (1..10,000)
   * @return the entries
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the stream cannot be read
   */
  public List<Entry> list(int max) throws IOException, JetStreamApiException {
    if (max < 1 || max > 10_000) {
      throw new IllegalArgumentException("max must be 1..10000, got " + max);
    }
    StreamInfo info = jsm.getStreamInfo(Subjects.QUARANTINE_STREAM);
    List<Entry> out = new ArrayList<>();
    long last = info.getStreamState().getLastSequence();
    for (long seq = info.getStreamState().getFirstSequence(); seq <= last && seq > 0 && out.size() < max; seq++) {
      MessageInfo m;
      try {
        m = jsm.getMessage(Subjects.QUARANTINE_STREAM, seq);
      } catch (JetStreamApiException deleted) {
        continue; // deleted by the owner
      }
      Headers h = m.getHeaders();
      FailureReason reason;
      try {
        reason = FailureReason.valueOf(h == null ? "" : String.valueOf(h.getFirst(REASON_HEADER)));
      } catch (IllegalArgumentException e) {
        reason = FailureReason.MALFORMED; // written by something else; still listed
      }
      out.add(new Entry(seq, reason, orEmpty(h, SOURCE_HEADER), orEmpty(h, DETAIL_HEADER),
          m.getTime().toInstant(), m.getData() == null ? new byte[0] : m.getData()));
    }
    return out;
  }

  private static String orEmpty(Headers h, String name) {
    String v = h == null ? null : h.getFirst(name);
    return v == null ? "" : v;
  }
}
