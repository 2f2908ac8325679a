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
 *       Subjects#EVENTS_STREAM}: ids, types and outcomes, the last 10,000), one key/value bucket per
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

  private final int replicas;
  private final Duration duplicateWindow;
  private final int kvHistory;

  private JetStreamLayout(Builder b) {
    this.replicas = b.replicas;
    this.duplicateWindow = b.duplicateWindow;
    this.kvHistory = b.kvHistory;
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
    made.add(ensureStream(jsm,
        stream(Subjects.DATA_VAULT_STREAM, Subjects.DATA_VAULT_QUEUE.value(), RetentionPolicy.WorkQueue)));
    made.add(ensureStream(jsm,
        stream(Subjects.QUARANTINE_STREAM, Subjects.QUARANTINE.value(), RetentionPolicy.Limits)));
    made.add(ensureStream(jsm,
        stream(Subjects.APP_MANAGER_STREAM, Subjects.appQueues(), RetentionPolicy.WorkQueue)));
    made.add(ensureStream(jsm, StreamConfiguration.builder(
            stream(Subjects.EVENTS_STREAM, Subjects.MANAGER_EVENTS.value(), RetentionPolicy.Limits))
        .maxMessages(10_000).maxAge(Duration.ofDays(30)).build()));
    KeyValueManagement kvm = nc.keyValueManagement();
    for (String bucket : Subjects.VAULT_BUCKETS) {
      KeyValueConfiguration config = KeyValueConfiguration.builder()
          .name(bucket).storageType(StorageType.File).replicas(replicas).maxHistoryPerKey(kvHistory).build();
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
      osm.create(ObjectStoreConfiguration.builder(files).storageType(StorageType.File).replicas(replicas).build());
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
    StreamConfiguration config = stream(name, subjects, existing == null ? RetentionPolicy.Limits : existing);
    if (existing == null) {
      jsm.addStream(config);
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
  private StreamConfiguration stream(String name, String subject, RetentionPolicy retention) {
    return StreamConfiguration.builder()
        .name(name)
        .subjects(subject)
        .retentionPolicy(retention)
        .storageType(StorageType.File)
        .replicas(replicas)
        .duplicateWindow(duplicateWindow)
        .build();
  }

  private static String ensureStream(JetStreamManagement jsm, StreamConfiguration config)
      throws IOException, JetStreamApiException {
    if (exists(() -> jsm.getStreamInfo(config.getName()))) {
      jsm.updateStream(config);
    } else {
      jsm.addStream(config);
    }
    return config.getName();
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

    private Builder() {}

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
