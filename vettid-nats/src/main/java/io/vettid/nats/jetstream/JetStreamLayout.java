package io.vettid.nats.jetstream;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValueManagement;
import io.nats.client.ObjectStoreManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.DiscardPolicy;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Creates, idempotently, the JetStream objects VettID uses:
 *
 * <ul>
 *   <li>{@link #ensureVault}: the {@code DataVault.Queue}
 *       work-queue stream ({@link Subjects#DATA_VAULT_STREAM}), the quarantine stream ({@link
 *       Subjects#QUARANTINE_STREAM}, kept until deleted by the owner), the apps' work-queue stream
 *       ({@link Subjects#APP_MANAGER_STREAM}), the owner's log of settled events ({@link
 *       Subjects#EVENTS_STREAM}: ids, types and outcomes, the last 10,000), the audit log ({@link
 *       Subjects#AUDIT_STREAM}: kept whole, full it refuses), the owner's feed ({@link
 *       Subjects#FEED_STREAM}: handled events, sealed, a year), one key/value bucket per
 *       internal namespace ({@link Subjects#VAULT_BUCKETS}) and the {@link
 *       Subjects#FILES_OBJECT_STORE} object store;</li>
 *   <li>{@link #ensureEventSpace}: the deposit stream of one EventSpace, holding every
 *       connection's deposit subject, with a duplicate window so that a deposit re-sent with the
 *       same {@code Nats-Msg-Id} (the eventId) is stored once. It has limits retention: the
 *       EventSpace's watcher, its only reader, removes what it acknowledged in purges below its
 *       acknowledgement floor, which costs the server far less than a work queue's deletion of
 *       each deposit. A deposit stream made with work-queue retention (by earlier builds) keeps
 *       it, since a stream's retention cannot change in place; its acknowledged deposits are
 *       deleted one by one, and the purges find nothing.</li>
 * </ul>
 *
 * <p><b>Every stream and bucket is capped</b>, so that no one writer can take the account's whole
 * storage and stall the others; the caps are shares of the account's storage ({@link
 * Builder#storageBytes}, 1 GiB by default, divided by the replicas, since JetStream reserves each
 * cap against the account's limit). Queues refuse new messages when full (the writer retries
 * later; nothing is dropped), logs drop their oldest: the work queue 12%,
 * the quarantine 12% (at most {@value #QUARANTINE_PER_SOURCE} entries per source connection, the
 * oldest of that source dropped first, and 90 days), the app queues 6%, the event log 3%, the
 * buckets and object store 52% (see {@link #capOf}), 85% in all. A deposit stream, in its own account, gets {@link Builder#depositBytes}
 * (an eighth of the storage by default) and at most {@value #DEPOSITS_PER_CONNECTION} deposits
 * waiting per connection: past either a deposit is refused with an error the sender sees, and
 * nothing stored is dropped. Messages are at most {@value #MAX_MESSAGE_BYTES} bytes.
 *
 * <p>All storage is file storage (encrypted at rest when the server is so configured). Replicas
 * are 1 on a single server and 3 on a cluster, by configuration. Calling again with the same
 * layout changes nothing; a changed setting (such as replicas) is applied as an update.
 *
 * <pre>{@code
 * JetStreamLayout layout = JetStreamLayout.builder().replicas(3).build();
 * layout.ensureVault(nc);
 * String stream = layout.ensureEventSpace(nc, guid, "home");
 * }</pre>
 */
public final class JetStreamLayout {
  /** The JetStream API error code for "stream not found" (a bucket is a stream, so also "no such bucket"). */
  public static final int STREAM_NOT_FOUND = 10059;

  /** The largest message any VettID stream takes: an Internal Event or envelope of 1 MiB, with room for headers. */
  public static final int MAX_MESSAGE_BYTES = io.vettid.nats.server.NatsServerConfig.MAX_PAYLOAD;
  /** The largest handshake message a handshake stream takes. */
  public static final int HANDSHAKE_BYTES = 64 * 1024;
  /** Deposits one connection may have waiting in its EventSpace's stream. */
  public static final long DEPOSITS_PER_CONNECTION = 10_000;
  /** The least JetStream storage a layout's caps are shares of: 16 MiB. */
  public static final long MIN_STORAGE_BYTES = 16L << 20;
  /** Quarantine entries kept per source connection (the oldest of that source goes first). */
  public static final long QUARANTINE_PER_SOURCE = 10_000;
  /** How long a quarantine entry is kept. */
  public static final Duration QUARANTINE_AGE = Duration.ofDays(90);

  private final int replicas;
  private final Duration duplicateWindow;
  private final int kvHistory;
  private final long storageBytes;
  private final long depositBytes;

  private JetStreamLayout(Builder b) {
    this.replicas = b.replicas;
    this.duplicateWindow = b.duplicateWindow;
    this.kvHistory = b.kvHistory;
    this.storageBytes = b.storageBytes;
    this.depositBytes = b.depositBytes > 0 ? b.depositBytes : b.storageBytes / 8;
  }

  /**
   * The cap of one of the vault's streams, buckets or the object store: its share of the
   * account's storage, per replica.
   *
   * @param name a name of {@link Subjects} ({@link Subjects#DATA_VAULT_STREAM}, a bucket, ...)
   * @return the cap in bytes
   * @throws IllegalArgumentException for a name the layout does not make
   */
  public long capOf(String name) {
    int percent = switch (name) {
      case "DataVault", "Quarantine" -> 12;
      case "AppManager" -> 6;
      case "Events" -> 3;
      case "Manager", "Connections" -> 6;
      case "Vault", "Profiles" -> 2;
      case "EventHandlers" -> 20;
      case "Files" -> 9;
      case "Audit", "Feed" -> 4;
      default -> throw new IllegalArgumentException("the layout makes no stream or bucket named " + name);
    };
    return storageBytes / replicas / 100 * percent;
  }

  /** {@return the cap of one EventSpace's deposit stream, per replica} */
  public long depositCap() {
    return depositBytes / replicas;
  }

  /** {@return a builder with 1 replica, a 2-minute duplicate window and a history of 5} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the number of replicas of every stream and bucket} */
  public int replicas() {
    return replicas;
  }

  /** {@return how long a {@code Nats-Msg-Id} is remembered for deduplication} */
  public Duration duplicateWindow() {
    return duplicateWindow;
  }

  /**
   * Creates or updates the Data Vault's streams, buckets and object store.
   *
   * @param nc a connection allowed to use the JetStream API of the vault's account
   * @return the names of everything it ensured, streams first
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the server refuses (limits, permissions, a conflicting
   *     stream)
   */
  public List<String> ensureVault(Connection nc) throws IOException, JetStreamApiException {
    Objects.requireNonNull(nc, "nc");
    JetStreamManagement jsm = nc.jetStreamManagement();
    List<String> made = new ArrayList<>();
    // queues refuse new messages when full (the writer gives its message back and retries); logs
    // drop their oldest
    made.add(ensureStream(jsm, capped(stream(Subjects.DATA_VAULT_STREAM, List.of(Subjects.DATA_VAULT_QUEUE.value()),
        RetentionPolicy.WorkQueue), DiscardPolicy.New).build()));
    made.add(ensureStream(jsm, capped(stream(Subjects.QUARANTINE_STREAM, List.of(Subjects.QUARANTINE.value(),
        Subjects.QUARANTINE.value() + ".>"), RetentionPolicy.Limits), DiscardPolicy.Old)
        .maxMessagesPerSubject(QUARANTINE_PER_SOURCE).maxAge(QUARANTINE_AGE).build()));
    made.add(ensureStream(jsm, capped(stream(Subjects.APP_MANAGER_STREAM, List.of(Subjects.appQueues()),
        RetentionPolicy.WorkQueue), DiscardPolicy.New).maxMessagesPerSubject(DEPOSITS_PER_CONNECTION)
        .discardNewPerSubject(true).build()));
    made.add(ensureStream(jsm, capped(stream(Subjects.EVENTS_STREAM, List.of(Subjects.MANAGER_EVENTS.value()),
        RetentionPolicy.Limits), DiscardPolicy.Old).maxMessages(10_000).maxAge(Duration.ofDays(30)).build()));
    // the audit log keeps everything: an entry removed would break its chain
    made.add(ensureStream(jsm, capped(stream(Subjects.AUDIT_STREAM, List.of(Subjects.AUDIT.value()),
        RetentionPolicy.Limits), DiscardPolicy.New).build()));
    // the owner's feed: sealed handled events, the oldest dropped when full, a year at most
    made.add(ensureStream(jsm, capped(stream(Subjects.FEED_STREAM, List.of("Feed.>"),
        RetentionPolicy.Limits), DiscardPolicy.Old).maxAge(Duration.ofDays(365)).build()));
    KeyValueManagement kvm = nc.keyValueManagement();
    for (String bucket : Subjects.VAULT_BUCKETS) {
      KeyValueConfiguration config = KeyValueConfiguration.builder()
          .name(bucket).storageType(StorageType.File).replicas(replicas).maxHistoryPerKey(kvHistory)
          .maxBucketSize(capOf(bucket)).maximumValueSize(MAX_MESSAGE_BYTES).build();
      if (exists(() -> kvm.getStatus(bucket))) {
        kvm.update(config);
      } else {
        kvm.create(config);
      }
      made.add(bucket);
    }
    ObjectStoreManagement osm = nc.objectStoreManagement();
    String files = Subjects.FILES_OBJECT_STORE;
    if (!exists(() -> osm.getStatus(files))) {
      osm.create(ObjectStoreConfiguration.builder(files).storageType(StorageType.File).replicas(replicas)
          .maxBucketSize(capOf(files)).build());
    }
    made.add(files);
    return made;
  }

  /**
   * Creates or updates the deposit stream of one EventSpace.
   *
   * @param nc a connection allowed to use the JetStream API of the subscriber's account
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace name
   * @return the stream's name
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the server refuses
   */
  public String ensureEventSpace(Connection nc, String subscriberGuid, String eventSpace)
      throws IOException, JetStreamApiException {
    Objects.requireNonNull(nc, "nc");
    JetStreamManagement jsm = nc.jetStreamManagement();
    String name = Subjects.depositStream(subscriberGuid, eventSpace);
    String subjects = Subjects.depositsOf(subscriberGuid, eventSpace);
    RetentionPolicy existing = retentionOf(jsm, name);
    // full: a deposit is refused (the sender sees the error and retries); nothing stored is dropped
    StreamConfiguration config = StreamConfiguration.builder(stream(name, List.of(subjects),
            existing == null ? RetentionPolicy.Limits : existing))
        .maxBytes(depositCap()).discardPolicy(DiscardPolicy.New).maxMsgSize(MAX_MESSAGE_BYTES)
        .maxMessagesPerSubject(DEPOSITS_PER_CONNECTION).discardNewPerSubject(true).build();
    if (existing == null) {
      add(jsm, config);
    } else {
      jsm.updateStream(config);
    }
    return name;
  }

  /**
   * Creates or updates a subscriber's handshake stream ({@code Handshakes_<guid>}, in its deposit
   * account): the acceptances of its invitations and the confirmations of its acceptances, one
   * message per handshake subject (a second one is refused, so an invitation is answered once),
   * at most 64 KiB each, kept for 8 days (the longest invitation, 7 days, and a day to answer),
   * capped at a sixty-fourth of the storage.
   *
   * @param nc a connection allowed to use the JetStream API of the subscriber's deposit account
   * @param subscriberGuid the owner's subscriber id
   * @return the stream's name
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the server refuses
   */
  public String ensureHandshakes(Connection nc, String subscriberGuid) throws IOException, JetStreamApiException {
    Objects.requireNonNull(nc, "nc");
    JetStreamManagement jsm = nc.jetStreamManagement();
    String name = Subjects.handshakeStream(subscriberGuid);
    StreamConfiguration config = StreamConfiguration.builder(stream(name,
            List.of(Subjects.handshakesOfSubscriber(subscriberGuid)), RetentionPolicy.Limits))
        .maxBytes(Math.max(MIN_STORAGE_BYTES / 4, storageBytes / 64 / replicas)).discardPolicy(DiscardPolicy.New)
        .maxMsgSize(HANDSHAKE_BYTES).maxMessagesPerSubject(1).discardNewPerSubject(true).maxAge(Duration.ofDays(8))
        .build();
    if (retentionOf(jsm, name) == null) {
      add(jsm, config);
    } else {
      jsm.updateStream(config);
    }
    return name;
  }

  /** The retention of an existing stream, or null when there is none. */
  private static RetentionPolicy retentionOf(JetStreamManagement jsm, String stream)
      throws IOException, JetStreamApiException {
    StreamInfo info = found(() -> jsm.getStreamInfo(stream));
    return info == null ? null : info.getConfiguration().getRetentionPolicy();
  }

  /** Every VettID stream: file storage, this layout's replicas and duplicate window. */
  private StreamConfiguration stream(String name, List<String> subjects, RetentionPolicy retention) {
    return StreamConfiguration.builder()
        .name(name)
        .subjects(subjects)
        .retentionPolicy(retention)
        .storageType(StorageType.File)
        .replicas(replicas)
        .duplicateWindow(duplicateWindow)
        .build();
  }

  /** A vault stream with its cap, what it does when full, and the largest message it takes. */
  private StreamConfiguration.Builder capped(StreamConfiguration config, DiscardPolicy whenFull) {
    return StreamConfiguration.builder(config).maxBytes(capOf(config.getName())).discardPolicy(whenFull)
        .maxMsgSize(MAX_MESSAGE_BYTES);
  }

  private static String ensureStream(JetStreamManagement jsm, StreamConfiguration config)
      throws IOException, JetStreamApiException {
    if (exists(() -> jsm.getStreamInfo(config.getName()))) {
      jsm.updateStream(config);
    } else {
      add(jsm, config);
    }
    return config.getName();
  }

  /** The server's error for a stream store it could not create (JetStream error code 10049). */
  static final int STREAM_STORE_FAILED = 10049;

  /**
   * Adds a stream. A stream created in an account whose JWT was just pushed to a cluster can fail on
   * one node with "error creating store for stream" (10049): that node has not yet made the
   * account's JetStream directory (nats-server 2.9). The add is then tried again, up to 5 times
   * within about 3 s; a stream the failed attempt left in place is updated instead.
   */
  private static void add(JetStreamManagement jsm, StreamConfiguration config)
      throws IOException, JetStreamApiException {
    for (int attempt = 1; ; attempt++) {
      try {
        jsm.addStream(config);
        return;
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() != STREAM_STORE_FAILED || attempt == 5) {
          throw e;
        }
      }
      try {
        Thread.sleep(200L * attempt);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while adding stream " + config.getName(), ie);
      }
      if (exists(() -> jsm.getStreamInfo(config.getName()))) {
        jsm.updateStream(config);
        return;
      }
    }
  }

  private interface Lookup<T> {
    T get() throws IOException, JetStreamApiException;
  }

  /** What the lookup finds, or null when the stream (or bucket) does not exist. */
  private static <T> T found(Lookup<T> lookup) throws IOException, JetStreamApiException {
    try {
      return lookup.get();
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == STREAM_NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  private static boolean exists(Lookup<?> lookup) throws IOException, JetStreamApiException {
    return found(lookup) != null;
  }

  /** Builds a {@link JetStreamLayout}. */
  public static final class Builder {
    private int replicas = 1;
    private Duration duplicateWindow = Duration.ofMinutes(2);
    private int kvHistory = 5;
    private long storageBytes = 1L << 30;
    private long depositBytes;

    private Builder() {}

    /**
     * Sets the storage the caps are shares of: the account's JetStream file storage (its {@code
     * JetStreamLimits.diskBytes()}); default 1 GiB, the subscriber default. The caps of all
     * streams and buckets of the vault add up to 85% of it (divided by the replicas).
     *
     * @param bytes at least 16 MiB
     * @return this builder
     */
    public Builder storageBytes(long bytes) {
      if (bytes < MIN_STORAGE_BYTES) {
        throw new IllegalArgumentException("storage must be at least 16 MiB, got " + bytes);
      }
      this.storageBytes = bytes;
      return this;
    }

    /**
     * Sets the cap of each EventSpace's deposit stream (all replicas together); default an eighth
     * of {@link #storageBytes}. The deposit streams live in their own account, whose storage they
     * share.
     *
     * @param bytes at least 1 MiB
     * @return this builder
     */
    public Builder depositBytes(long bytes) {
      if (bytes < (1L << 20)) {
        throw new IllegalArgumentException("a deposit stream's cap must be at least 1 MiB, got " + bytes);
      }
      this.depositBytes = bytes;
      return this;
    }

    /**
     * Sets the replicas: 1 on a single server, 3 on a cluster (or 5).
     *
     * @param replicas 1 to 5
     * @return this builder
     */
    public Builder replicas(int replicas) {
      if (replicas < 1 || replicas > 5) {
        throw new IllegalArgumentException("replicas must be 1..5 (JetStream's limit), got " + replicas);
      }
      this.replicas = replicas;
      return this;
    }

    /**
     * Sets how long a {@code Nats-Msg-Id} is remembered (the window in which a re-sent event is
     * stored once).
     *
     * @param window 1 second to 24 hours
     * @return this builder
     */
    public Builder duplicateWindow(Duration window) {
      Objects.requireNonNull(window, "window");
      if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofHours(24)) > 0) {
        throw new IllegalArgumentException("duplicate window must be 1 s..24 h, got " + window);
      }
      this.duplicateWindow = window;
      return this;
    }

    /**
     * Sets how many revisions of each key/value entry are kept.
     *
     * @param history 1 to 64
     * @return this builder
     */
    public Builder kvHistory(int history) {
      if (history < 1 || history > 64) {
        throw new IllegalArgumentException("history must be 1..64, got " + history);
      }
      this.kvHistory = history;
      return this;
    }

    /** {@return the layout} */
    public JetStreamLayout build() {
      return new JetStreamLayout(this);
    }
  }
}
