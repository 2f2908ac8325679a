package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.vettid.api.ConnectionId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.SecretBox;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.crypto.envelope.SessionStates;
import io.vettid.crypto.keyring.KeyRing;
import io.vettid.crypto.keyring.SealedKeyRing;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * Connection records sealed in the vault's {@code Connections} bucket: each record (this side's
 * private keys, the peer's public keys and identity, the NATS user the peer issued, rotation
 * state) is a JSON document sealed with AES-256-GCM under a key derived from the vault secret
 * ({@code HKDF(vaultSecret, "vettid/connections/v1")}), bound to its key name. The bucket is also
 * encrypted at rest by the server; this second seal means a copy of the store, or a NATS user with
 * read access to the bucket, still learns nothing. A connection's wrapping keys are a {@link
 * KeyRing} inside the record, sealed on their own with {@link SealedKeyRing} under another key
 * derived from the vault secret ({@code "vettid/connections/rings/v1"}), for the purpose {@code
 * connection/<id>/wrapping}.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class ConnectionStore {
  private static final String PREFIX = "conn.";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Connection connection;
  private final KeyValue kv;
  private final io.nats.client.JetStream js;
  private final String bucket = Subjects.name("Connections");
  private final byte[] key;
  private final byte[] ringKey;
  private final byte[] sessionKey;
  private final SecureRandom random = new SecureRandom();

  /**
   * Opens the store.
   *
   * @param nc a connection of the vault's account (the {@code Connections} bucket must exist)
   * @param vaultSecret the vault secret (at least 32 bytes; copied into a derived key)
   * @throws IOException if the bucket cannot be opened
   */
  public ConnectionStore(Connection nc, byte[] vaultSecret) throws IOException {
    this.connection = Objects.requireNonNull(nc, "nc");
    this.kv = nc.keyValue(Subjects.name("Connections"));
    this.js = nc.jetStream();
    if (Objects.requireNonNull(vaultSecret, "vaultSecret").length < 32) {
      throw new IllegalArgumentException("the vault secret must be at least 32 bytes");
    }
    this.key = SecretBox.derive(vaultSecret, RECORDS_LABEL, 32);
    this.ringKey = SecretBox.derive(vaultSecret, RINGS_LABEL, 32);
    this.sessionKey = SecretBox.derive(vaultSecret, SESSIONS_LABEL, 32);
  }

  /** The HKDF label of the key sealing records and tombstones (one definition: the store and its re-seal). */
  private static final String RECORDS_LABEL = "vettid/connections/v1";
  /** The HKDF label of the key sealing each record's wrapping key ring. */
  private static final String RINGS_LABEL = "vettid/connections/rings/v1";
  /** The HKDF label of the key sealing envelope sessions. */
  private static final String SESSIONS_LABEL = "vettid/connections/sessions/v1";

  /**
   * Seals every entry of a vault's {@code Connections} bucket again under keys derived from a new
   * vault secret (records with their wrapping rings, tombstones, sessions) and drops their history,
   * for a re-key of the vault secret while the vault is stopped. An entry of a form this store does
   * not write stops it: nothing is left sealed under a secret that is about to be destroyed unnoticed.
   *
   * @param nc a connection of the vault's account
   * @param oldSecret the vault secret the entries are sealed under
   * @param newSecret the vault secret to seal them under (at least 32 bytes)
   * @return how many entries were sealed again
   * @throws IOException if the bucket cannot be read or written, or holds an entry of another form
   * @throws GeneralSecurityException if an entry does not open under {@code oldSecret}
   * @throws JetStreamApiException if the server refuses a read, write or purge
   */
  public static int reseal(Connection nc, byte[] oldSecret, byte[] newSecret)
      throws IOException, GeneralSecurityException, JetStreamApiException {
    Objects.requireNonNull(nc, "nc");
    if (Objects.requireNonNull(oldSecret, "oldSecret").length < 32
        || Objects.requireNonNull(newSecret, "newSecret").length < 32) {
      throw new IllegalArgumentException("the vault secrets must be at least 32 bytes");
    }
    byte[][] keys = {SecretBox.derive(oldSecret, RECORDS_LABEL, 32), SecretBox.derive(newSecret, RECORDS_LABEL, 32),
        SecretBox.derive(oldSecret, RINGS_LABEL, 32), SecretBox.derive(newSecret, RINGS_LABEL, 32),
        SecretBox.derive(oldSecret, SESSIONS_LABEL, 32), SecretBox.derive(newSecret, SESSIONS_LABEL, 32)};
    SecureRandom random = new SecureRandom();
    try {
      return io.vettid.nats.jetstream.BucketReseal.reseal(nc, Subjects.name("Connections"), k -> true, (k, sealed) -> {
        byte[] aad = k.getBytes(StandardCharsets.UTF_8);
        boolean session = k.startsWith(SEALING) || k.startsWith(OPENINGS) || k.startsWith(BATCH)
            || k.startsWith(SNAPSHOT);
        if (!session && !k.startsWith(PREFIX) && !k.startsWith(TOMB)) {
          throw new IOException("the Connections bucket holds an entry of an unknown form: " + k);
        }
        byte[] plain = SecretBox.open(keys[session ? 4 : 0], aad, sealed);
        try {
          if (k.startsWith(PREFIX)) {
            ObjectNode record = (ObjectNode) JSON.readTree(plain);
            for (String field : new String[] {"wrapping", "previousWrapping"}) { // and a migration's previous ring
              JsonNode ring = record.get(field);
              if (ring != null) {
                record.put(field, java.util.Base64.getEncoder().encodeToString(SealedKeyRing.reseal(
                    java.util.Base64.getDecoder().decode(ring.asText()),
                    ringPurpose(ConnectionId.of(k.substring(PREFIX.length()))), keys[2], keys[3])));
              }
            }
            byte[] next = JSON.writeValueAsBytes(record);
            try {
              return SecretBox.seal(keys[1], aad, next, random);
            } finally {
              Arrays.fill(next, (byte) 0);
              record.removeAll();
            }
          }
          return SecretBox.seal(keys[session ? 5 : 1], aad, plain, random);
        } finally {
          Arrays.fill(plain, (byte) 0);
        }
      });
    } finally {
      for (byte[] k : keys) {
        Arrays.fill(k, (byte) 0);
      }
    }
  }

  // ---------------------------------------------------------------- envelope sessions

  private static final String SEALING = "seal.";
  /** One connection's opening sessions, as earlier builds wrote them (read, never written now). */
  private static final String OPENINGS = "open.";
  /** The opening sessions of the connections one acknowledgement batch covered: {@code opens.<order>}. */
  private static final String BATCH = "opens.";
  /** A chunk of a snapshot of every connection's opening sessions: {@code openall.<order>.<i>}. */
  private static final String SNAPSHOT = "openall.";
  /** The byte form of a batch or snapshot chunk (PROTOCOL section 6). */
  private static final byte[] BATCH_MAGIC = {'V', 'S', 'B', 1};
  /** The most plaintext one snapshot chunk holds (a message is at most 1 MiB). */
  static final int SNAPSHOT_CHUNK_BYTES = 512 * 1024;

  /**
   * Writes a connection's sealing session ({@link Sealer.Journal}), waiting until the server
   * stored it: sealed under the sessions key, bound to its key name.
   */
  void saveSealing(ConnectionId local, SessionStates.Sealing session) throws IOException {
    byte[] plain = SessionStates.encode(session);
    String k = SEALING + local.value();
    written(k);
    try {
      kv.put(k, seal(sessionKey, k, plain));
    } catch (JetStreamApiException e) {
      throw new IOException("the sealing session of " + local + " was not stored: " + e.getMessage(), e);
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /** A connection's opening sessions, to be written with others'. */
  record OpeningsOf(ConnectionId local, SessionStates.Openings openings) {
    OpeningsOf {
      Objects.requireNonNull(local, "local");
      Objects.requireNonNull(openings, "openings");
    }
  }

  /**
   * Starts writing the opening sessions of several connections in one entry ({@code opens.<order>}):
   * one write for an acknowledgement batch, whatever number of connections it covers. The caller
   * starts writes in the order of the states' snapshots (one at a time); what is read back at a
   * restart is, for each connection, the state of the entry with the highest order.
   *
   * @return a future completed when the server stored the entry, and the plaintext's size
   */
  Written saveOpenings(List<OpeningsOf> batch) {
    long order = nextOrder.getAndIncrement();
    byte[] plain = encodeBatch(order, batch);
    int bytes = plain.length;
    return new Written(publishSessions(BATCH + order, batch, plain), bytes);
  }

  /**
   * Starts writing one entry of opening sessions (a batch or a snapshot's chunk), sealed under its
   * key name, which from now on holds the newest state of each connection it names; overwrites
   * {@code plain}.
   */
  private java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck> publishSessions(String k,
      List<OpeningsOf> part, byte[] plain) {
    try {
      for (OpeningsOf o : part) {
        preOpenings.remove(o.local().value()); // a newer state than the preload's
        newest.put(o.local().value(), k);
      }
      return js.publishAsync(Subjects.keyValue(bucket, k), seal(sessionKey, k, plain));
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /** A write started: its future and the bytes it holds. */
  record Written(java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck> stored, long bytes) {}

  /**
   * Starts writing a snapshot of the opening sessions of every connection given, in chunks
   * ({@code openall.<order>.<i>}); once all are stored, {@link #dropSessionsBefore} may remove the
   * batches, snapshots and single entries written before it. Called in the same order as {@link
   * #saveOpenings} (one at a time, after taking the states).
   *
   * @return a future completed with the first chunk's stream sequence once every chunk is stored,
   *     and the snapshot's size
   */
  SnapshotWritten saveSnapshot(List<OpeningsOf> all) {
    long order = nextOrder.getAndIncrement();
    List<byte[]> states = new ArrayList<>(all.size());
    for (OpeningsOf o : all) {
      states.add(SessionStates.encode(o.openings()));
    }
    List<java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck>> chunks = new ArrayList<>();
    long bytes = 0;
    int from = 0;
    int chunk = 0;
    try {
      do {
        int to = from;
        long size = 16;
        while (to < all.size() && (to == from
            || size + 6 + all.get(to).local().value().length() + states.get(to).length <= SNAPSHOT_CHUNK_BYTES)) {
          size += 6 + all.get(to).local().value().length() + states.get(to).length;
          to++;
        }
        byte[] plain = encodeBatch(order, all.subList(from, to), states.subList(from, to));
        bytes += plain.length;
        chunks.add(publishSessions(SNAPSHOT + order + "." + chunk++, all.subList(from, to), plain));
        from = to;
      } while (from < all.size());
    } finally {
      states.forEach(b -> Arrays.fill(b, (byte) 0));
    }
    return new SnapshotWritten(java.util.concurrent.CompletableFuture.allOf(
        chunks.toArray(java.util.concurrent.CompletableFuture[]::new)).thenApply(x -> chunks.get(0).join().getSeqno()),
        bytes);
  }

  /** A snapshot started: a future of its first chunk's stream sequence once every chunk is stored, and its bytes. */
  record SnapshotWritten(java.util.concurrent.CompletableFuture<Long> stored, long bytes) {}

  /**
   * Removes the opening sessions stored before a snapshot (batches, earlier snapshots, single
   * entries of earlier builds): the snapshot and what came after hold every kept connection's
   * newest state. Entries are stored in the order their writes were started, so those before the
   * snapshot's first chunk are the older ones.
   *
   * @param firstChunk the stream sequence of the snapshot's first chunk, every chunk being stored
   * @return how many entries were removed
   * @throws IOException if the bucket cannot be purged
   */
  long dropSessionsBefore(long firstChunk) throws IOException {
    io.nats.client.JetStreamManagement jsm = connection.jetStreamManagement();
    long dropped = 0;
    try {
      for (String prefix : List.of(BATCH, SNAPSHOT, OPENINGS)) {
        dropped += jsm.purgeStream("KV_" + bucket, io.nats.client.PurgeOptions.builder()
            .subject("$KV." + bucket + "." + prefix + ">").sequence(firstChunk).build()).getPurged();
      }
    } catch (JetStreamApiException e) {
      throw new IOException("the kept sessions before sequence " + firstChunk + " were not removed: "
          + e.getMessage(), e);
    }
    return dropped;
  }

  /** The order of a kept opening-sessions entry's key (0 for a single entry of an earlier build), or -1. */
  private static long orderOf(String k) {
    try {
      if (k.startsWith(OPENINGS)) {
        return 0;
      }
      if (k.startsWith(BATCH)) {
        return Long.parseLong(k.substring(BATCH.length()));
      }
      if (k.startsWith(SNAPSHOT)) {
        String rest = k.substring(SNAPSHOT.length());
        return Long.parseLong(rest.substring(0, rest.indexOf('.')));
      }
    } catch (RuntimeException notOurs) {
      return -1;
    }
    return -1;
  }

  /**
   * The byte form of a batch or snapshot chunk: {@code "VSB" 0x01 || u64 order || u32 n || n x
   * (u16 idLength || id (ASCII) || u32 length || opening sessions ("VSO" 0x01 form))}.
   */
  static byte[] encodeBatch(long order, List<OpeningsOf> batch) {
    List<byte[]> states = new ArrayList<>(batch.size());
    for (OpeningsOf o : batch) {
      states.add(SessionStates.encode(o.openings()));
    }
    try {
      return encodeBatch(order, batch, states);
    } finally {
      states.forEach(b -> Arrays.fill(b, (byte) 0));
    }
  }

  /** {@link #encodeBatch(long, List)} with each connection's state already in its byte form. */
  private static byte[] encodeBatch(long order, List<OpeningsOf> batch, List<byte[]> states) {
    int size = 4 + 8 + 4;
    for (int i = 0; i < batch.size(); i++) {
      size += 2 + batch.get(i).local().value().length() + 4 + states.get(i).length;
    }
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(size);
    b.put(BATCH_MAGIC).putLong(order).putInt(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      byte[] id = batch.get(i).local().value().getBytes(StandardCharsets.US_ASCII);
      b.putShort((short) id.length).put(id).putInt(states.get(i).length).put(states.get(i));
    }
    return b.array();
  }

  /** A decoded batch or snapshot chunk: its order, and each connection's opening sessions (their byte form). */
  record Batch(long order, java.util.Map<String, byte[]> states) {}

  /**
   * Decodes what {@link #encodeBatch} wrote.
   *
   * @throws IllegalArgumentException if the bytes are not exactly such a form
   */
  static Batch decodeBatch(byte[] bytes) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(Objects.requireNonNull(bytes, "bytes"));
    try {
      byte[] magic = new byte[4];
      b.get(magic);
      if (!Arrays.equals(magic, BATCH_MAGIC)) {
        throw new IllegalArgumentException("not a batch of opening sessions");
      }
      long order = b.getLong();
      int n = b.getInt();
      if (order < 1 || n < 0 || n > b.remaining() / 6) {
        throw new IllegalArgumentException("a batch of opening sessions with order " + order + " and " + n + " entries");
      }
      java.util.Map<String, byte[]> states = new java.util.LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        byte[] id = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(id);
        String local = ConnectionId.of(new String(id, StandardCharsets.US_ASCII)).value();
        int length = b.getInt();
        if (length < 0 || length > b.remaining()) {
          throw new IllegalArgumentException("a batch of opening sessions: an entry of " + length + " bytes");
        }
        byte[] state = new byte[length];
        b.get(state);
        if (states.put(local, state) != null) {
          throw new IllegalArgumentException("a batch of opening sessions names " + local + " twice");
        }
      }
      if (b.hasRemaining()) {
        throw new IllegalArgumentException("a batch of opening sessions: " + b.remaining() + " bytes after its end");
      }
      return new Batch(order, states);
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalArgumentException("a batch of opening sessions is truncated");
    }
  }

  /**
   * A connection's kept sealing session, or null: none, or one that does not open or decode (then
   * a new session starts, which is safe: a new key, so no nonce is used twice).
   */
  SessionStates.Sealing sealing(ConnectionId local) {
    byte[] plain = null;
    try {
      plain = sessionBytes(SEALING + local.value());
      return plain == null ? null : SessionStates.decodeSealing(plain);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      LOG.warn("connection {}: its kept sealing session is not used ({}); a new session starts", local,
          e.getMessage());
      return null;
    } finally {
      if (plain != null) {
        Arrays.fill(plain, (byte) 0);
      }
    }
  }

  /**
   * A connection's kept opening sessions, or null if none were kept: the newest state written for
   * it (of the batch, snapshot or single entry of highest order).
   *
   * @throws GeneralSecurityException if they were kept but do not open or decode, or a batch that
   *     may hold a newer state does not (the caller asks the peer for a new session)
   */
  SessionStates.Openings openings(ConnectionId local) throws GeneralSecurityException {
    if (!preloadDone) {
      try {
        preloadSessions(); // the newest state may be in any batch: they are all read first
      } catch (IOException e) {
        throw new GeneralSecurityException("the kept sessions could not be read", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new GeneralSecurityException("interrupted while reading the kept sessions", e);
      }
    }
    if (batchesUnreadable) {
      throw new GeneralSecurityException("a batch of kept opening sessions does not open or decode, and may hold the"
          + " newest state of " + local);
    }
    byte[] plain;
    Candidate c = preOpenings.remove(local.value()); // from the preload, once
    if (c != null) {
      String k = OPENINGS + local.value();
      plain = SecretBox.open(sessionKey, k.getBytes(StandardCharsets.UTF_8), c.sealed());
    } else {
      String k = newest.get(local.value());
      if (k == null) {
        return null;
      }
      plain = readOpenings(local, k);
    }
    try {
      return SessionStates.decodeOpenings(plain);
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException("the opening sessions of " + local + " do not decode: " + e.getMessage());
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /** A connection's opening sessions from the entry that holds its newest state. */
  private byte[] readOpenings(ConnectionId local, String k) throws GeneralSecurityException {
    KeyValueEntry e;
    try {
      e = kv.get(k);
    } catch (IOException | JetStreamApiException x) {
      throw new GeneralSecurityException(k + " could not be read", x);
    }
    if (e == null || e.getValue() == null) {
      throw new GeneralSecurityException("the entry holding the opening sessions of " + local + " (" + k + ") is gone");
    }
    byte[] plain = SecretBox.open(sessionKey, k.getBytes(StandardCharsets.UTF_8), e.getValue());
    if (k.startsWith(OPENINGS)) {
      return plain;
    }
    try {
      byte[] state = decodeBatch(plain).states().get(local.value());
      if (state == null) {
        throw new GeneralSecurityException(k + " does not hold the opening sessions of " + local);
      }
      return state;
    } catch (IllegalArgumentException x) {
      throw new GeneralSecurityException(k + " does not decode: " + x.getMessage());
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /**
   * A connection's opening sessions as the preload found them: the entry's order, and the bytes
   * sealed as its single entry is ({@code open.<id>}, aad the same), so that those no connection
   * takes are not held in the clear.
   */
  private record Candidate(long order, byte[] sealed) {}

  /** The newest opening sessions of each connection the preload found, each taken by its first read. */
  private final java.util.Map<String, Candidate> preOpenings = new java.util.concurrent.ConcurrentHashMap<>();
  /** The entry holding each connection's newest opening sessions (preloaded or written since). */
  private final java.util.Map<String, String> newest = new java.util.concurrent.ConcurrentHashMap<>();
  /** The order of the next batch or snapshot: above every one in the bucket. */
  private final java.util.concurrent.atomic.AtomicLong nextOrder = new java.util.concurrent.atomic.AtomicLong(1);
  /** A batch or snapshot chunk did not open or decode at the preload: no kept opening session is trusted. */
  private volatile boolean batchesUnreadable;

  /** The kept session bytes under a bucket key, opened; null if there are none. */
  private byte[] sessionBytes(String k) throws GeneralSecurityException {
    byte[] sealed = null;
    boolean fromBucket = !preloadDone;
    if (!fromBucket) {
      // from the preload, once (absent there: none kept); after that, or once written, from the bucket
      byte[] kept = preloaded.put(k, FROM_BUCKET);
      fromBucket = kept == FROM_BUCKET;
      sealed = fromBucket ? null : kept;
    }
    if (fromBucket) {
      KeyValueEntry e;
      try {
        e = kv.get(k);
      } catch (IOException | JetStreamApiException x) {
        throw new GeneralSecurityException(k + " could not be read", x);
      }
      sealed = e == null ? null : e.getValue();
    }
    return sealed == null ? null : SecretBox.open(sessionKey, k.getBytes(StandardCharsets.UTF_8), sealed);
  }

  /**
   * The kept sessions as read in one pass ({@link #preloadSessions}), each taken by its first read
   * and dropped by any write of this store for it: a session is never read back older than what
   * this store last wrote. One absent at the preload is none; one taken or written since is read
   * from the bucket.
   */
  private final java.util.Map<String, byte[]> preloaded = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile boolean preloadDone;
  /** Marks a session read once from the preload, or written since: it is read from the bucket. */
  private static final byte[] FROM_BUCKET = new byte[0];

  /** A session this store writes is read from the bucket from then on, never from the preload. */
  private void written(String k) {
    if (preloadDone) {
      preloaded.put(k, FROM_BUCKET);
    }
  }

  /**
   * Reads every kept session of the bucket in one pass (the bucket's latest entries, one ordered
   * consumer per prefix), so that restoring many connections does not cost two round trips each:
   * with 10,000 connections those reads were most of a restart. Each connection's opening sessions
   * are the newest state of the batches, snapshots and single entries (highest order); if any batch
   * or snapshot chunk does not open or decode, none is trusted (it may hold a newer state than the
   * others: each peer is asked for a new session). Sealing sessions are read on their own until it
   * is called; opening sessions are read by it first. Kept in memory sealed, a session read from
   * memory leaves it (a connection's sessions are read when it is added), so what stays is the
   * sessions of connections never added again. Called again, it reads nothing.
   *
   * @return how many sessions were read
   * @throws IOException if the bucket cannot be read
   * @throws InterruptedException if interrupted while reading
   */
  synchronized int preloadSessions() throws IOException, InterruptedException {
    if (preloadDone) {
      return 0;
    }
    java.util.Map<String, byte[]> read = new java.util.concurrent.ConcurrentHashMap<>();
    // one filter each: nats-server 2.9 takes one per consumer
    for (String prefix : List.of(SEALING, OPENINGS, BATCH, SNAPSHOT)) {
      java.util.concurrent.CountDownLatch end = new java.util.concurrent.CountDownLatch(1);
      io.nats.client.impl.NatsKeyValueWatchSubscription sub;
      try {
        sub = kv.watch(prefix + ">", new io.nats.client.api.KeyValueWatcher() {
          @Override
          public void watch(KeyValueEntry e) {
            if (e.getOperation() == io.nats.client.api.KeyValueOperation.PUT && e.getValue() != null) {
              read.put(e.getKey(), e.getValue());
            }
          }

          @Override
          public void endOfData() {
            end.countDown();
          }
        }, io.nats.client.api.KeyValueWatchOption.IGNORE_DELETE);
      } catch (JetStreamApiException e) {
        throw new IOException("cannot read the kept sessions: " + e.getMessage(), e);
      }
      try {
        if (!end.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
          throw new IOException("the kept sessions were not read within 60 s");
        }
      } finally {
        sub.unsubscribe();
      }
    }
    long highest = 0;
    int sessions = 0;
    for (java.util.Map.Entry<String, byte[]> e : read.entrySet()) {
      String k = e.getKey();
      if (k.startsWith(SEALING)) {
        preloaded.put(k, e.getValue());
        sessions++;
        continue;
      }
      long order = orderOf(k);
      if (order < 0) {
        continue; // a key of another form under these prefixes: not a session entry
      }
      highest = Math.max(highest, order);
      if (k.startsWith(OPENINGS)) { // kept as it is sealed: it opens (or fails to) when taken
        sessions += offer(k.substring(OPENINGS.length()), k, 0, e.getValue());
        continue;
      }
      byte[] plain;
      try {
        plain = SecretBox.open(sessionKey, k.getBytes(StandardCharsets.UTF_8), e.getValue());
      } catch (GeneralSecurityException x) {
        plain = null;
      }
      Batch batch = null;
      try {
        batch = plain == null ? null : decodeBatch(plain);
      } catch (IllegalArgumentException x) {
        batch = null;
      } finally {
        if (plain != null) {
          Arrays.fill(plain, (byte) 0);
        }
      }
      if (batch == null || batch.order() != order) {
        LOG.warn("the kept opening sessions in {} do not open or decode: no kept opening session is used, every"
            + " connection's peer is asked for a new session", k);
        batchesUnreadable = true;
        continue;
      }
      for (java.util.Map.Entry<String, byte[]> state : batch.states().entrySet()) {
        // sealed again as a single entry would be: those no connection takes are not held in the clear
        byte[] sealed = seal(sessionKey, OPENINGS + state.getKey(), state.getValue());
        Arrays.fill(state.getValue(), (byte) 0);
        sessions += offer(state.getKey(), k, order, sealed);
      }
    }
    nextOrder.accumulateAndGet(highest + 1, Math::max);
    preloadDone = true;
    return sessions;
  }

  /**
   * Keeps a preloaded state of a connection, sealed as its single entry would be, if it is the
   * newest so far. {@return 1 if it was the connection's first}
   */
  private int offer(String local, String entry, long order, byte[] sealed) {
    Candidate was = preOpenings.get(local);
    if (was != null && was.order() >= order) {
      return 0;
    }
    preOpenings.put(local, new Candidate(order, sealed));
    newest.put(local, entry);
    return was == null ? 1 : 0;
  }

  /** Seals bytes for a bucket key, bound to it (the key name is the AAD). */
  private byte[] seal(byte[] with, String bucketKey, byte[] plain) {
    return SecretBox.seal(with, bucketKey.getBytes(StandardCharsets.UTF_8), plain, random);
  }

  /** Deletes a connection's kept sessions (revoked: its keys are destroyed, and so are they). */
  void forgetSessions(ConnectionId local) throws IOException, JetStreamApiException {
    written(SEALING + local.value());
    preOpenings.remove(local.value());
    newest.remove(local.value());
    kv.delete(SEALING + local.value());
    kv.delete(OPENINGS + local.value());
  }

  /** Seals a connection's wrapping key ring for its record (purpose {@code connection/<local>/wrapping}). */
  byte[] sealRing(ConnectionId local, KeyRing ring) throws GeneralSecurityException {
    return SealedKeyRing.seal(ring, ringPurpose(local), ringKey);
  }

  /** Opens a connection's wrapping key ring, sealed by {@link #sealRing} for that connection. */
  KeyRing openRing(ConnectionId local, byte[] sealed, KeyAlgorithm algorithm, Clock clock, SecureRandom random)
      throws GeneralSecurityException {
    Providers<KeyAlgorithm> one = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).add(algorithm).build();
    return SealedKeyRing.open(sealed, ringPurpose(local), ringKey, one, Connections.WRAPPING_POLICY, clock, random);
  }

  private static String ringPurpose(ConnectionId local) {
    return "connection/" + local.value() + "/wrapping";
  }

  private static final String TOMB = "tomb.";
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConnectionStore.class);

  /**
   * Writes a connection's record (its wrapping ring sealed on its own); a failure is logged, and
   * the connection lives in memory only until its next change.
   */
  boolean save(Link link) {
    try {
      put(link.local.value(), ConnectionRecord.encode(link, this));
      return true;
    } catch (IOException | JetStreamApiException | GeneralSecurityException e) {
      LOG.warn("connection {}: could not be saved ({}); it lives in memory only until the next change", link.local,
          e.getClass().getSimpleName());
      return false;
    } catch (IllegalStateException e) { // a cold link whose keys could not be loaded: its record stays as it was
      LOG.warn("connection {}: could not be saved ({})", link.local, e.getMessage());
      return false;
    }
  }

  /**
   * One stored connection, decoded.
   *
   * @param local the connection
   * @return what its record holds, or null if there is none
   */
  ConnectionRecord.Restored restoreOne(ConnectionId local, java.time.Clock clock, SecureRandom random)
      throws IOException, GeneralSecurityException {
    try {
      JsonNode r = get(local.value());
      return r == null ? null : ConnectionRecord.decode(r, this, clock, random);
    } catch (JetStreamApiException e) {
      throw new IOException("cannot read the Connections bucket: " + e.getMessage(), e);
    }
  }

  /**
   * Reads back the stored connections that {@code wanted} accepts.
   *
   * @throws IOException if the bucket cannot be read
   * @throws GeneralSecurityException if a record does not open (wrong vault secret, tampering) or a
   *     key does not decode
   */
  List<ConnectionRecord.Restored> restore(java.util.function.Predicate<ConnectionId> wanted, java.time.Clock clock,
      SecureRandom random) throws IOException, InterruptedException, GeneralSecurityException {
    List<ConnectionRecord.Restored> out = new ArrayList<>();
    try {
      for (String id : ids()) {
        JsonNode r = wanted.test(ConnectionId.of(id)) ? get(id) : null;
        if (r != null) {
          out.add(ConnectionRecord.decode(r, this, clock, random));
        }
      }
    } catch (JetStreamApiException e) {
      throw new IOException("cannot read the Connections bucket: " + e.getMessage(), e);
    }
    return out;
  }

  void put(String local, ObjectNode record) throws IOException, JetStreamApiException {
    sealAndPut(PREFIX + local, record);
  }

  /** Writes the JSON under the bucket key, sealed with that key as its AAD; the plaintext is wiped. */
  private void sealAndPut(String bucketKey, ObjectNode json) throws IOException, JetStreamApiException {
    byte[] plain = JSON.writeValueAsBytes(json);
    try {
      kv.put(bucketKey, seal(key, bucketKey, plain));
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  void delete(String local) throws IOException, JetStreamApiException {
    kv.delete(PREFIX + local);
  }

  /**
   * Replaces a revoked connection's record by its tombstone ({@code {"revokedAt", "peerUser",
   * "peerIdentity"}}: no keys, no credentials), sealed like a record.
   */
  void bury(Revocation r) throws IOException, JetStreamApiException {
    ObjectNode tomb = JSON.createObjectNode().put("revokedAt", r.at().toString())
        .put("peerUser", r.peerUser().orElse(""))
        .put("peerIdentity", r.peerIdentity().map(io.vettid.api.KeyId::value).orElse(""));
    sealAndPut(TOMB + r.local().value(), tomb);
    delete(r.local().value());
    forgetSessions(r.local());
  }

  /** {@return the tombstones of revoked connections, by connection id} */
  java.util.Map<String, JsonNode> tombstones() throws IOException, GeneralSecurityException {
    try {
      return readTombstones();
    } catch (JetStreamApiException e) {
      throw new IOException("cannot read the Connections bucket: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the Connections bucket", e);
    }
  }

  private java.util.Map<String, JsonNode> readTombstones() throws IOException, JetStreamApiException,
      InterruptedException, GeneralSecurityException {
    java.util.Map<String, JsonNode> out = new java.util.TreeMap<>();
    for (String k : kv.keys()) {
      if (k.startsWith(TOMB)) {
        KeyValueEntry e = kv.get(k);
        if (e != null && e.getValue() != null) {
          byte[] plain = SecretBox.open(key, k.getBytes(StandardCharsets.UTF_8), e.getValue());
          try {
            out.put(k.substring(TOMB.length()), JSON.readTree(plain));
          } finally {
            Arrays.fill(plain, (byte) 0);
          }
        }
      }
    }
    return out;
  }

  /** {@return the ids of the stored connections} */
  List<String> ids() throws IOException, JetStreamApiException, InterruptedException {
    List<String> out = new ArrayList<>();
    for (String k : kv.keys()) {
      if (k.startsWith(PREFIX)) {
        out.add(k.substring(PREFIX.length()));
      }
    }
    return out;
  }

  JsonNode get(String local) throws IOException, JetStreamApiException, GeneralSecurityException {
    KeyValueEntry e = kv.get(PREFIX + local);
    if (e == null || e.getValue() == null) {
      return null;
    }
    byte[] plain = SecretBox.open(key, (PREFIX + local).getBytes(StandardCharsets.UTF_8), e.getValue());
    try {
      return JSON.readTree(plain);
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /**
   * The raw stored bytes of a record (sealed), for inspection.
   *
   * @param local the connection id
   * @return the sealed bytes, or null
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the bucket cannot be read
   */
  public byte[] sealedBytes(String local) throws IOException, JetStreamApiException {
    KeyValueEntry e = kv.get(PREFIX + Objects.requireNonNull(local, "local"));
    return e == null ? null : e.getValue();
  }
}
