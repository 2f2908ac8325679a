package io.vettid.cli;

import java.time.Instant;
import io.vettid.runtime.service.OwnerFeed;
import io.vettid.api.InternalEvent;
import io.vettid.api.EventId;
import io.vettid.api.ConnectionId;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamState;
import io.nats.client.impl.Headers;
import io.vettid.api.FailureReason;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.client.EventEndpoints;
import io.vettid.runtime.client.InboxEndpoints;
import io.vettid.runtime.client.QuarantineEndpoints;
import io.vettid.runtime.service.HeldEvents;
import io.vettid.runtime.service.Quarantine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The control service's {@code inbox}, {@code quarantine} and {@code events} groups: what the vault
 * held for the owner, what it refused, and the notices of what it settled.
 */
final class RecordsControl {
  private final RunningVault vault;

  RecordsControl(RunningVault vault) {
    this.vault = vault;
  }

  void serve(ControlService.Builder b) {
    b.on(InboxEndpoints.LIST, r -> inbox())
        .on(InboxEndpoints.APPROVE, r -> decide(r.id(), true))
        .on(InboxEndpoints.DENY, r -> decide(r.id(), false))
        .on(QuarantineEndpoints.LIST, r -> quarantine(r.limit() == 0 ? 20 : r.limit()))
        .on(QuarantineEndpoints.REPLAY, this::replay)
        .on(EventEndpoints.RECENT, r -> recent(r.last()))
        .on(EventEndpoints.SHOW, this::show)
        .on(EventEndpoints.FEED, this::feed)
        .on(EventEndpoints.DELETE, this::delete)
        .on(EventEndpoints.PURGE, this::purge);
  }

  private OwnerFeed ownerFeed() throws Refused {
    return vault.runtime.feed().orElseThrow(() -> new Refused("this vault keeps no feed of its events"));
  }

  /** A connection named by id or peer name; the id of one that is gone (revoked) still names its feed. */
  private ConnectionId feedConnection(String nameOrId) throws Refused {
    if (nameOrId == null) {
      return null;
    }
    try {
      return vault.connection(nameOrId);
    } catch (Refused notFound) {
      try {
        return ConnectionId.of(nameOrId);
      } catch (IllegalArgumentException e) {
        throw notFound;
      }
    }
  }

  private static EventId eventId(String text) throws Refused {
    try {
      return EventId.of(text);
    } catch (IllegalArgumentException e) {
      throw Refused.malformed("'" + text.replaceAll("[^!-~]", "?") + "' is not an eventId");
    }
  }

  private EventEndpoints.Feed items(List<OwnerFeed.Item> found) {
    List<EventEndpoints.Item> out = new ArrayList<>();
    for (OwnerFeed.Item i : found) {
      InternalEvent e = i.event();
      out.add(new EventEndpoints.Item(e.timestamp().toString(), e.type().value(), e.eventId().value(),
          e.connectionId().value(), vault.peers.of(e.connectionId(), "?"), e.payload()));
    }
    return new EventEndpoints.Feed(out);
  }

  private EventEndpoints.Feed show(EventEndpoints.Show r) throws Exception {
    OwnerFeed.Query q = OwnerFeed.Query.all().eventId(eventId(r.eventId())).limit(10_000);
    ConnectionId c = feedConnection(r.connection());
    List<OwnerFeed.Item> found = ownerFeed().search(c == null ? q : q.connection(c));
    if (found.isEmpty()) {
      throw Refused.notFound("no event " + r.eventId() + " in the feed (only handled events are kept; see: vettid"
          + " events feed)");
    }
    return items(found);
  }

  private EventEndpoints.Feed feed(EventEndpoints.Search r) throws Exception {
    int last = r.last() == null || r.last() == 0 ? 20 : r.last();
    if (last < 1 || last > 10_000) {
      throw Refused.malformed("last must be 1-10000");
    }
    OwnerFeed.Query q = OwnerFeed.Query.all().limit(last);
    if (r.type() != null) {
      try {
        q = q.type(r.type());
      } catch (IllegalArgumentException e) {
        throw Refused.malformed("'" + r.type().replaceAll("[^!-~]", "?") + "' is not an event type");
      }
    }
    ConnectionId c = feedConnection(r.connection());
    if (c != null) {
      q = q.connection(c);
    }
    return items(ownerFeed().search(q.between(time(r.since(), "since"), time(r.until(), "until"))));
  }

