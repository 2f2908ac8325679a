package io.vettid.runtime.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.PublishOptions;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.PublishAck;
import io.vettid.nats.subjects.Subjects;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One service's handled-once records in the {@code EventHandlers} bucket: a record of its own per
 * eventId ({@code <Service>.r.<connectionId>.<eventId>}, written by compare-and-set on its last
 * revision), or an entry of a group record ({@code <Service>.g.<hex>}, written once, create-only)
 * for the eventIds handled in one event. Records are cached; the keys of the records and the
 * eventIds of the group records are indexed at start, so a new eventId costs no round trip.
 * Writes are published asynchronously: the caller settles them.
 *
 * <p>The records of <b>finished</b> eventIds expire: a group record, and a record of its own once
 * it is written finished, is forgotten here (index, cache) and purged from the bucket {@code
 * horizon} after it was written, counted on this process's monotonic clock (records found at start
 * count from the start). Every second delivery of a message comes well within it (an unacknowledged
 * message after the consumer's acknowledgement wait, a redelivered deposit when the watcher starts
 * again, a sender's retry within the streams' 2-minute duplicate window), and a replay of an older
 * deposit is refused by the opener's kept sessions; so heap and bucket stay bounded by the events
 * of one horizon. A record whose handler has not finished is the handler's state and is kept.
 */
final class HandledOnceStore {
  /** The token after the service's name that marks a record of its own. */
  private static final String RECORD_TOKEN = "r.";

  /** The token after the service's name that marks a group record's key. */
  static final String GROUP_TOKEN = "g.";

  /** Most events in one group record. */
  static final int MAX_GROUP = 256;

  /** Largest group record, in bytes; an entry that would not fit starts the next group. */
  static final int MAX_GROUP_BYTES = 256 * 1024;

  /** Largest entry a group takes; a commit with a larger outbox is written as its own record. */
  private static final int MAX_GROUP_ENTRY_BYTES = 16 * 1024;

  /** Records kept in memory (most recently used). */
  private static final int MAX_CACHED = 10_000;

