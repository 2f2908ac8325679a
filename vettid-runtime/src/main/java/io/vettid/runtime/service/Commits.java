package io.vettid.runtime.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's commits in flight, settled in order: each handled event's handled-once record (or
 * its entry of a group record) is written, then its outbox (replies and emitted events, with
 * stable ids) goes out, then its message is acknowledged. Record writes are published
 * asynchronously so that several eventIds' commits share round trips; they are settled as soon as
 * they are acknowledged, and at the latest {@value #MAX_PENDING_NANOS} ns after the oldest began.
 * Poller thread only.
 */
final class Commits {
  // the service's own log: these are its events
  private static final Logger LOG = LoggerFactory.getLogger(EventService.class);
  /** Message keys a record remembers as done. */
  static final int MAX_DONE = 1024;
  /** Outboxes a record keeps, for the messages that may come back. */
  private static final int MAX_OUTBOX = 16;
  /** The longest a handled message waits for its commit to be settled while messages keep coming. */
  private static final long MAX_PENDING_NANOS = 2_000_000;
  /** How many one-event commits wait before their group record is written, under a steady stream. */
  private static final int GROUP_EARLY = 64;
  /** How long the oldest pending commit waits before the group record of those waiting is written. */
  private static final long GROUP_AFTER_NANOS = 300_000;

  private final String name;
  private final HandledOnceStore records;
  private final HandlerRunner runner;
  private final HeldEvents inbox;
  private final RuntimeCounters counters;
  private final JetStream js;
  private final ReplyTransport replies;
  private final Settlement settlement;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  /** Pending one-event commits whose group record is not written yet. */
  private int ungrouped;
  private final Set<HandlerKey> pendingIds = new HashSet<>();

  /** What the service does when a commit is settled. */
  interface Settlement {
    /**
     * Quarantines an event and settles its message (acknowledged, or nak'ed if the quarantine
     * failed).
     *
     * @return whether it was settled
     */
    boolean quarantine(Delivery m, InternalEvent event, byte[] data, FailureReason reason, String detail, String key);

    /** An event was handled and committed, its message acknowledged. */
    void handled(InternalEvent event, String detail);
  }

  Commits(String name, HandledOnceStore records, HandlerRunner runner, HeldEvents inbox, RuntimeCounters counters,
      JetStream js, ReplyTransport replies, Settlement settlement) {
    this.name = name;
    this.records = records;
    this.runner = runner;
    this.inbox = inbox;
    this.counters = counters;
    this.js = js;
    this.replies = replies;
    this.settlement = settlement;
  }

  /** {@return whether no commit is in flight} */
  boolean isEmpty() {
    return pending.isEmpty();
  }

  /**
   * Whether an eventId's commit is in flight: its record must be settled before it is used again.
   *
   * @param id the eventId and its connection
   * @return whether it is
   */
  boolean holds(HandlerKey id) {
    return pendingIds.contains(id);
  }

  /**
   * Commits one job whose handler ran: prepares its record and publishes it (an eventId handled in
   * one event, no record before and finished now, waits for the group record of the commits in
   * flight; any other commit is a compare-and-set of the eventId's own record).
   *
   * @param job the job
   * @param ctx its handler's context, closed
   * @throws IOException if the record cannot be written (the event comes back)
   */
  void add(HandlerJob job, BufferedContext ctx) throws IOException {
    HandlerKey id = HandlerKey.of(job.event);
    HandledOnceRecord next = prepare(job.factory, job.rec, job.key, ctx);
    byte[] groupEntry = job.rec == null && ctx.finished ? HandledOnceStore.groupEntry(id, next) : null;
    CompletableFuture<PublishAck> write = groupEntry != null ? null : records.write(id, next);
    records.remember(id, next);
    if (ctx.finished) {
      runner.forget(id);
    }
    if (groupEntry != null) {
      ungrouped++;
    }
    pending.add(new Pending(job.m, job.event, job.data, job.key, next, write, groupEntry, job.approved,
        "by " + job.factory.name()
        + (job.approved != null ? " (approved by the owner)" : "")
        + (ctx.replies.isEmpty() ? "" : ", " + ctx.replies.size() + " reply(ies)")
        + (ctx.finished ? ", finished" : "")));
    pendingIds.add(id);
  }

  /**
   * Between messages, under a steady stream: settles all the commits in flight once the oldest
   * waited {@value #MAX_PENDING_NANOS} ns (latency stays bounded), or writes the group record of
   * those waiting for one once {@value #GROUP_EARLY} wait or the oldest waited {@value
   * #GROUP_AFTER_NANOS} ns (written while further messages are processed; settled as they are
   * acknowledged).
   *
   * @return how many messages could not be settled (nak'ed)
   */
  int bound() throws InterruptedException {
    if (pending.isEmpty()) {
      return 0;
    }
    long age = System.nanoTime() - pending.peekFirst().m.start;
    if (age > MAX_PENDING_NANOS) {
      return flush();
    }
    if (ungrouped >= GROUP_EARLY || (ungrouped > 0 && age > GROUP_AFTER_NANOS)) {
      writeGroups();
    }
    return 0;
  }

  /**
   * A message whose record write is in flight; settled by {@link #flush()}. A one-event commit
   * has a {@code groupEntry} and gets its {@code write} when its group record is written.
   */
  private static final class Pending {
    final Delivery m;
    final InternalEvent event;
    final byte[] data;
    final String key;
    final HandledOnceRecord next;
    CompletableFuture<PublishAck> write;
    final byte[] groupEntry;
    final String approved;
    final String detail;

    Pending(Delivery m, InternalEvent event, byte[] data, String key, HandledOnceRecord next, CompletableFuture<PublishAck> write,
        byte[] groupEntry, String approved, String detail) {
      this.m = m;
      this.event = event;
      this.data = data;
      this.key = key;
      this.next = next;
      this.write = write;
      this.groupEntry = groupEntry;
      this.approved = approved;
      this.detail = detail;
    }
  }

  // ---------------------------------------------------------------- group commits

  /**
   * Writes the group records of the pending one-event commits: one record (create-only, under a
   * fresh key) per up to {@value HandledOnceStore#MAX_GROUP} events, published asynchronously; each member's
   * pending write becomes its group's.
   */
  private void writeGroups() {
    List<Pending> members = new ArrayList<>();
    int bytes = 0;
    for (Pending p : pending) {
      if (p.groupEntry == null || p.write != null) {
        continue;
      }
      int size = p.groupEntry.length + 1;
      if (!members.isEmpty() && (members.size() >= HandledOnceStore.MAX_GROUP || bytes + size > HandledOnceStore.MAX_GROUP_BYTES)) {
        writeGroup(members);
        members = new ArrayList<>();
        bytes = 0;
      }
      members.add(p);
      bytes += size;
    }
    if (!members.isEmpty()) {
      writeGroup(members);
    }
    ungrouped = 0;
  }

  private void writeGroup(List<Pending> members) {
    List<HandlerKey> ids = new ArrayList<>(members.size());
    List<byte[]> entries = new ArrayList<>(members.size());
    for (Pending p : members) {
      ids.add(HandlerKey.of(p.event));
      entries.add(p.groupEntry);
    }
    CompletableFuture<PublishAck> write = records.writeGroup(ids, entries);
    for (Pending p : members) {
      p.write = write;
    }
  }


  /**
   * The record to write for a handled message: state, finished flag, the message's key, and its
   * outbox (the replies and emitted events still to send). It is written first; the outbox is sent
   * after, with stable ids, and sent again if the message comes back (a crash between the two): so
   * nothing is lost and nothing is kept twice.
   */
  private static HandledOnceRecord prepare(EventHandlerFactory factory, HandledOnceRecord rec, String key, BufferedContext ctx) {
    HandledOnceRecord next = rec == null ? new HandledOnceRecord(factory.name(), null, false, new ArrayDeque<>(), 0) : rec.copy();
    next.state = ctx.working;
    next.finished = ctx.finished;
    next.done.addLast(key);
    while (next.done.size() > MAX_DONE) {
      next.done.removeFirst();
    }
    ObjectNode box = HandledOnceRecord.JSON.createObjectNode().put("key", key);
    ArrayNode rs = box.putArray("replies");
    for (BufferedContext.Reply r : ctx.replies) {
      rs.addObject().put("type", r.type().value()).set("payload", r.payload());
    }
    ArrayNode es = box.putArray("emits");
    for (InternalEvent e : ctx.emitted) {
      es.add(Base64.getEncoder().encodeToString(InternalEventCodec.encode(e)));
    }
    next.outbox.addLast(box);
    while (next.outbox.size() > MAX_OUTBOX) {
      next.outbox.removeFirst();
    }
    return next;
  }

  /**
   * Settles the messages whose record writes are in flight, in order: each record write is a
   * compare-and-set (expected last revision), published asynchronously so that several eventIds'
   * commits share one round trip; then the outbox goes out and the message is acknowledged. A
   * failed write (a conflict: the record changed) naks the message, which comes back and is
   * processed with the record read from the bucket.
   *
   * @return how many messages could not be settled (nak'ed)
   */
  int flush() throws InterruptedException {
    int failed = 0;
    writeGroups();
    Pending p;
    while ((p = pending.pollFirst()) != null) {
      pendingIds.remove(HandlerKey.of(p.event));
      if (settleOne(p)) {
        failed++;
      }
    }
    return failed;
  }

  /**
   * Settles, without waiting, the pending messages at the head whose record writes are already
   * acknowledged: under a steady stream most are, so commits go on without a stop to wait for a
   * round trip.
   *
   * @return how many messages could not be settled (nak'ed)
   */
  int settleReady() throws InterruptedException {
    int failed = 0;
    Pending p;
    while ((p = pending.peekFirst()) != null && p.write != null && p.write.isDone()) {
      pending.pollFirst();
      pendingIds.remove(HandlerKey.of(p.event));
      if (settleOne(p)) {
        failed++;
      }
    }
    return failed;
  }

  /** Settles one message whose record write was published; returns true if it was nak'ed. */
  private boolean settleOne(Pending p) throws InterruptedException {
    try {
      PublishAck ack = p.write.get(30, TimeUnit.SECONDS);
      if (ack.hasError()) {
        throw new IOException(ack.getError());
      }
      p.next.revision = ack.getSeqno();
    } catch (ExecutionException | TimeoutException | IOException e) {
      // the write may have been stored all the same (a lost acknowledgement): the record, or the
      // group the index still names, is read again when the event comes back
      records.remember(HandlerKey.of(p.event), null);
      runner.forget(HandlerKey.of(p.event));
      LOG.warn("{}: the handler record of {} could not be written ({}); the event will be redelivered", name,
          p.event.eventId(), e instanceof ExecutionException && e.getCause() != null
              ? e.getCause().getMessage() : e.getClass().getSimpleName());
      p.m.fail();
      counters.deferred();
      return true;
    }
    try {
      sendOutbox(p.event, p.next, p.key);
    } catch (VettidException e) {
      // committed, but a reply cannot be delivered (the connection is gone): keep the event with the reason
      settlement.quarantine(p.m, p.event, p.data, e.reason(), "handled, but its reply failed: " + e.getMessage(), p.key);
      return false;
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("{}: the outbox of {} could not be sent ({}); the event will be redelivered", name,
          p.event.eventId(), e.getClass().getSimpleName());
      p.m.fail(); // committed: the redelivery finds its key done and sends the outbox again
      counters.deferred();
      return true;
    }
    if (p.approved != null) {
      try {
        inbox.remove(p.approved);
      } catch (IOException | JetStreamApiException e) {
        LOG.warn("{}: the approved inbox entry {} could not be removed ({})", name, p.approved,
            e.getClass().getSimpleName());
      }
    }
    p.m.ok();
    counters.handled(System.nanoTime() - p.m.start);
    settlement.handled(p.event, p.detail);
    return false;
  }

  /** Sends the committed replies and emitted events of one message (again, if it came back). */
  void sendOutbox(InternalEvent event, HandledOnceRecord rec, String key)
      throws IOException, JetStreamApiException, VettidException {
    for (JsonNode box : rec.outbox) {
      if (!box.path("key").asText().equals(key)) {
        continue;
      }
      int i = 0;
      for (JsonNode r : box.path("replies")) {
        replies.send(event.connectionId(), EventType.of(r.path("type").asText()), event.eventId(),
            (ObjectNode) r.path("payload"), key + "-r" + i++);
      }
      i = 0;
      for (JsonNode e : box.path("emits")) {
        PublishAck ack = js.publish(Subjects.DATA_VAULT_QUEUE.value(),
            new Headers().put("Nats-Msg-Id", key + "-e" + i++), Base64.getDecoder().decode(e.asText()));
        if (ack.hasError()) {
          throw new IOException("the queue refused an emitted event: " + ack.getError());
        }
      }
    }
  }
}
