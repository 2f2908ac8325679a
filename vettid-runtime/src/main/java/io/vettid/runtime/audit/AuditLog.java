package io.vettid.runtime.audit;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import io.vettid.api.FailureReason;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.service.EventService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vault's audit log: every decision it takes (an event handled, held, dropped, seen twice,
 * denied or quarantined; and, from the owner's tools, approved, replayed, rotated, revoked, blocked,
 * rules changed) as an entry of a hash chain ({@link AuditChain}), kept in the vault's {@link
 * Subjects#AUDIT_STREAM} stream, with a checkpoint signed by the vault's identity key every {@value
 * #CHECKPOINT_EVERY} entries and when it closes. Entries hold ids, types, outcomes and reasons,
 * never a payload.
 *
 * <p>Entries are chained at once, in the order they are recorded, and written in blocks (one
 * message of up to {@value #BLOCK_ENTRIES} lines) at most {@value #FLUSH_MILLIS} ms later, so
 * that the log costs the event pipeline little; {@link #flush} writes what is waiting. A crash can
 * lose the entries of the last {@value #FLUSH_MILLIS} ms, never break the chain: the log goes on
 * from the last entry stored. {@link #verify} reads the stored chain and names the first broken
 * entry.
 *
 * <pre>{@code
 * VettIdRuntime runtime = VettIdRuntime.embedded(dir, secret).audit(signer).start(); // signer: the identity key
 * AuditLog audit = runtime.audit().orElseThrow();
 * audit.record("blocked", Map.of("identity", keyId)); // an owner's action
 * AuditLog.Report report = audit.verify(verifier);     // report.problem() names a broken entry
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class AuditLog implements EventService.Listener, AutoCloseable {
  /** A checkpoint is signed after this many entries. */
  public static final int CHECKPOINT_EVERY = 1000;
  /** At most this many entries per stored message. */
  public static final int BLOCK_ENTRIES = 256;
  /** Entries wait at most this long before they are stored. */
  public static final long FLUSH_MILLIS = 20;

  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

  /** Signs checkpoints with the vault's identity key. */
  public interface Signer {
    /** {@return the keyID of the identity key} */
    String keyId();

    /**
     * Signs.
     *
     * @param message the bytes to sign
     * @return the signature
     * @throws java.security.GeneralSecurityException if signing fails
     */
    byte[] sign(byte[] message) throws java.security.GeneralSecurityException;
  }

  private final JetStream js;
  private final JetStreamManagement jsm;
  private final Signer signer;
  private final Clock clock;
  private final ScheduledExecutorService flusher;
  private final Object lock = new Object();
  private final AtomicLong failures = new AtomicLong();
  private List<String> waiting = new ArrayList<>();
  private long seq;
  private String head;
  private long sinceCheckpoint;
  private boolean closed;

  private AuditLog(Connection nc, Signer signer, Clock clock) throws IOException, JetStreamApiException {
    this.js = nc.jetStream();
    this.jsm = nc.jetStreamManagement();
    this.signer = signer;
    this.clock = clock;
    String[] last = lastEntry();
    this.head = last == null ? AuditChain.GENESIS : last[0];
    this.seq = last == null ? 0 : Long.parseLong(last[1]);
    this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "vettid-audit");
      t.setDaemon(true);
      return t;
    });
    flusher.scheduleWithFixedDelay(this::flushQuietly, FLUSH_MILLIS, FLUSH_MILLIS, TimeUnit.MILLISECONDS);
  }

  /**
   * Opens the log and goes on from its last stored entry.
   *
   * @param nc a connection of the vault's account (the {@code Audit} stream must exist, see {@code
   *     JetStreamLayout.ensureVault})
   * @param signer signs checkpoints with the vault's identity key
   * @return the log
   * @throws IOException on a connection failure, or if the last stored entry is not an entry
   * @throws JetStreamApiException if the stream does not exist
   */
  public static AuditLog open(Connection nc, Signer signer) throws IOException, JetStreamApiException {
    return new AuditLog(Objects.requireNonNull(nc, "nc"), Objects.requireNonNull(signer, "signer"),
        Clock.systemUTC());
  }

  /** The hash and number of the last stored entry, or null if there is none. */
  private String[] lastEntry() throws IOException, JetStreamApiException {
    StreamState state = jsm.getStreamInfo(Subjects.AUDIT_STREAM).getStreamState();
    if (state.getMsgCount() == 0) {
      return null;
    }
    MessageInfo m = jsm.getLastMessage(Subjects.AUDIT_STREAM, Subjects.AUDIT.value());
    String[] lines = new String(m.getData(), StandardCharsets.UTF_8).split("\n");
    String line = lines[lines.length - 1];
    if (line.length() < 66 || line.charAt(64) != ' ') {
      throw new IOException("the last entry of the audit log is not an entry; see: vettid audit verify");
    }
    long n = AuditChain.JSON.readTree(line.substring(65)).path("seq").asLong(-1);
    if (n < 1) {
      throw new IOException("the last entry of the audit log has no number; see: vettid audit verify");
    }
    return new String[] {line.substring(0, 64), Long.toString(n)};
  }

  /**
   * Records a settled event (this log is an {@link EventService.Listener}). Rule denials (by a rule,
   * or by no rule matching) are
   * recorded as {@code denied}, other quarantines as {@code quarantined}.
   *
   * @param s what happened
   */
  @Override
  public void settled(EventService.Settled s) {
    String kind = s.outcome() == EventService.Outcome.QUARANTINED && (s.reason() == FailureReason.DENIED_BY_RULE || s.reason() == FailureReason.NO_MATCHING_RULE)
        ? "denied" : s.outcome().name().toLowerCase(Locale.ROOT);
    ObjectNode f = AuditChain.JSON.createObjectNode();
    f.put("service", s.service());
    if (s.type() != null) {
      f.put("type", s.type().value());
    }
    if (s.eventId() != null) {
      f.put("eventId", s.eventId().value());
    }
    if (s.connectionId() != null) {
      f.put("connection", s.connectionId().value());
    }
    if (s.reason() != null) {
      f.put("reason", s.reason().name());
    }
    if (s.detail() != null && !s.detail().isEmpty()) {
      f.put("detail", s.detail().length() > 200 ? s.detail().substring(0, 200) : s.detail());
    }
    append(kind, f);
  }

  /**
   * Records an action of the owner's tools or of the vault itself.
   *
   * @param kind what was done: {@code approved}, {@code replayed}, {@code rotated}, {@code revoked},
   *     {@code blocked}, {@code unblocked}, {@code rules}, ... (lowercase letters and dots)
   * @param fields ids and reasons (never a payload or a key), in the order given
   */
  public void record(String kind, Map<String, String> fields) {
    Objects.requireNonNull(kind, "kind");
    if (!kind.matches("[a-z][a-z.]{0,31}") || kind.equals("checkpoint")) {
      throw new IllegalArgumentException("an audit kind is up to 32 lowercase letters and dots, not 'checkpoint'");
    }
    ObjectNode f = AuditChain.JSON.createObjectNode();
    Objects.requireNonNull(fields, "fields").forEach((k, v) -> f.put(k, Objects.requireNonNull(v, k)));
    append(kind, f);
  }

  private void append(String kind, ObjectNode fields) {
    ObjectNode f = AuditChain.JSON.createObjectNode().put("time", clock.instant().toString()).put("kind", kind);
    f.setAll(fields);
    synchronized (lock) {
      if (closed) {
        LOG.warn("audit log closed: a '{}' entry was not recorded", kind);
        failures.incrementAndGet();
        return;
      }
      chain(f);
      if (++sinceCheckpoint >= CHECKPOINT_EVERY) {
        checkpoint();
      }
    }
  }

  /** Chains an entry; holds the lock. */
  private void chain(ObjectNode f) {
    AuditChain.Written w = AuditChain.write(++seq, head, f);
    head = w.hash();
    waiting.add(w.line());
  }

  /** Chains a signed checkpoint over everything before it; holds the lock. */
  private void checkpoint() {
    sinceCheckpoint = 0;
    ObjectNode f = AuditChain.JSON.createObjectNode().put("time", clock.instant().toString()).put("kind", "checkpoint")
        .put("keyId", signer.keyId());
    try {
      f.put("signature", Base64.getEncoder().encodeToString(signer.sign(AuditChain.checkpointMessage(head))));
    } catch (java.security.GeneralSecurityException | RuntimeException e) {
      failures.incrementAndGet();
      LOG.error("the audit checkpoint after entry {} could not be signed ({}); the next one will be", seq,
          e.getClass().getSimpleName());
      return;
    }
    chain(f);
  }

  /**
   * Signs a checkpoint over every entry recorded so far (if any entry came after the last one).
   */
  public void checkpointNow() {
    synchronized (lock) {
      if (!closed && sinceCheckpoint > 0) {
        checkpoint();
      }
    }
  }

  /**
   * Stores every entry recorded so far.
   *
   * @throws IOException if the stream refuses them (they stay waiting, in order)
   */
  public void flush() throws IOException {
    synchronized (flusher) { // one writer at a time, so blocks are stored in chain order
      List<String> taking;
      synchronized (lock) {
        if (waiting.isEmpty()) {
          return;
        }
        taking = waiting;
        waiting = new ArrayList<>();
      }
      int at = 0;
      try {
        while (at < taking.size()) {
          int to = Math.min(at + BLOCK_ENTRIES, taking.size());
          js.publish(Subjects.AUDIT.value(), String.join("\n", taking.subList(at, to)).getBytes(StandardCharsets.UTF_8));
          at = to;
        }
      } catch (IOException | JetStreamApiException | RuntimeException e) {
        synchronized (lock) { // put back what was not stored, before anything newer
          List<String> back = new ArrayList<>(taking.subList(at, taking.size()));
          back.addAll(waiting);
          waiting = back;
        }
        failures.incrementAndGet();
        throw new IOException("the audit log could not store " + (taking.size() - at) + " entries: " + e.getMessage(), e);
      }
    }
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (IOException | RuntimeException e) {
      LOG.warn("{} (kept, tried again in {} ms)", e.getMessage(), FLUSH_MILLIS);
    }
  }

  /** {@return how many times recording, signing or storing failed since the log opened} */
  public long failures() {
    return failures.get();
  }

  /** {@return the number of the last entry recorded (stored or waiting)} */
  public long lastSeq() {
    synchronized (lock) {
      return seq;
    }
  }

  /**
   * What {@link #verify} found.
   *
   * @param entries the entries verified (up to the first broken one)
   * @param checkpoints the signed checkpoints among them
   * @param lastSigned the number of the last signed checkpoint (0 if none): the entries after it
   *     are chained but not yet signed
   * @param problem what broke the chain, naming the first broken entry, or null if it is whole
   */
  public record Report(long entries, long checkpoints, long lastSigned, String problem) {
    /** {@return whether the chain is whole and every checkpoint verifies} */
    public boolean intact() {
      return problem == null;
    }
  }

  /**
   * Stores what is waiting, then reads the whole stored log and verifies its chain and
   * checkpoints.
   *
   * @param verifier checks checkpoint signatures (the vault's identity keys)
   * @return what it found
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the stream cannot be read
   */
  public Report verify(AuditChain.Verifier verifier) throws IOException, JetStreamApiException {
    flush();
    return verify(jsm, verifier);
  }

  /**
   * Reads a vault's stored audit log and verifies it.
   *
   * @param jsm the vault account's JetStream management
   * @param verifier checks checkpoint signatures
   * @return what it found
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the stream cannot be read
   */
  public static Report verify(JetStreamManagement jsm, AuditChain.Verifier verifier)
      throws IOException, JetStreamApiException {
    AuditChain.Verification v = AuditChain.verifier(verifier);
    StreamInfo info = jsm.getStreamInfo(Subjects.AUDIT_STREAM);
    StreamState state = info.getStreamState();
    long last = state.getLastSequence();
    for (long m = state.getFirstSequence(); state.getMsgCount() > 0 && m <= last; m++) {
      MessageInfo block;
      try {
        block = jsm.getMessage(Subjects.AUDIT_STREAM, m);
      } catch (JetStreamApiException e) {
        if (e.getApiErrorCode() != 10037) {
          throw e;
        }
        if (m == last) { // the chain cannot see its own end cut off; the stream can
          return report(v, "entry " + (v.entries() + 1) + " is missing: the last block of entries was removed");
        }
        continue; // a block removed in the middle breaks the chain at the next one
      }
      for (String line : new String(block.getData(), StandardCharsets.UTF_8).split("\n", -1)) {
        if (!v.next(line)) {
          return report(v, v.problem().orElseThrow());
        }
      }
    }
    return report(v, null);
  }

  private static Report report(AuditChain.Verification v, String problem) {
    return new Report(v.entries(), v.checkpoints(), v.lastSigned(), problem);
  }

  /**
   * Signs a last checkpoint, stores everything waiting and stops. Entries recorded later are
   * counted as {@link #failures}.
   */
  @Override
  public void close() {
    checkpointNow();
    synchronized (lock) {
      closed = true;
    }
    flusher.shutdown();
    try {
      flusher.awaitTermination(5, TimeUnit.SECONDS);
      flush();
    } catch (IOException e) {
      LOG.error("{}; they are lost", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
