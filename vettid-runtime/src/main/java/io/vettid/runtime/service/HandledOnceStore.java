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
  private final String bucket = Subjects.name("EventHandlers");
  private final KeyValue records;
  private final JetStream js;
  /** The tokens ({@link HandlerKey#token()}) of the eventIds that have a record of their own. */
  private final Set<String> known = ConcurrentHashMap.newKeySet();
  /** The eventIds committed in group records, and the key of each one's group. */
  private final Map<String, String> grouped = new ConcurrentHashMap<>();
  private final Map<HandlerKey, HandledOnceRecord> cache = new LinkedHashMap<>(1024, 0.75f, true) {
    @java.io.Serial private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<HandlerKey, HandledOnceRecord> eldest) {
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
    this.service = service;
    this.records = nc.keyValue(bucket);
    this.js = nc.jetStream();
    try {
      for (String k : records.keys(service + ".>")) {
        String rest = k.substring(service.length() + 1);
        if (rest.startsWith(GROUP_TOKEN)) {
          indexGroup(k, records.get(k));
        } else if (rest.startsWith(RECORD_TOKEN)) {
          known.add(rest.substring(RECORD_TOKEN.length()));
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
    String group;
    synchronized (cache) {
      HandledOnceRecord r = cache.get(id);
      group = grouped.get(id.token());
      if (r != null || (group == null && !known.contains(id.token()))) {
        return r;
      }
    }
    HandledOnceRecord r = group != null ? loadGrouped(id, group) : HandledOnceRecord.load(records, recordKey(id));
    remember(id, r);
    return r;
  }

  /**
   * Keeps a record in the cache, or forgets it (null): it is read from the bucket next time.
   *
   * @param id the eventId and its connection
   * @param rec the record, or null
   */
  void remember(HandlerKey id, HandledOnceRecord rec) {
    synchronized (cache) {
      if (rec == null) {
        cache.remove(id);
      } else {
        cache.put(id, rec);
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
    String group = service + "." + GROUP_TOKEN + HexFormat.of().formatHex(key);
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
    for (HandlerKey id : ids) {
      grouped.put(id.token(), group);
    }
    return write;
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
    for (JsonNode e : entries) {
      String id = e.path("eventId").asText("");
      String connection = e.path("connectionId").asText("");
      if (id.isEmpty() || connection.isEmpty()) {
        throw unreadable(group);
      }
      grouped.put(connection + "." + id, group);
    }
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