  private static final byte[] GROUP_OPEN = "{\"v\":1,\"entries\":[".getBytes(StandardCharsets.UTF_8);
  private static final byte[] GROUP_CLOSE = {']', '}'};
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String service;
  private final Connection nc;
  private final String bucket = Subjects.name("EventHandlers");
  private final KeyValue records;
  private final JetStream js;
  /** The tokens ({@link HandlerKey#token()}) of the eventIds that have a record of their own. */
  private final Set<String> known = ConcurrentHashMap.newKeySet();
  /** The eventIds committed in group records, and the number of each one's group (fingerprints, a hint). */
  private final GroupIndex grouped = new GroupIndex();
  /** The key of each group record still indexed, by its number. */
  private final Map<Long, String> groupKeys = new ConcurrentHashMap<>();
  /** The next group's number. */
  private final java.util.concurrent.atomic.AtomicLong nextGroup = new java.util.concurrent.atomic.AtomicLong();
  /** This store's run, in its group keys: a minute's groups of one run share a key prefix. */
  private final String run = HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(4).putInt(RANDOM.nextInt()).array());
  /** When this store started, on {@link #clock}: group keys count minutes from it. */
  private final long startedAt;
  /** The key prefix of this run's expired groups not purged yet, or null; and the minute it names. */
  private String unpurged;
  private long unpurgedMinute;
  /** How long a finished eventId's record is kept, in nanoseconds of {@link #clock}. */
  private final long horizonNanos;
  private final java.util.function.LongSupplier clock;
  /** The finished records to forget, oldest first. */
  private final java.util.ArrayDeque<Expiry> expiring = new java.util.ArrayDeque<>();
  private long expired;

  /**
   * A finished record to forget once the horizon passed: a group record (its number, -1 for none,
   * and its members' fingerprints), or an eventId's own record ({@code check}: found at start,
   * whether it is finished is read when its time comes).
   */
  private record Expiry(long at, long group, long[] members, HandlerKey id, boolean check) {}

  /** A cached record and the eventId it is of (the cache is keyed by the eventId's fingerprint). */
  private record Cached(HandlerKey id, HandledOnceRecord rec) {}

  private final Map<Long, Cached> cache = new LinkedHashMap<>(1024, 0.75f, true) {
    @java.io.Serial private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Cached> eldest) {
      return size() > MAX_CACHED;
    }
  };

  /**
   * Opens a service's records and indexes them. A group record that cannot be read stops the
   * service from starting: without it, its events would be handled a second time.
   *
   * @param nc a connection of the vault's account
   * @param service the service's name
   * @throws IOException if a group record is unreadable, or on a connection failure
   */
  HandledOnceStore(Connection nc, String service) throws IOException, JetStreamApiException {
    this(nc, service, DEFAULT_HORIZON, System::nanoTime);
  }

  /** The horizon of finished records unless a service sets another. */
  static final java.time.Duration DEFAULT_HORIZON = java.time.Duration.ofMinutes(10);

  /**
   * Opens a service's records with the horizon of its finished records and a clock (tests).
   *
   * @param horizon how long a finished eventId's record is kept
   * @param clock monotonic nanoseconds
   */
  HandledOnceStore(Connection nc, String service, java.time.Duration horizon, java.util.function.LongSupplier clock)
      throws IOException, JetStreamApiException {
    this.horizonNanos = horizon.toNanos();
    this.clock = clock;
    this.startedAt = clock.getAsLong();
    this.nc = nc;
    this.service = service;
    this.records = nc.keyValue(bucket);
    this.js = nc.jetStream();
    try {
      for (String k : records.keys(service + ".>")) {
        String rest = k.substring(service.length() + 1);
        if (rest.startsWith(GROUP_TOKEN)) {
          indexGroup(k, records.get(k));
        } else if (rest.startsWith(RECORD_TOKEN)) {
          String token = rest.substring(RECORD_TOKEN.length());
          known.add(token);
          try {
            expiring.add(new Expiry(clock.getAsLong(), -1, null, HandlerKey.ofToken(token), true));
          } catch (IllegalArgumentException notOurs) {
            // a key this service never wrote: indexed, never expired
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the handler records of " + service, e);
    }
  }

  /**
   * The record of an eventId: from the cache; else read from the bucket if this service ever
   * wrote one for it (the index of record keys, read at start and kept up to date); else certainly
   * absent, with no round trip.
   *
   * @param id the eventId and its connection
   * @return the record, or null if there is none
   */
  HandledOnceRecord find(HandlerKey id) throws IOException, JetStreamApiException {
    String token = id.token();
    long f = GroupIndex.fingerprint(token);
    String group;
    synchronized (cache) {
      Cached c = cache.get(f);
      if (c != null && c.id().equals(id)) {
        return c.rec();
      }
      long number = grouped.groupOf(token);
      group = number < 0 ? null : groupKeys.get(number);
      if (group == null && !known.contains(token)) {
        return null;
      }
    }
    // a group the index names may not hold this eventId (a shared fingerprint): it is then absent
    HandledOnceRecord r = group != null ? loadGrouped(id, group) : null;
    if (r == null && known.contains(token)) {
      r = HandledOnceRecord.load(records, recordKey(id));
    }
    remember(f, id, r);
    return r;
  }

  /**
   * Keeps a record in the cache, or forgets it (null): it is read from the bucket next time.
   *
   * @param id the eventId and its connection
   * @param rec the record, or null
   */
  void remember(HandlerKey id, HandledOnceRecord rec) {
    remember(GroupIndex.fingerprint(id.token()), id, rec);
  }

  /** {@link #remember(HandlerKey, HandledOnceRecord)} with the eventId's fingerprint already at hand. */
  private void remember(long f, HandlerKey id, HandledOnceRecord rec) {
    synchronized (cache) {
      if (rec == null) {
        Cached c = cache.get(f);
        if (c != null && c.id().equals(id)) {
          cache.remove(f);
        }
      } else {
        cache.put(f, new Cached(id, rec));
      }
    }
  }

  /**
   * Publishes an eventId's own record, compare-and-set on the revision it was read at (0: none).
   *
   * @param id the eventId and its connection
   * @param next the record to write
   * @return the write's acknowledgement
   */
  CompletableFuture<PublishAck> write(HandlerKey id, HandledOnceRecord next) throws IOException {
    CompletableFuture<PublishAck> write = js.publishAsync(Subjects.keyValue(bucket, recordKey(id)), next.toBytes(),
        PublishOptions.builder().expectedLastSubjectSequence(next.revision).build());
    known.add(id.token());
    if (next.finished) {
      synchronized (expiring) {
        expiring.add(new Expiry(clock.getAsLong(), -1, null, id, false));
      }
    }
    return write;
  }

  /**
   * One event's entry of a group record, or null if its outbox is too large for a group.
   *
   * @param id the eventId and its connection
   * @param next its record
   * @return the entry's JSON, or null
   */
  static byte[] groupEntry(HandlerKey id, HandledOnceRecord next) throws IOException {
    byte[] e = next.toBytes(id.connection().value(), id.eventId().value());
    return e.length > MAX_GROUP_ENTRY_BYTES ? null : e;
  }

  /**
   * Publishes one group record (create-only, under a fresh key) of entries made by {@link
   * #groupEntry}: {@code {"v":1,"entries":[entry,entry,...]}}, the entries serialized once, when
   * prepared.
   *
   * @param ids the members' eventIds
   * @param entries their entries, in the same order
   * @return the write's acknowledgement (failed if it could not be published)
   */
  CompletableFuture<PublishAck> writeGroup(List<HandlerKey> ids, List<byte[]> entries) {
    byte[] key = new byte[16];
    RANDOM.nextBytes(key);
    // <service>.g.<run>.<minute>.<hex>: the groups of one minute of this run are purged in one request
    String group = groupPrefix(clock.getAsLong()) + HexFormat.of().formatHex(key);
    ByteArrayOutputStream body = new ByteArrayOutputStream(64 + entries.size() * 256);
    body.writeBytes(GROUP_OPEN);
    for (int i = 0; i < entries.size(); i++) {
      if (i > 0) {
        body.write(',');
      }
      body.writeBytes(entries.get(i));
    }
    body.writeBytes(GROUP_CLOSE);
    CompletableFuture<PublishAck> write;
    try {
      write = js.publishAsync(Subjects.keyValue(bucket, group), body.toByteArray(),
          PublishOptions.builder().expectedLastSubjectSequence(0).build());
    } catch (RuntimeException e) {
      write = CompletableFuture.failedFuture(e);
    }
    index(group, ids.stream().map(HandlerKey::token).toList());
    return write;
  }

  /** Most expired records handled by one call of {@link #expire}, so that a call stays short. */
  static final int EXPIRE_AT_ONCE = 1024;

  /**
   * Forgets the finished records whose horizon passed: their index entries and cached records here,
   * and their keys in the bucket (purged, with their history, in requests not waited for). A record
   * of its own found at start is read first, and kept if its handler has not finished.
   *
   * @return how many records were forgotten
   */
  int expire() {
    long cutoff = clock.getAsLong() - horizonNanos;
    int n = 0;
    while (n < EXPIRE_AT_ONCE) {
      Expiry e;
      synchronized (expiring) {
        e = expiring.peekFirst();
        if (e == null || e.at() - cutoff > 0) {
          break;
        }
        expiring.removeFirst();
      }
      if (e.group() >= 0) {
        grouped.forget(e.group(), e.members());
        forgetCached(e.members());
        purgeGroup(groupKeys.remove(e.group()));
      } else {
        if (e.check() && !finished(e.id().token())) {
          continue; // its handler lives on: its state stays
        }
        known.remove(e.id().token());
        forgetCached(new long[] {GroupIndex.fingerprint(e.id().token())});
        purge(service + "." + RECORD_TOKEN + e.id().token());
      }
      n++;
    }
    purgeFinishedMinute(clock.getAsLong());
    expired += n;
    return n;
  }

  /** {@return how many finished records were forgotten so far} */
  long expired() {
    return expired;
  }

  /** {@return how many eventIds the index holds (records of their own and group entries)} */
  int indexed() {
    return known.size() + grouped.size();
  }

  /** Whether an eventId's own record (found at start) says its handler finished; true if it is gone. */
  private boolean finished(String token) {
    try {
      KeyValueEntry e = records.get(service + "." + RECORD_TOKEN + token);
      return e == null || e.getValue() == null
          || HandledOnceRecord.JSON.readTree(e.getValue()).path("finished").asBoolean(false);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      return false; // kept: read again never, forgotten only if it is written finished
    }
  }

  /** Forgets cached records by their fingerprints (another eventId's that shares one is read again later). */
  private void forgetCached(long[] fingerprints) {
    synchronized (cache) {
      for (long f : fingerprints) {
        cache.remove(f);
      }
    }
  }

  /** Indexes the members of a group record and schedules their expiry. */
  private void index(String group, List<String> tokens) {
    long number = nextGroup.getAndIncrement();
    groupKeys.put(number, group);
    long[] members = new long[tokens.size()];
    for (int i = 0; i < members.length; i++) {
      members[i] = grouped.put(tokens.get(i), number);
    }
    synchronized (expiring) {
      expiring.add(new Expiry(clock.getAsLong(), number, members, null, false)); // counted from now
    }
  }

  /** The key prefix of the groups written at {@code now}: {@code <service>.g.<run>.<minute>.}. */
  private String groupPrefix(long now) {
    return service + "." + GROUP_TOKEN + run + "." + Long.toHexString((now - startedAt) / 60_000_000_000L) + ".";
  }

  /**
   * An expired group's key goes from the bucket: a key of this run is purged with its whole minute,
   * once a group of a later minute expires (groups expire in the order they were written) or the
   * minute and a horizon have passed: one purge request a minute rather than one per group, each
   * of which rewrites a block of the encrypted store (the soak stalled the server with them). A key
   * of an earlier run or of the earlier form is purged alone.
   */
  private void purgeGroup(String key) {
    String[] t = key.substring(service.length() + 1).split("\\.");
    if (t.length != 4 || !t[1].equals(run)) {
      purge(key); // of the earlier form, or of an earlier run (found at start): alone
      return;
    }
    String prefix = service + "." + t[0] + "." + t[1] + "." + t[2] + ".";
    if (!prefix.equals(unpurged)) {
      if (unpurged != null) {
        purge(unpurged + ">");
      }
      unpurged = prefix;
      unpurgedMinute = Long.parseLong(t[2], 16);
    }
  }

  /** Purges the pending minute once every group it can hold has expired (its minute over, plus the horizon). */
  private void purgeFinishedMinute(long now) {
    if (unpurged != null && now - startedAt - horizonNanos >= (unpurgedMinute + 1) * 60_000_000_000L) {
      purge(unpurged + ">");
      unpurged = null;
    }
  }

  /**
   * Purges a key (or, ending in {@code .>}, the keys under a prefix) and its history from the
   * bucket's stream, not waiting for the answer.
   */
  private void purge(String key) {
    try {
      String subject = key.endsWith(".>") ? Subjects.keyValue(bucket, key.substring(0, key.length() - 2)) + ".>"
          : Subjects.keyValue(bucket, key);
      nc.request("$JS.API.STREAM.PURGE.KV_" + bucket, ("{\"filter\":\"" + subject + "\"}")
          .getBytes(StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      // left in the bucket: the index no longer names it, so it is never read again
    }
  }

  private String recordKey(HandlerKey id) {
    return service + "." + RECORD_TOKEN + id.token();
  }

  /** Indexes the eventIds of one group record read at start. */
  private void indexGroup(String group, KeyValueEntry entry) throws IOException {
    if (entry == null || entry.getValue() == null) {
      return; // deleted
    }
    JsonNode entries;
    try {
      entries = HandledOnceRecord.JSON.readTree(entry.getValue()).path("entries");
    } catch (IOException e) {
      throw unreadable(group);
    }
    if (!entries.isArray()) {
      throw unreadable(group);
    }
    List<String> tokens = new java.util.ArrayList<>();
    for (JsonNode e : entries) {
      String id = e.path("eventId").asText("");
      String connection = e.path("connectionId").asText("");
      if (id.isEmpty() || connection.isEmpty()) {
        throw unreadable(group);
      }
      try {
        tokens.add(HandlerKey.ofToken(connection + "." + id).token());
      } catch (IllegalArgumentException notAnId) {
        throw unreadable(group);
      }
    }
    index(group, tokens); // counted from the start
  }

  private IOException unreadable(String group) {
    return new IOException(service + ": the group record " + group + " in EventHandlers is not readable; the service "
        + "does not start rather than handle its events a second time");
  }

  /** The record of an eventId committed in a group: finished, its one key done, its outbox. */
  private HandledOnceRecord loadGrouped(HandlerKey id, String group) throws IOException, JetStreamApiException {
    KeyValueEntry e = records.get(group);
    if (e == null || e.getValue() == null) {
      return null;
    }
    for (JsonNode x : HandledOnceRecord.JSON.readTree(e.getValue()).path("entries")) {
      if (x instanceof ObjectNode o && o.path("eventId").asText().equals(id.eventId().value())
          && o.path("connectionId").asText().equals(id.connection().value())) {
        return HandledOnceRecord.fromJson(o, e.getRevision());
      }
    }
    return null;
  }
}
