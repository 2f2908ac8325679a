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
    this.kv = Objects.requireNonNull(nc, "nc").keyValue(Subjects.name("Connections"));
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
        boolean session = k.startsWith(SEALING) || k.startsWith(OPENINGS);
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
  private static final String OPENINGS = "open.";

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

  /** Starts writing a connection's opening sessions; the future completes when the server stored them. */
  java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck> saveOpenings(ConnectionId local,
      SessionStates.Openings openings) {
    byte[] plain = SessionStates.encode(openings);
    String k = OPENINGS + local.value();
    written(k);
    try {
      return js.publishAsync(Subjects.keyValue(bucket, k), seal(sessionKey, k, plain));
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    } finally {
      Arrays.fill(plain, (byte) 0);
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
   * A connection's kept opening sessions, or null if none were kept.
   *
   * @throws GeneralSecurityException if they were kept but do not open or decode (the caller asks
   *     the peer for a new session)
   */
  SessionStates.Openings openings(ConnectionId local) throws GeneralSecurityException {
    byte[] plain = sessionBytes(OPENINGS + local.value());
    if (plain == null) {
      return null;
    }
    try {
      return SessionStates.decodeOpenings(plain);
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException("the opening sessions of " + local + " do not decode: " + e.getMessage());
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

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
   * consumer), so that restoring many connections does not cost two round trips each: with
   * 10,000 connections those reads were most of a restart. Until it is called, each session is read
   * on its own. A session read from memory leaves only a marker there (a connection's sessions are
   * read when it is added), so what stays is the sessions of connections never added again.
   *
   * @return how many sessions were read
   * @throws IOException if the bucket cannot be read
   * @throws InterruptedException if interrupted while reading
   */
  int preloadSessions() throws IOException, InterruptedException {
    java.util.Map<String, byte[]> read = new java.util.concurrent.ConcurrentHashMap<>();
    for (String prefix : List.of(SEALING, OPENINGS)) { // one filter each: nats-server 2.9 takes one per consumer
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
    preloaded.putAll(read);
    preloadDone = true;
    return read.size();
  }


  /** Seals bytes for a bucket key, bound to it (the key name is the AAD). */
  private byte[] seal(byte[] with, String bucketKey, byte[] plain) {
    return SecretBox.seal(with, bucketKey.getBytes(StandardCharsets.UTF_8), plain, random);
  }

  /** Deletes a connection's kept sessions (revoked: its keys are destroyed, and so are they). */
  void forgetSessions(ConnectionId local) throws IOException, JetStreamApiException {
    written(SEALING + local.value());
    written(OPENINGS + local.value());
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
