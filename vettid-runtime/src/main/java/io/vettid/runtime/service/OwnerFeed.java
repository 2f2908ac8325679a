package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import io.nats.client.PurgeOptions;
import io.nats.client.api.StreamState;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.InvalidEventException;
import io.vettid.crypto.SecretBox;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner's own feed: every event the vault handled, with its payload, kept for her to read
 * through her authenticated control channel ({@code vettid events show}, {@code events feed},
 * {@code events tail --payload}), searched by type, connection and time, and deleted for real.
 *
 * <p>Each event is kept in the vault's {@link Subjects#FEED_STREAM} stream on {@code
 * Feed.<connectionId>.<event token>} (the eventId, or {@code h} and 40 hex digits of its SHA-256
 * when it is longer than a token), <b>sealed</b> (AES-256-GCM, a key derived from the vault secret,
 * the subject as associated data) on top of the store's own encryption: no NATS user that may read
 * the stream, the control user included, reads a payload from it. {@link #delete} erases an event's
 * messages (their bytes overwritten, not a tombstone over history) and {@link #purge} a
 * connection's. Nothing here is logged.
 *
 * <pre>{@code
 * OwnerFeed feed = OwnerFeed.open(nc, vaultSecret);
 * for (OwnerFeed.Item item : feed.search(OwnerFeed.Query.all().type("chat.message").limit(20))) {
 *   System.out.println(item.event().connectionId() + ": " + item.event().payload());
 * }
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class OwnerFeed {
  private static final Logger LOG = LoggerFactory.getLogger(OwnerFeed.class);
  private static final String SEAL_PURPOSE = "vettid-owner-feed-v1";

  private final JetStream js;
  private final JetStreamManagement jsm;
  private final byte[] key;
  private final SecureRandom random = new SecureRandom();
  private final AtomicLong failures = new AtomicLong();

  private OwnerFeed(Connection nc, byte[] vaultSecret) throws IOException {
    this.js = nc.jetStream();
    this.jsm = nc.jetStreamManagement();
    this.key = SecretBox.derive(vaultSecret, SEAL_PURPOSE, 32);
  }

  /**
   * Opens the feed.
   *
   * @param nc a connection of the vault's account (the {@code Feed} stream must exist, see {@code
   *     JetStreamLayout.ensureVault})
   * @param vaultSecret the vault secret (at least 16 bytes; the feed's key is derived from it)
   * @return the feed
   * @throws IOException on a connection failure
   */
  public static OwnerFeed open(Connection nc, byte[] vaultSecret) throws IOException {
    return new OwnerFeed(Objects.requireNonNull(nc, "nc"), Objects.requireNonNull(vaultSecret, "vaultSecret"));
  }

  /** {@return the subject an event of this connection and eventId is kept on} */
  static String subject(ConnectionId connection, EventId eventId) {
    return Subjects.internal("Feed", connection.value(), token(eventId)).value();
  }

  /** The subject token of an eventId: itself, or {@code h} and 40 hex digits of its SHA-256 if too long. */
  private static String token(EventId eventId) {
    String id = eventId.value();
    return id.length() <= 64 ? id : "h" + sha256(id).substring(0, 40);
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
  }

  /**
   * Keeps a handled event (asynchronously; a failure is counted and logged without its content).
   *
   * @param event the event
   */
  public void add(InternalEvent event) {
    Objects.requireNonNull(event, "event");
    String subject = subject(event.connectionId(), event.eventId());
    byte[] box = SecretBox.seal(key, subject.getBytes(StandardCharsets.UTF_8), InternalEventCodec.encode(event), random);
    js.publishAsync(subject, box).whenComplete((ack, e) -> {
      if (e != null) {
        failures.incrementAndGet();
        LOG.warn("an event of {} was not kept in the owner's feed ({})", event.connectionId(),
            e.getClass().getSimpleName());
      }
    });
  }

  /** {@return how many events could not be kept since the feed was opened} */
  public long failures() {
    return failures.get();
  }

  /**
   * An event of the feed.
   *
   * @param sequence its place in the stream
   * @param keptAt when it was kept
   * @param event the event, payload included
   */
  public record Item(long sequence, Instant keptAt, InternalEvent event) {}

  /**
   * What to look for; every part is optional. Immutable: each method gives a new query.
   *
   * @param type the event type, or null for any
   * @param connection the connection, or null for any
   * @param eventId the eventId, or null for any
   * @param since the earliest event time, or null
   * @param until the latest event time (exclusive), or null
   * @param limit at most this many, the newest (1-10,000)
   */
  public record Query(String type, ConnectionId connection, EventId eventId, Instant since, Instant until, int limit) {
    /**
     * Validates.
     *
     * @param type the record component {@code type}
     * @param connection the record component {@code connection}
     * @param eventId the record component {@code eventId}
     * @param since the record component {@code since}
     * @param until the record component {@code until}
     * @param limit the record component {@code limit}
     * @throws IllegalArgumentException if the limit is outside 1-10,000 or the type is not one
     */
    public Query {
      if (limit < 1 || limit > 10_000) {
        throw new IllegalArgumentException("limit must be 1-10000, was " + limit);
      }
      if (type != null) {
        EventType.of(type);
      }
    }

    /** {@return any event, the newest 100} */
    public static Query all() {
      return new Query(null, null, null, null, null, 100);
    }

    /**
     * {@return this query, for one type}
     *
     * @param t the event type
     */
    public Query type(String t) {
      return new Query(t, connection, eventId, since, until, limit);
    }

    /**
     * {@return this query, for one connection}
     *
     * @param c the connection
     */
    public Query connection(ConnectionId c) {
      return new Query(type, c, eventId, since, until, limit);
    }

    /**
     * {@return this query, for one eventId}
     *
     * @param e the eventId
     */
    public Query eventId(EventId e) {
      return new Query(type, connection, e, since, until, limit);
    }

    /**
     * {@return this query, for events at or after a time and before another}
     *
     * @param from the earliest, or null
     * @param to the latest (exclusive), or null
     */
    public Query between(Instant from, Instant to) {
      return new Query(type, connection, eventId, from, to, limit);
    }

    /**
     * {@return this query, with another limit}
     *
     * @param n at most this many, the newest
     */
    public Query limit(int n) {
      return new Query(type, connection, eventId, since, until, n);
    }

    private String filter() {
      String c = connection == null ? "*" : connection.value();
      return "Feed." + c + "." + (eventId == null ? "*" : token(eventId));
    }

    private boolean matches(InternalEvent e) {
      return (type == null || e.type().value().equals(type)) && (since == null || !e.timestamp().isBefore(since))
          && (until == null || e.timestamp().isBefore(until));
    }
  }

  /**
   * Finds events, the newest last. Entries that do not open (another key, altered) are skipped and
   * counted in the log, never shown.
   *
   * @param q what to look for
   * @return at most {@code q.limit()} events, oldest first
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the stream cannot be read
   */
  public List<Item> search(Query q) throws IOException, JetStreamApiException {
    Objects.requireNonNull(q, "q");
    java.util.ArrayDeque<Item> found = new java.util.ArrayDeque<>();
    StreamState state = jsm.getStreamInfo(Subjects.FEED_STREAM).getStreamState();
    if (state.getMsgCount() == 0) {
      return List.of();
    }
    String filter = q.filter();
    long seq = state.getFirstSequence();
    int unreadable = 0;
    while (seq <= state.getLastSequence()) {
      MessageInfo m;
      try {
        m = jsm.getNextMessage(Subjects.FEED_STREAM, seq, filter);
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() == 10037) {
          break; // nothing more for the filter
        }
        throw e;
      }
      seq = m.getSeq() + 1;
      InternalEvent e = open(m);
      if (e == null) {
        unreadable++;
        continue;
      }
      if (q.matches(e) && (q.eventId == null || e.eventId().equals(q.eventId))) {
        found.addLast(new Item(m.getSeq(), m.getTime().toInstant(), e));
        if (found.size() > q.limit()) {
          found.removeFirst();
        }
      }
    }
    if (unreadable > 0) {
      LOG.warn("{} entries of the owner's feed do not open (altered, or sealed with another key)", unreadable);
    }
    return new ArrayList<>(found);
  }

  private InternalEvent open(MessageInfo m) {
    try {
      byte[] plain = SecretBox.open(key, m.getSubject().getBytes(StandardCharsets.UTF_8), m.getData());
      try {
        return InternalEventCodec.decode(plain);
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    } catch (GeneralSecurityException | InvalidEventException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Erases every kept event of an eventId (its messages' bytes are overwritten in the store).
   *
   * @param connection the connection, or null for any
   * @param eventId the eventId
   * @return how many messages were erased
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the stream refuses
   */
  public int delete(ConnectionId connection, EventId eventId) throws IOException, JetStreamApiException {
    Objects.requireNonNull(eventId, "eventId");
    int erased = 0;
    Query q = Query.all().eventId(eventId).limit(10_000);
    for (Item item : search(connection == null ? q : q.connection(connection))) {
      if (jsm.deleteMessage(Subjects.FEED_STREAM, item.sequence(), true)) {
        erased++;
      }
    }
    return erased;
  }

  /**
   * Purges every kept event of a connection, or of the whole feed.
   *
   * @param connection the connection, or null for every one
   * @return how many messages were purged
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the stream refuses
   */
  public long purge(ConnectionId connection) throws IOException, JetStreamApiException {
    PurgeOptions options = connection == null ? PurgeOptions.builder().build()
        : PurgeOptions.subject("Feed." + connection.value() + ".>");
    return jsm.purgeStream(Subjects.FEED_STREAM, options).getPurged();
  }
}
