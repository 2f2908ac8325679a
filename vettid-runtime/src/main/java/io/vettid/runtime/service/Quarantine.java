package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

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
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vault's quarantine: every event that failed a check is kept here <b>as received</b> (a
 * deposit still sealed, an Internal Event as it was queued) on {@code
 * DataVault.Quarantine.<source>}, with its {@link FailureReason}, where it came from and a short
 * detail that never holds payload or key material. The stream is encrypted at rest with the rest
 * of the store.
 *
 * <p><b>Each source has its share</b>, so that one connection sending junk cannot push out what
 * others' failures left: the source is the connection the event came from ({@code vault} when it
 * is the vault's own); the stream keeps at most {@code JetStreamLayout.QUARANTINE_PER_SOURCE}
 * entries per source (the oldest of that source go first) and 90 days; and once a source's
 * entries kept since the vault started hold more than its byte share ({@link #perSourceBytes()},
 * a sixteenth of the quarantine's cap by default), its further entries keep their metadata only
 * (reason, source, detail and size; header {@value #WITHHELD_HEADER}), counted in {@link
 * RuntimeCounters.Snapshot#quarantinedWithoutBody()}. Nothing is ever dropped without a trace.
 *
 * <pre>{@code
 * for (Quarantine.Entry e : quarantine.list(100)) {
 *   System.out.println(e.sequence() + " " + e.reason() + " from " + e.source());
 * }
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class Quarantine {
  /** Header: the {@link FailureReason} name. */
  public static final String REASON_HEADER = "VettID-Reason";
  /** Header: the subject the event was received on. */
  public static final String SOURCE_HEADER = "VettID-Source";
  /** Header: a short, payload-free explanation. */
  public static final String DETAIL_HEADER = "VettID-Detail";
  /** Header: the size of a body that was not kept (its source was past its share). */
  public static final String WITHHELD_HEADER = "VettID-Withheld";
  /** The source token of the vault's own events. */
  public static final String VAULT_SOURCE = "vault";

  private static final Logger LOG = LoggerFactory.getLogger(Quarantine.class);
  private static final int MAX_DETAIL = 200;

  private final JetStream js;
  private final JetStreamManagement jsm;
  private final RuntimeCounters counters;
  private final long perSourceBytes;
  /** Told of what the stages before the Manager refuse ({@link #refused}); null: nobody. */
  private volatile EventService.Listener observer;
  private final java.util.concurrent.ConcurrentMap<String, java.util.concurrent.atomic.AtomicLong> kept =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Creates a quarantine writer and reader on a vault connection, each source's byte share being
   * {@linkplain #perSourceBytes(io.vettid.nats.jetstream.JetStreamLayout) its share} of the default
   * layout's quarantine cap.
   *
   * @param nc a connection of the vault's account
   * @param counters where quarantined events are counted
   * @throws IOException if JetStream is not available
   */
  public Quarantine(Connection nc, RuntimeCounters counters) throws IOException {
    this(nc, counters, perSourceBytes(io.vettid.nats.jetstream.JetStreamLayout.builder().build()));
  }

  /** How many equal shares of the quarantine's cap the sources' bodies are measured in. */
  public static final int SOURCE_SHARES = 16;

  /**
   * The bodies one source may keep in a layout's quarantine: a {@value #SOURCE_SHARES}th of its cap.
   *
   * @param layout the vault's layout
   * @return the share, in bytes
   */
  public static long perSourceBytes(io.vettid.nats.jetstream.JetStreamLayout layout) {
    return Objects.requireNonNull(layout, "layout").capOf(Subjects.QUARANTINE_STREAM) / SOURCE_SHARES;
  }

  /**
   * Creates a quarantine writer and reader on a vault connection.
   *
   * @param nc a connection of the vault's account
   * @param counters where quarantined events are counted
   * @param perSourceBytes the bodies one source may have kept (since start) before its further
   *     entries keep only their metadata; at least 64 KiB
   * @throws IOException if JetStream is not available
   */
  public Quarantine(Connection nc, RuntimeCounters counters, long perSourceBytes) throws IOException {
    Objects.requireNonNull(nc, "nc");
    if (perSourceBytes < (64L << 10)) {
      throw new IllegalArgumentException("a source's share must be at least 64 KiB, got " + perSourceBytes);
    }
    this.js = nc.jetStream();
    this.jsm = nc.jetStreamManagement();
    this.counters = Objects.requireNonNull(counters, "counters");
    this.perSourceBytes = perSourceBytes;
  }

  /** {@return the bytes of bodies one source may have kept before its entries keep metadata only} */
  public long perSourceBytes() {
    return perSourceBytes;
  }

  /**
   * The source an event is counted under: the connection of a deposit or profile request
   * subject ({@code subscriber.<guid>.<es>.<queue|profile>.<connectionId>}), else the vault.
   */
  static String sourceOf(String subject) {
    String[] t = subject.split("\\.");
    if (t.length == 5 && t[0].equals("subscriber") && (t[3].equals("queue") || t[3].equals("profile"))) {
      return t[4];
    }
    return VAULT_SOURCE;
  }

  /**
   * One quarantined event.
   *
   * @param sequence its sequence in the quarantine stream
   * @param reason why it was quarantined
   * @param source the subject it was received on
   * @param detail a short explanation (no payload)
   * @param time when it was quarantined
   * @param data the bytes as received (empty when they were withheld)
   * @param withheld the size of a body that was not kept (its source was past its share), or -1
   */
  public record Entry(long sequence, FailureReason reason, String source, String detail, Instant time, byte[] data,
      long withheld) {
    /**
     * Validates.
     *
     * @param sequence its sequence in the quarantine stream
     * @param reason why it was quarantined
     * @param source the subject it was received on
     * @param detail a short explanation (no payload)
     * @param time when it was quarantined
     * @param data the bytes as received
     * @param withheld the size of a body not kept, or -1
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

    /** {@return whether the bytes as received were kept (false: metadata only)} */
    public boolean bodyKept() {
      return withheld < 0;
    }

    @Override
    public String toString() {
      return "Quarantine.Entry[" + sequence + ", " + reason + ", from " + source + ", " + detail + ", "
          + (bodyKept() ? data.length + " bytes]" : withheld + " bytes withheld]");
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
    Objects.requireNonNull(source, "source");
    put(asReceived, source, sourceOf(source), reason, detail, dedupeId);
  }

  /**
   * Tells a listener of everything the stages before the Manager keep here ({@link #refused}):
   * the Event Watchers, the handshake inbox, the profile responder. The runtime passes its own
   * listener, so the owner's notices ({@code events tail}) show those refusals as they show the
   * Manager's (which the Manager reports itself).
   *
   * @param listener the listener, or null for none
   */
  public void observe(EventService.Listener listener) {
    this.observer = listener;
  }

  /**
   * Keeps what a stage before the Manager refused, as received, and tells the observer ({@link
   * #observe}): the stage, the connection the subject names (if any), the reason and the detail,
   * never the bytes.
   *
   * @param stage the stage that refused it, such as {@code Watcher_home}
   * @param asReceived the bytes as received
   * @param source the subject they were received on
   * @param reason why
   * @param detail a short explanation without payload or key material
   * @param dedupeId a stable id, so a redelivered message is kept once
   * @throws IOException if the publish fails (the caller must not acknowledge)
   * @throws JetStreamApiException if the stream refuses it
   */
  public void refused(String stage, byte[] asReceived, String source, FailureReason reason, String detail,
      String dedupeId) throws IOException, JetStreamApiException {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(source, "source");
    String from = sourceOf(source);
    put(asReceived, source, from, reason, detail, dedupeId);
    EventService.Listener o = observer;
    if (o == null) {
      return;
    }
    io.vettid.api.ConnectionId connection = null;
    if (!from.equals(VAULT_SOURCE)) {
      try {
        connection = io.vettid.api.ConnectionId.of(from);
      } catch (IllegalArgumentException e) {
        // not a connection id: the notice names none
      }
    }
    try {
      o.settled(new EventService.Settled(stage, null, null, connection, EventService.Outcome.QUARANTINED, reason,
          shortened(detail)));
    } catch (RuntimeException e) {
      LOG.warn("the quarantine's listener failed ({})", e.getClass().getSimpleName());
    }
  }

  /**
   * Keeps an event, counted under the connection it came from.
   *
   * @param asReceived the bytes as received
   * @param source the subject they were received on
   * @param from the connection it came from (its share), or null for the vault's own
   * @param reason why
   * @param detail a short explanation without payload or key material
   * @param dedupeId a stable id, so a redelivered event is kept once
   * @throws IOException if the publish fails (the caller must not acknowledge)
   * @throws JetStreamApiException if the stream refuses it
   */
  public void put(byte[] asReceived, String source, io.vettid.api.ConnectionId from, FailureReason reason,
      String detail, String dedupeId) throws IOException, JetStreamApiException {
    put(asReceived, source, from == null ? VAULT_SOURCE : from.value(), reason, detail, dedupeId);
  }

  /** {@return the detail as kept: at most {@value #MAX_DETAIL} characters} */
  private static String shortened(String detail) {
    return detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail;
  }

  private void put(byte[] asReceived, String source, String from, FailureReason reason, String detail,
      String dedupeId) throws IOException, JetStreamApiException {
    Objects.requireNonNull(asReceived, "asReceived");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(dedupeId, "dedupeId");
    String shortDetail = shortened(detail);
    Headers h = new Headers()
        .put(REASON_HEADER, reason.name())
        .put(SOURCE_HEADER, source)
        .put(DETAIL_HEADER, shortDetail.replaceAll("[\\r\\n]", " "))
        .put("Nats-Msg-Id", "q-" + dedupeId);
    java.util.concurrent.atomic.AtomicLong share = kept.computeIfAbsent(from, k -> new java.util.concurrent.atomic.AtomicLong());
    boolean withBody = share.addAndGet(asReceived.length) <= perSourceBytes;
    if (!withBody) {
      share.addAndGet(-asReceived.length);
      h.put(WITHHELD_HEADER, Integer.toString(asReceived.length));
    }
    PublishAck ack;
    try {
      ack = js.publish(Subjects.internal("DataVault", "Quarantine", from).value(), h,
          withBody ? asReceived : new byte[0]);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      if (withBody) {
        share.addAndGet(-asReceived.length);
      }
      throw e;
    }
    if (ack.hasError()) {
      throw new IOException("the quarantine stream refused an event: " + ack.getError());
    }
    if (!ack.isDuplicate()) {
      counters.quarantined(reason);
      if (!withBody) {
        counters.quarantinedWithoutBody();
      }
    } else if (withBody) {
      share.addAndGet(-asReceived.length); // kept once already
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
      String withheld = orEmpty(h, WITHHELD_HEADER);
      out.add(new Entry(seq, reason, orEmpty(h, SOURCE_HEADER), orEmpty(h, DETAIL_HEADER),
          m.getTime().toInstant(), m.getData() == null ? new byte[0] : m.getData(),
          withheld.matches("[0-9]{1,10}") ? Long.parseLong(withheld) : -1));
    }
    return out;
  }

  private static String orEmpty(Headers h, String name) {
    String v = h == null ? null : h.getFirst(name);
    return v == null ? "" : v;
  }
}
