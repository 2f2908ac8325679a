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
 * An Event Watcher's account of its deposits: which are settled (forwarded or quarantined), which
 * were given back for redelivery (held: nothing at or past one is acknowledged until its
 * redelivery is settled), and the one cumulative acknowledgement that covers every settled
 * deposit below the lowest held one. Every deposit delivered up to that sequence is settled:
 * deliveries come in stream order (a redelivery's first delivery came before), and the consumer
 * had nothing delivered when the watcher started ({@link EventWatcher#ensureConsumer}).
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
  /** The highest stream sequence acknowledged (cumulatively). */
  private long acknowledgedThrough;
  /** The settled deposit with the highest sequence not yet acknowledged, or null. */
  private Message settledHighest;
  /** Deposits settled since the last acknowledgement was sent. */
  private int settledSinceAck;
  /** Deposits given back for redelivery and not settled since: sequence to when. */
  private final TreeMap<Long, Long> held = new TreeMap<>();
  /** The events of opened deposits given back, for their redelivery (bounded by {@link #MAX_KEPT}). */
  private final Map<Long, byte[]> reopen = new HashMap<>();
  private long lastHeldCheck = System.nanoTime();
  private long heldCheckNanos = HELD_CHECK.toNanos();
  /** Set when no acknowledgement may be sent any more (a successor may have replaced the consumer). */
  private volatile boolean silenced;

  DepositLedger(JetStreamManagement jsm, String stream, SettledListener listener) {
    this.jsm = jsm;
    this.stream = stream;
    this.listener = listener;
  }

  /** The event kept for a deposit given back after it opened, or null. */
  byte[] kept(long sequence) {
    return reopen.isEmpty() ? null : reopen.get(sequence);
  }

  /** A deposit's forward or quarantine is stored: it may be covered by the next acknowledgement. */
  void settled(Message d) {
    long seq = d.metaData().streamSequence();
    release(seq);
    listener.settled(seq, d.getData().length);
    if (settledHighest == null || seq > settledHighest.metaData().streamSequence()) {
      settledHighest = d;
    }
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
    if (settledHighest != null && settledHighest.metaData().streamSequence() < seq) {
      acknowledge(true);
    }
    held.putIfAbsent(seq, System.nanoTime());
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
   * sequence below every held deposit. Within a poll the acknowledgement waits until {@value
   * #ACK_EVERY} deposits are settled since the last one (docs/benchmarks/README.md, "Design
   * choices the figures made"); a poll ends with {@code now}, as does a give-back.
   *
   * @param now acknowledge whatever is settled, however few
   */
  void acknowledge(boolean now) {
    if (settledHighest == null || (!now && settledSinceAck < ACK_EVERY)) {
      return;
    }
    long seq = settledHighest.metaData().streamSequence();
    if (seq <= acknowledgedThrough) {
      settledHighest = null; // a redelivery of a deposit already acknowledged
      return;
    }
    if (!held.isEmpty() && held.firstKey() < seq) {
      return; // wait for the held deposit's redelivery
    }
    if (silenced) {
      return; // its deposits come back to the next watcher
    }
    settledHighest.ack();
    acknowledgedThrough = seq;
    settledHighest = null;
    settledSinceAck = 0;
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
