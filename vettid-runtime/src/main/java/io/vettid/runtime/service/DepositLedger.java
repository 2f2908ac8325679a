package io.vettid.runtime.service;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Event Watcher's account of its deposits: which are in hand (received, not yet settled), which
 * are settled (forwarded or quarantined), which were given back for redelivery or lost on the way
 * (held: nothing at or past one is acknowledged until its redelivery is settled), and the one
 * cumulative acknowledgement that covers every settled deposit below the lowest held one. Every
 * deposit delivered up to that sequence is settled: deliveries come in stream order (a
 * redelivery's first delivery came before), the consumer had nothing delivered when the watcher
 * started ({@link EventWatcher#ensureConsumer}), and a delivery that never arrived shows as a gap in
 * the consumer's delivery sequence, whereupon the deposits it may have carried are held ({@link
 * #received}).
 *
 * <p>A second delivery of a deposit in hand or settled is dropped (its first settles it; the
 * opener would refuse it as {@code REPLAYED}); one of a deposit already acknowledged is acknowledged
 * again (the first acknowledgement may have been lost with a node of a cluster).
 *
 * <p>An opened deposit given back keeps its event for its redelivery, which is not opened again:
 * the opener would refuse a sequence it already accepted as {@code REPLAYED}. Used by the
 * watcher's polling thread only.
 */
final class DepositLedger {
  private static final Logger LOG = LoggerFactory.getLogger(DepositLedger.class);
  /** Deposits settled since the last acknowledgement after which the next is sent within a poll. */
  static final int ACK_EVERY = Acknowledgements.ACK_EVERY;
  /** Most events kept for redelivery; past it a redelivery is opened again (and refused as replayed). */
  static final int MAX_KEPT = 4096;
  /** How long a held deposit waits before the ledger checks that the stream still holds it. */
  static final Duration HELD_CHECK = Duration.ofSeconds(60);

  /** Told of each settled deposit (its sequence and size), for the purge. */
  @FunctionalInterface
  interface SettledListener {
    void settled(long sequence, int bytes);
  }

  private final JetStreamManagement jsm;
  private final String stream;
  private final SettledListener listener;
  private final Checkpoint checkpoint;

  /**
   * Started before an acknowledgement: the acknowledgement is sent once the future completes; a
   * failed one holds it back (tried again at the next acknowledgement).
   */
  @FunctionalInterface
  interface Checkpoint {
    java.util.concurrent.CompletableFuture<?> start(long through);
  }

  /** The first checkpoint retry after one failed is not started before this ({@link System#nanoTime}). */
  private long checkpointRetryAt;
  /** Checkpoints failed in a row (the wait before the next doubles, from 250 ms to 5 s). */
  private int checkpointsFailed;

  /** The acknowledgement waiting for its checkpoint, or null: the sequence and its deposit. */
  private java.util.concurrent.CompletableFuture<?> pending;
  private long pendingSeq;
  private Message pendingDeposit;
  /** The highest stream sequence acknowledged (cumulatively). */
  private long acknowledgedThrough;
  /** Deposits settled since the last acknowledgement was sent. */
  private int settledSinceAck;
  /** Deposits received and neither settled nor given back yet. */
  private final java.util.HashSet<Long> inHand = new java.util.HashSet<>();
  /** Settled deposits above {@link #acknowledgedThrough}, not yet acknowledged, by sequence. */
  private final TreeMap<Long, Message> settledAbove = new TreeMap<>();
  /** The consumer's delivery sequence of the last delivery received (0: none yet). */
  private long lastDelivery;
  /** The highest stream sequence delivered. */
  private long highestDelivered;
  /** Set by a gap in the delivery sequence until the next new delivery shows what it lost. */
  private boolean gapOpen;
  /** Deliveries that never arrived (gaps in the delivery sequence). */
  private volatile long lostDeliveries;
  /** Second deliveries dropped. */
  private volatile long duplicates;
  /** Deposits given back for redelivery, or lost on the way, and not settled since: sequence to when. */
  private final TreeMap<Long, Long> held = new TreeMap<>();
  /** The events of opened deposits given back, for their redelivery (bounded by {@link #MAX_KEPT}). */
  private final Map<Long, byte[]> reopen = new HashMap<>();
  private long lastHeldCheck = System.nanoTime();
  private long heldCheckNanos = HELD_CHECK.toNanos();
  /** Set when no acknowledgement may be sent any more (a successor may have replaced the consumer). */
  private volatile boolean silenced;

  /**
   * Creates a ledger for a consumer just made.
   *
   * @param from the first stream sequence the consumer delivers ({@link EventWatcher#ensureConsumer})
   */
  DepositLedger(JetStreamManagement jsm, String stream, long from, SettledListener listener) {
    this(jsm, stream, from, listener, through -> java.util.concurrent.CompletableFuture.completedFuture(null));
  }

  /**
   * Creates a ledger whose acknowledgements wait for a checkpoint (the opener keeping the sessions
   * that opened the deposits at rest).
   */
  DepositLedger(JetStreamManagement jsm, String stream, long from, SettledListener listener, Checkpoint checkpoint) {
    this.jsm = jsm;
    this.stream = stream;
    this.listener = listener;
    this.checkpoint = checkpoint;
    this.highestDelivered = from - 1;
  }

  /** Most deposits held at once for one gap in the delivery sequence. */
  static final int MAX_HELD_FOR_A_GAP = 4096;

  /**
   * Takes a delivery.
   *
   * <p>A gap in the consumer's delivery sequence means deliveries were lost on the way (a node of
   * the cluster died with them, or a pull request's replies went to a subscription that was
   * replaced). New deliveries come in stream order, so the lost ones carried deposits between the
   * highest delivered and this one: those are held, so no cumulative acknowledgement covers them
   * before the consumer delivers them again (after its acknowledgement wait); one the stream no
   * longer holds is released by {@link #checkHeld}.
   *
   * @return true if the deposit is to be opened and settled; false for a second delivery of one in
   *     hand or settled (dropped, or acknowledged again if already acknowledged)
   */
  boolean received(Message d) {
    long seq = d.metaData().streamSequence();
    long delivery = d.metaData().consumerSequence();
    if (delivery > lastDelivery + 1) {
      lostDeliveries += delivery - lastDelivery - 1;
      gapOpen = true;
      acknowledge(true); // what was settled before the gap
      LOG.warn("{}: {} deliveries never arrived; the deposits they may have carried are held until delivered again",
          stream, delivery - lastDelivery - 1);
    }
    if (gapOpen && seq > highestDelivered) {
      holdBelow(seq);
      gapOpen = false;
    }
    lastDelivery = delivery; // a new consumer leader may count again from what it was told
    if (seq <= acknowledgedThrough) {
      duplicates++;
      if (!silenced) {
        d.ack(); // covers only settled deposits; the first acknowledgement may be lost
      }
      return false;
    }
    if (inHand.contains(seq) || settledAbove.containsKey(seq)) {
      duplicates++;
      return false;
    }
    inHand.add(seq);
    highestDelivered = Math.max(highestDelivered, seq);
    return true;
  }

  /**
   * Holds the deposits between the highest delivered and {@code seq} that are neither in hand nor
   * settled: the new deliveries a gap lost (if the gap's first delivery after it was a redelivery,
   * at the next new delivery).
   */
  private void holdBelow(long seq) {
    long now = System.nanoTime();
    long last = Math.min(seq - 1, highestDelivered + MAX_HELD_FOR_A_GAP);
    int holding = 0;
    for (long s = highestDelivered + 1; s <= last; s++) {
      if (!inHand.contains(s) && !settledAbove.containsKey(s) && held.putIfAbsent(s, now) == null) {
        holding++;
      }
    }
    if (holding > 0) {
      LOG.warn("{}: deposits {} to {} held ({} of them) until delivered again", stream, highestDelivered + 1, last,
          holding);
    }
  }

  /** {@return deliveries that never arrived, by the gaps in the delivery sequence} */
  long lostDeliveries() {
    return lostDeliveries;
  }

  /** {@return second deliveries of deposits in hand or settled, dropped or acknowledged again} */
  long duplicates() {
    return duplicates;
  }

  /** The event kept for a deposit given back after it opened, or null. */
  byte[] kept(long sequence) {
    return reopen.isEmpty() ? null : reopen.get(sequence);
  }

  /** A deposit's forward or quarantine is stored: it may be covered by the next acknowledgement. */
  void settled(Message d) {
    long seq = d.metaData().streamSequence();
    release(seq);
    inHand.remove(seq);
    if (seq > acknowledgedThrough) {
      settledAbove.put(seq, d);
    }
    listener.settled(seq, d.getData().length);
    settledSinceAck++;
  }

  /** Forgets a held deposit and its kept event: settled, or no longer in the stream. */
  private void release(long seq) {
    held.remove(seq);
    reopen.remove(seq);
  }

  /**
   * Gives a deposit back for redelivery: nothing at or past its sequence is acknowledged until its
   * redelivery is settled. What was settled before it is acknowledged first.
   *
   * @param event the deposit's checked Internal Event, or null if it was not opened
   */
  void giveBack(Message d, byte[] event) {
    long seq = d.metaData().streamSequence();
    if (event != null && (reopen.size() < MAX_KEPT || reopen.containsKey(seq))) {
      reopen.put(seq, event);
    }
    acknowledge(true); // what was settled below it
    held.putIfAbsent(seq, System.nanoTime());
    inHand.remove(seq);
    try {
      d.nak();
    } catch (RuntimeException e) {
      // not given back now: it comes back when its acknowledgement wait ends
      LOG.warn("could not give back deposit {} ({}); it comes back after its acknowledgement wait", seq,
          e.getClass().getSimpleName());
    }
  }

  /**
   * Acknowledges, in one cumulative acknowledgement, the settled deposits up to the highest
   * settled sequence below every deposit held or in hand (still being opened: openings may finish
   * out of delivery order). Within a poll the acknowledgement waits until {@value
   * #ACK_EVERY} deposits are settled since the last one (docs/benchmarks/README.md, "Design
   * choices the figures made"); a poll ends with {@code now}, as does a give-back.
   *
   * @param now acknowledge whatever is settled, however few
   */
  void acknowledge(boolean now) {
    if (pending != null && !settlePending(now)) {
      return; // still being written, or failed: tried again at the next acknowledgement
    }
    if (settledAbove.isEmpty() || (!now && settledSinceAck < ACK_EVERY)) {
      return;
    }
    // the highest settled deposit below every one in hand (being opened) or held
    long limit = held.isEmpty() ? Long.MAX_VALUE : held.firstKey();
    for (long s : inHand) {
      limit = Math.min(limit, s);
    }
    Map.Entry<Long, Message> top = settledAbove.lowerEntry(limit);
    if (top == null || silenced) {
      return; // wait for what is in hand or held below; or its deposits come back to the next watcher
    }
    if (checkpointsFailed > 0 && System.nanoTime() - checkpointRetryAt < 0) {
      return; // the last checkpoint failed (a full account, a server away): not tried again at once
    }
    // nothing is acknowledged before what opened it is kept: the checkpoint goes first, and the
    // watcher goes on while it is written
    pendingSeq = top.getKey();
    pendingDeposit = top.getValue();
    settledSinceAck = 0;
    try {
      pending = checkpoint.start(pendingSeq);
    } catch (RuntimeException e) {
      pending = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    if (pending.isDone() || now) {
      settlePending(now);
    }
  }

  /**
   * Sends the acknowledgement waiting for its checkpoint once the checkpoint is done (waiting for it
   * when {@code now}, at most 30 s); one whose checkpoint failed is dropped, and its deposits are
   * acknowledged by a later one.
   *
   * @return true if nothing waits any more and the checkpoint did not fail
   */
  private boolean settlePending(boolean now) {
    if (!pending.isDone()) {
      if (!now) {
        return false;
      }
      try {
        pending.get(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // failed or too slow: held back below
      }
    }
    java.util.concurrent.CompletableFuture<?> p = pending;
    pending = null;
    if (!p.isDone() || p.isCompletedExceptionally()) {
      checkpointRetryAt = System.nanoTime() + PollingLoop.retryWaitNanos(++checkpointsFailed);
      if (checkpointsFailed == 1) {
        LOG.warn("{}: the sessions of deposits up to {} were not kept ({}); their acknowledgement waits, tried again"
            + " with growing waits", stream, pendingSeq, reason(p));
      }
      return false;
    }
    if (checkpointsFailed > 0) {
      LOG.info("{}: sessions kept again after {} failed attempt(s)", stream, checkpointsFailed);
      checkpointsFailed = 0;
    }
    if (!silenced && pendingSeq > acknowledgedThrough) {
      pendingDeposit.ack();
      acknowledgedThrough = pendingSeq;
      settledAbove.headMap(pendingSeq, true).clear();
    }
    return true;
  }

  /** Why a checkpoint failed, for the log: the innermost message, or that it took too long. */
  private static String reason(java.util.concurrent.CompletableFuture<?> p) {
    if (!p.isDone()) {
      return "not written within 30 s";
    }
    try {
      p.join();
      return "?";
    } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
      Throwable t = e;
      while (t.getCause() != null && t.getCause() != t) {
        t = t.getCause();
      }
      return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
  }

  /** From now on nothing is acknowledged. */
  void silence() {
    silenced = true;
  }

  /**
   * Releases held deposits the stream no longer holds (removed by a limit or by hand), which would
   * otherwise stop every acknowledgement after them. Checked at most once per {@link #HELD_CHECK}.
   */
  void checkHeld() {
    long now = System.nanoTime();
    if (held.isEmpty() || now - lastHeldCheck < heldCheckNanos) {
      return;
    }
    lastHeldCheck = now;
    for (Long seq : new ArrayList<>(held.keySet())) {
      if (now - held.get(seq) < heldCheckNanos) {
        continue;
      }
      try {
        jsm.getMessage(stream, seq);
      } catch (JetStreamApiException e) {
        if (e.getErrorCode() == 404) {
          LOG.warn("deposit {} of {} is no longer stored; acknowledgements go on past it", seq, stream);
          release(seq);
        }
      } catch (IOException | RuntimeException e) {
        return; // tried again at the next check
      }
    }
    acknowledge(true);
  }

  /** Replaces {@link #HELD_CHECK} (tests). */
  void heldCheck(Duration after) {
    heldCheckNanos = after.toNanos();
  }

  /** Holds a sequence as if its deposit had been given back (tests). */
  void hold(long streamSequence) {
    held.putIfAbsent(streamSequence, System.nanoTime());
  }

  /** {@return the deposits given back and not settled since, by sequence (tests)} */
  Set<Long> held() {
    return Set.copyOf(held.keySet());
  }
}