  private static Instant time(String text, String member) throws Refused {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      throw Refused.malformed(member + " must be a time such as 2026-12-07T10:00:00Z");
    }
  }

  private EventEndpoints.Deleted delete(EventEndpoints.Show r) throws Exception {
    EventId id = eventId(r.eventId());
    ConnectionId c = feedConnection(r.connection());
    int erased = ownerFeed().delete(c, id);
    if (erased == 0) {
      throw Refused.notFound("no event " + r.eventId() + " in the feed; see: vettid events feed");
    }
    vault.audit("owner.deleted", "eventId", id.value(), "events", Integer.toString(erased));
    return new EventEndpoints.Deleted(erased);
  }

  private EventEndpoints.Deleted purge(EventEndpoints.Purge r) throws Exception {
    boolean all = Boolean.TRUE.equals(r.all());
    if (all == (r.connection() != null)) {
      throw Refused.malformed("name a connection, or purge all (not both)");
    }
    ConnectionId c = feedConnection(r.connection());
    long purged = ownerFeed().purge(c);
    vault.audit("owner.purged", "connection", c == null ? "*" : c.value(), "events", Long.toString(purged));
    return new EventEndpoints.Deleted(purged);
  }

  private InboxEndpoints.Listed inbox() throws Exception {
    List<InboxEndpoints.Held> list = new ArrayList<>();
    for (HeldEvents.Held h : vault.runtime.inbox().list()) {
      list.add(new InboxEndpoints.Held(h.id(), h.event().type().value(), h.rule(),
          vault.peers.of(h.event().connectionId(), h.event().connectionId().value()), h.heldAt().toString(),
          h.approved()));
    }
    return new InboxEndpoints.Listed(list);
  }

  private InboxEndpoints.Decided decide(String id, boolean approve) throws Exception {
    boolean done = approve ? vault.runtime.inbox().approve(id) : vault.runtime.inbox().deny(id);
    if (!done) {
      throw Refused.notFound("no held event " + id + "; see: vettid inbox list");
    }
    vault.audit(approve ? "approved" : "owner.denied", "held", id);
    return new InboxEndpoints.Decided(id, approve ? "approved" : "denied");
  }

  private QuarantineEndpoints.Listed quarantine(int limit) throws Exception {
    List<QuarantineEndpoints.Entry> list = new ArrayList<>();
    for (Quarantine.Entry e : vault.runtime.quarantine().list(limit)) {
      list.add(new QuarantineEndpoints.Entry(e.sequence(), e.reason().name(), e.source(),
          e.detail() == null ? "" : e.detail(), e.time().toString(), e.bodyKept() ? e.data().length : e.withheld(),
          e.bodyKept()));
    }
    return new QuarantineEndpoints.Listed(list);
  }

  private QuarantineEndpoints.Replayed replay(QuarantineEndpoints.Replay r) throws Exception {
    long sequence = r.sequence() == null ? -1 : r.sequence();
    String reason = r.reason() == null ? "" : r.reason();
    if (!reason.isEmpty() && Arrays.stream(FailureReason.values()).noneMatch(f -> f.name().equals(reason))) {
      throw Refused.malformed("no failure reason " + reason + "; one of " + Arrays.toString(FailureReason.values()));
    }
    List<Quarantine.Entry> chosen = new ArrayList<>();
    for (Quarantine.Entry e : vault.runtime.quarantine().list(10_000)) {
      if (e.sequence() == sequence || e.reason().name().equals(reason)) {
        chosen.add(e);
      }
    }
    if (chosen.isEmpty()) {
      throw Refused.notFound("no quarantined event " + (sequence > 0 ? String.valueOf(sequence)
          : "with reason " + reason) + "; see: vettid quarantine list");
    }
    List<QuarantineEndpoints.Done> done = new ArrayList<>();
    for (Quarantine.Entry entry : chosen) {
      done.add(replay(entry));
    }
    return new QuarantineEndpoints.Replayed(done);
  }

  /**
   * Puts one quarantined event back on the subject it came from, with a new message id (so the
   * duplicate window does not drop it); it goes through every check again. A deposit goes back to
   * its stream in the deposit account.
   */
  private QuarantineEndpoints.Done replay(Quarantine.Entry entry) throws Exception {
    if (!entry.bodyKept()) {
      throw new Refused("event " + entry.sequence() + " was kept without its bytes (its source had sent more than its"
          + " share of the quarantine); it cannot be replayed");
    }
    String source = entry.source();
    boolean deposit = source.startsWith("subscriber." + vault.config().guid() + ".");
    if (!deposit && !source.equals(Subjects.DATA_VAULT_QUEUE.value())) {
      throw new Refused("event " + entry.sequence() + " came from " + source + ", which cannot be replayed here");
    }
    Connection to = deposit ? vault.runtime.depositConnection().orElseThrow() : vault.nats();
    to.jetStream().publish(source,
        new Headers().put("Nats-Msg-Id", "replay-" + entry.sequence() + "-" + System.nanoTime()), entry.data());
    vault.nats().jetStreamManagement().deleteMessage(Subjects.QUARANTINE_STREAM, entry.sequence());
    vault.audit("replayed", "quarantined", Long.toString(entry.sequence()), "reason", entry.reason().name(),
        "source", source);
    return new QuarantineEndpoints.Done(entry.sequence(), entry.reason().name(), source);
  }

  private EventEndpoints.Notices recent(int last) throws Exception {
    JetStreamManagement jsm = vault.nats().jetStreamManagement();
    StreamState state = jsm.getStreamInfo(Subjects.EVENTS_STREAM).getStreamState();
    long lastSeq = state.getLastSequence();
    List<ObjectNode> list = new ArrayList<>();
    for (long seq = Math.max(state.getFirstSequence(), lastSeq - last + 1); last > 0 && seq <= lastSeq; seq++) {
      try {
        list.add((ObjectNode) VaultHome.JSON.readTree(jsm.getMessage(Subjects.EVENTS_STREAM, seq).getData()));
      } catch (JetStreamApiException e) {
        // a gap (deleted message): skip it
      }
    }
    return new EventEndpoints.Notices(lastSeq, list);
  }
}
