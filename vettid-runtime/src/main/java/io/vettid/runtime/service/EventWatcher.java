package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEventBatch;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.VettidException;
import io.vettid.crypto.envelope.EnvelopeOpener;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one EventSpace's deposit stream with a durable pull consumer: the bridge between the
 * two trust zones. It reads deposits in the vault's deposit account (external) and writes what
 * opened to {@code DataVault.Queue} and what failed to the quarantine, both in the vault's own
 * account (internal). Each deposit (envelope bytes on {@code
 * subscriber.<guid>.<es>.queue.<connectionId>}) is opened with the keys of the connection whose
 * subject it arrived on ({@link EnvelopeOpener}), its Internal Event checked as strictly as decoding does ({@link
 * InternalEventCodec#validate}), and its connection id checked against the subject it arrived on.
 * Then it is published to {@code DataVault.Queue} with a {@code Nats-Msg-Id} naming its deposit
 * stream and sequence (so a redelivered deposit is queued once, and the next message of the same
 * eventId is not mistaken for it). Deposits opened in a row
 * (while more are waiting) travel together as one {@link InternalEventBatch} message, up to {@value
 * #MAX_BATCH} events: one store and one delivery instead of one per event. Any failure keeps the
 * deposit <b>as received</b> (still sealed) in the {@link Quarantine} with its reason, and counts
 * it. The deposit is acknowledged only after its forward or its quarantine was acknowledged;
 * otherwise it is redelivered. Acknowledged deposits are removed from the stream in purges below
 * the consumer's acknowledgement floor ({@link DepositPurger}), not one by one.
 *
 * <p>Logs name reasons and subjects, never keys or payloads. Not thread-safe: one thread polls.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class EventWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventWatcher.class);

  private final Connection nc;
  private final Connection vault;
  private final JetStream js;
  private final EnvelopeOpener opener;
  private final String durable;
  private final String depositPrefix;
  private final String deposits;
  private final String depositStream;
  private final String eventSpace;
  private final Quarantine quarantine;
  private final RuntimeCounters counters;
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicLong forwardMessages = new AtomicLong();
  private final Map<FailureReason, AtomicLong> quarantined = new EnumMap<>(FailureReason.class);
  private final PollingLoop loop;
  private final ParallelOpenings openings = new ParallelOpenings(m -> openAndCheck(m, null));
  private final io.nats.client.JetStreamManagement jsm;
  /** Replaced only by {@link #purgeThresholds} (tests). */
  private DepositPurger purger;
  private final DepositLedger ledger;
  /** Bytes of acknowledged deposits after which a purge is asked for: a quarter of the stream's cap at most. */
  private final long purgeBytes;

  /**
   * Creates a watcher with its own counters and quarantine writer.
   *
   * @param deposits a connection of the vault's deposit account (the deposit stream's)
   * @param vault a connection of the vault's own account ({@code DataVault.Queue}, quarantine)
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace
   * @param opener opens envelopes with the keys of the connection they arrived on
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the consumer cannot be made
   */
  public EventWatcher(Connection deposits, Connection vault, String subscriberGuid, String eventSpace,
      EnvelopeOpener opener) throws IOException, JetStreamApiException {
    this(deposits, vault, subscriberGuid, eventSpace, opener, new RuntimeCounters());
  }

  /**
   * Creates a watcher and its durable consumer ({@code Watcher_<eventspace>}).
   *
   * @param deposits a connection of the vault's deposit account (the deposit stream's)
   * @param vault a connection of the vault's own account ({@code DataVault.Queue}, quarantine)
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace
   * @param opener opens envelopes with the keys of the connection they arrived on
   * @param counters the runtime's counters
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the consumer cannot be made
   */
  public EventWatcher(Connection deposits, Connection vault, String subscriberGuid, String eventSpace,
      EnvelopeOpener opener, RuntimeCounters counters) throws IOException, JetStreamApiException {
    this(deposits, vault, subscriberGuid, eventSpace, opener, counters, new Quarantine(vault, counters));
  }

  /**
   * Creates a watcher that quarantines into the runtime's {@link Quarantine} (whose per-source
   * shares it then shares).
   *
   * @param deposits a connection of the vault's deposit account (the deposit stream's)
   * @param vault a connection of the vault's own account ({@code DataVault.Queue}, quarantine)
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace
   * @param opener opens envelopes with the keys of the connection they arrived on
   * @param counters the runtime's counters
   * @param quarantine the runtime's quarantine
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the consumer cannot be made
   */
  public EventWatcher(Connection deposits, Connection vault, String subscriberGuid, String eventSpace,
      EnvelopeOpener opener, RuntimeCounters counters, Quarantine quarantine) throws IOException, JetStreamApiException {
    this.nc = Objects.requireNonNull(deposits, "deposits");
    this.vault = Objects.requireNonNull(vault, "vault");
    this.opener = Objects.requireNonNull(opener, "opener");
    this.counters = Objects.requireNonNull(counters, "counters");
    String subjects = Subjects.depositsOf(subscriberGuid, eventSpace);
    this.depositPrefix = subjects.substring(0, subjects.length() - 1);
    this.deposits = subjects;
    this.depositStream = Subjects.depositStream(subscriberGuid, eventSpace);
    this.eventSpace = eventSpace;
    this.js = vault.jetStream();
    this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
    this.jsm = nc.jetStreamManagement();
    String durable = Subjects.consumer("Watcher", eventSpace);
    long from = ensureConsumer(jsm, depositStream, durable, subjects);
    this.durable = durable;
    for (FailureReason r : FailureReason.values()) {
      quarantined.put(r, new AtomicLong());
    }
    // a capped stream is purged well before acknowledged deposits could fill it
    long cap = jsm.getStreamInfo(depositStream).getConfiguration().getMaxBytes();
    this.purgeBytes = cap > 0 ? Math.min(DepositPurger.EVERY_BYTES, cap / 4) : DepositPurger.EVERY_BYTES;
    this.purger = new DepositPurger(jsm, depositStream, durable, DepositPurger.EVERY, purgeBytes,
        DepositPurger.AFTER);
    this.ledger = new DepositLedger(jsm, depositStream, from, (seq, bytes) -> purger.acknowledged(seq, bytes),
        this::checkpoint);
    this.loop = new PollingLoop("vettid-watcher-" + eventSpace, this::poll);
  }


  /**
   * Makes the watcher's consumer afresh, so that no pull request of an earlier reader is waiting
   * on it and nothing is delivered to anyone yet: a consumer found (a previous watcher's, whatever
   * its acknowledgement policy) is replaced by one that delivers from its acknowledgement floor + 1,
   * so what a previous watcher received and did not settle comes back at once, and nothing it
   * settled comes twice; with no consumer, every deposit in the stream is delivered. A previous
   * reader's pull requests would otherwise stay on the consumer while its connection lives (a
   * process that hangs rather than dies), and a deposit delivered to it would be covered by this
   * watcher's cumulative acknowledgements. A crash between the two requests leaves no consumer: the
   * next start delivers the stream again from its first deposit, and the service's records meet
   * what comes twice as duplicates (PROTOCOL §6.1); none is skipped.
   *
   * @return the sequence the new consumer delivers from (1: the whole stream)
   */
  static long ensureConsumer(JetStreamManagement jsm, String stream, String durable, String filter)
      throws IOException, JetStreamApiException {
    ConsumerInfo info;
    try {
      info = jsm.getConsumerInfo(stream, durable);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() != 10014 && e.getErrorCode() != 404) { // consumer not found
        throw e;
      }
      info = null;
    }
    long from = 1;
    if (info != null) {
      // a consumer made from a sequence reports a floor of 0 until it acknowledges: everything
      // before its start was settled before it was made
      ConsumerConfiguration had = info.getConsumerConfiguration();
      from = Math.max(info.getAckFloor().getStreamSequence() + 1,
          had.getDeliverPolicy() == DeliverPolicy.ByStartSequence ? had.getStartSequence() : 1);
      if (info.getNumAckPending() > 0 || had.getAckPolicy() != AckPolicy.All) {
        LOG.info("consumer {} on {}: {} delivered and not acknowledged ({} acknowledgements); delivering again from {}",
            durable, stream, info.getNumAckPending(), had.getAckPolicy(), from);
      }
      jsm.deleteConsumer(stream, durable);
    }
    ConsumerConfiguration.Builder c = ConsumerConfiguration.builder().durable(durable).filterSubject(filter)
        .ackPolicy(AckPolicy.All).maxAckPending(MAX_ACK_PENDING);
    if (from > 1) {
      c.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(from);
    } else {
      c.deliverPolicy(DeliverPolicy.All);
    }
    jsm.addOrUpdateConsumer(stream, c.build());
    return from;
  }

  /** Replaces the purge thresholds (tests): a purge after {@code every} deposits or {@code after}. */
  void purgeThresholds(long every, Duration after) {
    purger.close();
    purger = new DepositPurger(jsm, depositStream, durable, every, purgeBytes, after);
  }

  /**
   * Purges the acknowledged deposits now (tests).
   *
   * @return how many were removed
   */
  long purgeAcknowledged() throws IOException, JetStreamApiException {
    return purger.purgeNow();
  }

  /** {@return how many acknowledged deposits the watcher purged from its stream} */
  public long purged() {
    return purger.purged();
  }

  /**
   * Fetches and processes up to {@code batch} deposits.
   *
   * @param batch 1..1000
   * @param wait how long to wait for deposits
   * @return how many were processed (forwarded or quarantined)
   * @throws InterruptedException if interrupted
   */
  public int poll(int batch, Duration wait) throws InterruptedException {
    if (batch < 1 || batch > 1000) {
      throw new IllegalArgumentException("batch must be 1..1000, got " + batch);
    }
    int done = 0;
    List<Forward> inFlight = new ArrayList<>();
    // a reader keeps pull requests outstanding, so the next deposits are already here when this
    // batch is settled; each deposit is opened as soon as it arrives. Opened events are gathered
    // while further deposits wait, and go to the queue as one message (one event alone, several as
    // a batch); the deposits are acknowledged once their forward is stored (settled when no
    // further deposit waits, or at the end of the poll)
    long deadline = System.nanoTime() + Objects.requireNonNull(wait, "wait").toNanos();
    long pause = forwardsFailed == 0 ? 0 : Math.min(forwardRetryAt - System.nanoTime(), deadline - System.nanoTime());
    if (pause > 0) {
      // the last forward failed (a full account, a queue away): its deposits come back, not at once
      TimeUnit.NANOSECONDS.sleep(pause);
    }
    int received = 0;
    while (received < batch) {
      purger.maybePurge();
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      done += settleReady(inFlight);
      for (ParallelOpenings.Pending p : openings.ready()) {
        done += take(p.m(), apply(p.m(), p.result().join()), inFlight);
      }
      boolean idle = inFlight.isEmpty() && gathered.isEmpty() && openings.isEmpty();
      Message m = reader().next(idle ? Duration.ofNanos(left) : arrivals.nextOrSettle());
      if (m == null) {
        if (idle) {
          break;
        }
        forward(inFlight);
        done += settleAll(inFlight);
        if (!openings.isEmpty()) {
          openings.awaitOne(Duration.ofNanos(Math.min(left, OPENING_WAIT_NANOS)));
        }
        continue;
      }
      if (!ledger.received(m)) {
        continue; // a second delivery of a deposit in hand or settled
      }
      arrivals.arrived();
      received++;
      byte[] kept = ledger.kept(m.metaData().streamSequence());
      if (kept == null && openings.deferred(m.getSubject(), m.getData())) {
        // a new session's key block (private-key work) is opened on the pool; the events of
        // sessions already open go on here meanwhile
        openings.submit(m.getSubject(), m);
        continue;
      }
      done += take(m, apply(m, openAndCheck(m, kept)), inFlight);
    }
    forward(inFlight);
    done += settleAll(inFlight);
    ledger.acknowledge(true);
    ledger.checkHeld();
    return done;
  }

  /** How long a poll with nothing else to do waits for a session opening at a time. */
  private static final long OPENING_WAIT_NANOS = Duration.ofMillis(50).toNanos();

  /**
   * Takes an opened (or refused) deposit: gathers its event for the next forward, or queues its
   * quarantine's settlement after the forwards before it.
   *
   * @return how many forwards were settled to make room
   */
  private int take(Message m, Opened o, List<Forward> inFlight) throws InterruptedException {
    if (o == null) {
      if (quarantinedInline) {
        forward(inFlight);
        inFlight.add(new Forward(List.of(new Opened(m, null)), null));
      }
      return 0;
    }
    int done = 0;
    if (!gathered.isEmpty() && (gathered.size() >= MAX_BATCH
        || InternalEventBatch.encodedSize(gatheredBytes + o.bytes().length, gathered.size() + 1) > BATCH_BYTES)) {
      forward(inFlight);
      while (inFlight.size() > MAX_FORWARDS_IN_FLIGHT) {
        done += settle(inFlight.remove(0));
      }
    }
    gathered.add(o);
    gatheredBytes += o.bytes().length;
    return done;
  }

  /** {@return how many deposits are being opened off the watcher's thread (new sessions)} */
  int openingsInFlight() {
    return openings.size();
  }

  /**
   * Deposits the server delivers beyond the acknowledgement floor. The cumulative acknowledgement
   * stays below a deposit whose new session is still being opened (private-key work on the pool),
   * so with the server's default of 1,000 a flood of new sessions (many peers connecting at once)
   * stopped the delivery of every other deposit until it was opened: the other connections' events
   * waited seconds (docs/benchmarks, "The session-open flood"). Deposits in hand are held in memory,
   * a few KiB each at most.
   */
  static final int MAX_ACK_PENDING = 8192;

  /** Most events one forward carries. */
  static final int MAX_BATCH = 64;

  /** Most bytes one batch forward carries; a larger event travels alone. */
  static final int BATCH_BYTES = 256 * 1024;

  private final List<Opened> gathered = new ArrayList<>();
  private final PollingLoop.Arrivals arrivals = new PollingLoop.Arrivals();
  private boolean quarantinedInline;
  private long gatheredBytes;

  private PollingLoop.Reader reader;

  private synchronized PollingLoop.Reader reader() {
    if (reader == null) {
      reader = PollingLoop.reader(nc, depositStream, durable);
    }
    return reader;
  }

  /**
   * An opened and checked deposit: the message and its Internal Event's bytes, ready to forward
   * (null bytes: a deposit quarantined instead).
   */
  private record Opened(Message deposit, byte[] bytes) {}

  /**
   * The deposits of one forward and the queue's acknowledgement of it; a null {@code ack} is a
   * deposit already quarantined, settled when its turn comes.
   */
  private record Forward(List<Opened> deposits, CompletableFuture<PublishAck> ack) {
    boolean ready() {
      return ack == null || ack.isDone();
    }
  }

  /**
   * The header naming the EventSpace a forwarded message's events came through: the Manager checks
   * them against the types that EventSpace's profile lists.
   */
  public static final String EVENTSPACE_HEADER = "VettID-EventSpace";

  /** Set once {@link #close()} is called. */
  private volatile boolean stopped;

  /** {@return the deposit subjects this watcher reads, {@code subscriber.<guid>.<es>.queue.*}} */
  public String deposits() {
    return deposits;
  }

  /** {@return true until {@link #close()} is called} */
  public boolean isOpen() {
    return !stopped;
  }

  /**
   * Publishes the gathered events as one message: an event alone as itself, several as a {@link
   * InternalEventBatch}. Its {@code Nats-Msg-Id} names the deposits' stream and sequences, so the
   * same forward repeated (a redelivery of the same deposits) is stored once; a regrouped repeat is
   * caught event by event by the service's records.
   */
  private void forward(List<Forward> inFlight) {
    if (gathered.isEmpty()) {
      return;
    }
    List<Opened> deposits = List.copyOf(gathered);
    try {
      Headers h = new Headers();
      byte[] body;
      // the forward's id names the deposits it carries (stream and sequences): the same deposits
      // forwarded again, after a redelivery, are stored once
      StringBuilder id = new StringBuilder("deposit.").append(depositStream);
      for (Opened o : deposits) {
        id.append('.').append(o.deposit().metaData().streamSequence());
      }
      if (deposits.size() == 1) {
        body = deposits.get(0).bytes();
      } else {
        body = InternalEventBatch.encode(deposits.stream().map(Opened::bytes).toList());
        h.put(InternalEventBatch.HEADER, Integer.toString(deposits.size()));
      }
      h.put(EVENTSPACE_HEADER, eventSpace);
      h.put("Nats-Msg-Id", id.length() <= 256 ? id.toString()
          : "deposits." + MessageKeys.digest(id.toString().getBytes(StandardCharsets.UTF_8)));
      inFlight.add(new Forward(deposits, js.publishAsync(Subjects.DATA_VAULT_QUEUE.value(), h, body)));
    } catch (RuntimeException e) {
      giveBack(deposits, e);
    } finally {
      gathered.clear();
      gatheredBytes = 0;
    }
  }

  /** Forwards failed in a row (the wait before the next poll doubles, from 250 ms to 5 s); the poll thread's. */
  private int forwardsFailed;
  /** When the next poll may forward again after a failure ({@link System#nanoTime}). */
  private long forwardRetryAt;

  /** Most forwards in flight before the watcher waits for the oldest. */
  static final int MAX_FORWARDS_IN_FLIGHT = 16;

  /** Settles, without waiting, the forwards at the head that the queue already acknowledged. */
  private int settleReady(List<Forward> inFlight) throws InterruptedException {
    int done = 0;
    while (!inFlight.isEmpty() && inFlight.get(0).ready()) {
      done += settle(inFlight.remove(0));
    }
    ledger.acknowledge(false);
    return done;
  }

  private int settleAll(List<Forward> inFlight) throws InterruptedException {
    int done = 0;
    for (Forward f : inFlight) {
      done += settle(f);
    }
    inFlight.clear();
    ledger.acknowledge(false);
    return done;
  }

  /** Settles one forward (in delivery order); its deposits are acknowledged by the {@link DepositLedger}. */
  private int settle(Forward f) throws InterruptedException {
    if (f.ack() == null) {
      ledger.settled(f.deposits().get(0).deposit());
      return 1;
    }
    try {
      PublishAck ack = f.ack().get(30, TimeUnit.SECONDS);
      if (ack.hasError()) {
        throw new IOException("DataVault.Queue refused the event(s): " + ack.getError());
      }
      for (Opened o : f.deposits()) {
        forwarded.incrementAndGet();
        counters.forwarded();
        ledger.settled(o.deposit());
      }
      forwardMessages.incrementAndGet();
      if (forwardsFailed > 0) {
        LOG.info("forwarding from {} again after {} failed attempt(s)", depositStream, forwardsFailed);
        forwardsFailed = 0;
      }
      return f.deposits().size();
    } catch (IOException | ExecutionException | TimeoutException | RuntimeException e) {
      giveBack(f.deposits(), e);
      return 0;
    }
  }

  /** Gives back the deposits of a forward that failed, each with its opened event. */
  private void giveBack(List<Opened> deposits, Exception e) {
    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    if (forwardsFailed++ == 0) {
      LOG.warn("could not forward {} deposit(s) from {} ({}{}); they will be redelivered, tried again with growing"
          + " waits", deposits.size(), depositStream, cause.getClass().getSimpleName(),
          cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }
    forwardRetryAt = System.nanoTime() + PollingLoop.retryWaitNanos(forwardsFailed);
    for (Opened o : deposits) {
      ledger.giveBack(o.deposit(), o.bytes());
      counters.deferred();
    }
  }

  /** Replaces {@link DepositLedger#HELD_CHECK} (tests). */
  void heldCheck(Duration after) {
    ledger.heldCheck(after);
  }

  /** Holds a sequence as if its deposit had been given back (tests). */
  void hold(long streamSequence) {
    ledger.hold(streamSequence);
  }

  /** {@return the deposits given back and not settled since, by sequence (tests)} */
  java.util.Set<Long> held() {
    return ledger.held();
  }

  /** Starts polling on a daemon thread until {@link #close()}. */
  public void start() {
    loop.start();
  }

  /**
   * Stops polling after the poll in hand (waits up to 10 s), which acknowledges what it settled,
   * and stops asking for deposits. Deposits received and not settled come back to the next watcher.
   */
  @Override
  public void close() {
    stopped = true;
    // a poll still running after the wait sends nothing more: a successor may already have
    // replaced the consumer
    if (!loop.stop()) {
      ledger.silence();
    }
    PollingLoop.flushQuietly(nc, "the watcher of " + depositStream);
    PollingLoop.flushQuietly(vault, "the watcher of " + depositStream);
    purger.close();
    synchronized (this) {
      if (reader != null) {
        // no further pull requests, and none of those outstanding is served: with no interest left
        // in their replies the server drops them, rather than deliver a deposit here that a
        // successor's cumulative acknowledgement would then cover
        reader.close();
      }
    }
  }

  /**
   * Has the opener keep the sessions that opened deposits up to {@code through}; their
   * acknowledgement waits for it.
   */
  private CompletableFuture<?> checkpoint(long through) {
    try {
      return opener.checkpoint(depositPrefix, through);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Opens a deposit (or takes the event kept from its earlier opening) and checks its event as
   * strictly as decoding does: on the watcher's thread, or on the pool for a new session; nothing
   * here but the opener and pure checks. The plaintext goes on as it opened (the service decodes it).
   */
  private ParallelOpenings.Outcome openAndCheck(Message m, byte[] kept) {
    try {
      byte[] plaintext = kept != null ? kept
          : opener.open(m.getData(), m.getSubject(), m.metaData().streamSequence()).plaintext();
      check(InternalEventCodec.validate(plaintext), m.getSubject()); // decode's checks, without building the event
      return new ParallelOpenings.Outcome(plaintext, null, null);
    } catch (VettidException e) {
      return new ParallelOpenings.Outcome(null, e, null);
    } catch (RuntimeException e) {
      return new ParallelOpenings.Outcome(null, null, e);
    }
  }

  /** Takes what opening a deposit came to: the event, or its quarantine (or give-back) here and null. */
  private Opened apply(Message m, ParallelOpenings.Outcome outcome) {
    quarantinedInline = false;
    if (outcome.plaintext() != null) {
      return new Opened(m, outcome.plaintext());
    }
    String subject = m.getSubject();
    VettidException e = outcome.refused();
    if (e == null) {
      LOG.warn("could not forward a deposit from {} ({}); it will be redelivered", subject,
          outcome.failed().getClass().getSimpleName());
      ledger.giveBack(m, null);
      counters.deferred();
      return null;
    }
    try {
      quarantine.refused(durable, m.getData(), subject, e.reason(), e.getMessage(),
          "deposit-" + m.metaData().streamSequence() + "-" + m.metaData().getStream());
      quarantined.get(e.reason()).incrementAndGet();
      quarantinedInline = true; // acknowledged in its turn (poll)
    } catch (IOException | JetStreamApiException | RuntimeException qe) {
      LOG.warn("could not quarantine a deposit from {} ({}); it will be redelivered", subject,
          qe.getClass().getSimpleName());
      ledger.giveBack(m, null);
      counters.deferred();
    }
    return null;
  }

  private void check(ConnectionId connectionId, String subject) throws VettidException {
    String connection = subject.substring(depositPrefix.length());
    if (!connectionId.value().equals(connection)) {
      // a connection may only speak for itself
      throw new VettidException(FailureReason.MALFORMED, "the event's connectionId does not match its deposit subject");
    }
  }

  /** {@return how many events this watcher forwarded to DataVault.Queue} */
  public long forwarded() {
    return forwarded.get();
  }

  /**
   * {@return how many deliveries of the consumer never reached this watcher} A node of a cluster
   * that dies with deliveries on their way loses them; the watcher holds back its acknowledgements
   * until the consumer delivers those deposits again.
   */
  public long lostDeliveries() {
    return ledger.lostDeliveries();
  }

  /** {@return how many second deliveries of deposits in hand or settled this watcher dropped} */
  public long duplicateDeliveries() {
    return ledger.duplicates();
  }

  /**
   * {@return how many messages the forwards took} A batch of events is one message, so {@link
   * #forwarded()} divided by this is the mean batch size.
   */
  public long forwardMessages() {
    return forwardMessages.get();
  }

  /**
   * How many deposits this watcher quarantined for a reason.
   *
   * @param reason the reason
   * @return the count
   */
  public long quarantined(FailureReason reason) {
    return quarantined.get(Objects.requireNonNull(reason, "reason")).get();
  }
}
