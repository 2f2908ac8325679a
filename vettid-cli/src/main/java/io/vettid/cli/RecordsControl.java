package io.vettid.cli;

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
        .on(EventEndpoints.RECENT, r -> recent(r.last()));
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
