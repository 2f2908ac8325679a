package com.example.vettid.poll;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.service.Quarantine;
import io.vettid.runtime.service.RuntimeCounters;
import io.vettid.testkit.NatsServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The poll handler, found by ServiceLoader, in the reference runtime on a real nats-server (TLS,
 * JetStream encrypted at rest): votes across the events of one eventId, one sealed reply at the
 * close, and refusals quarantined with their reason while the poll goes on.
 */
class PollHandlerTest {
  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest().build();

  record Reply(ConnectionId to, EventType type, EventId eventId, ObjectNode payload) {}

  static InternalEvent event(EventType type, EventId poll, ConnectionId from, ObjectNode payload) {
    return InternalEvent.builder().type(type).eventId(poll).connectionId(from).payload(payload).build();
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  @Test
  void votesAreCountedAcrossTheEventsOfOnePollAndTheResultIsTheReply() throws Exception {
    List<Reply> replies = new CopyOnWriteArrayList<>();
    try (VettIdRuntime vault = VettIdRuntime.connect(NATS.options())
        .replies((to, type, id, payload, dedupe) -> replies.add(new Reply(to, type, id, payload)))
        .start()) {
      vault.rules().orElseThrow().put("""
          [{"id": "polls", "eventType": "poll.open", "action": "handle", "handler": "poll"},
           {"id": "votes", "eventType": "poll.vote", "action": "handle", "handler": "poll"},
           {"id": "close", "eventType": "poll.close", "action": "handle", "handler": "poll"}]""");
      Connection nc = NATS.connect();
      ConnectionId bob = ConnectionId.of("conn-bob");
      EventId poll = EventId.random();
      JsonNodeFactory j = JsonNodeFactory.instance;
      ObjectNode open = j.objectNode().put("question", "Lunch?");
      open.putArray("options").add("pizza").add("sushi");
      List<InternalEvent> events = List.of(
          event(PollHandler.OPEN, poll, bob, open),
          event(PollHandler.VOTE, poll, bob, j.objectNode().put("option", "pizza")),
          event(PollHandler.VOTE, poll, bob, j.objectNode().put("option", "sushi")),
          event(PollHandler.VOTE, poll, bob, j.objectNode().put("option", "tacos")), // not an option
          event(PollHandler.VOTE, poll, bob, j.objectNode().put("option", "pizza")),
          event(PollHandler.CLOSE, poll, bob, j.objectNode()),
          event(PollHandler.VOTE, EventId.random(), bob, j.objectNode().put("option", "pizza"))); // no such poll
      for (InternalEvent e : events) {
        nc.jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(), InternalEventCodec.encode(e));
      }

      // the reply is sent right after its commit, and the event counted as handled just after that
      await(() -> replies.size() == 1 && vault.counters().snapshot().quarantinedTotal() == 2
          && vault.counters().snapshot().handled() == 5, "result, refusals and every handled event counted");
      Reply result = replies.get(0);
      assertThat(result.type()).isEqualTo(PollHandler.RESULT);
      assertThat(result.to()).isEqualTo(bob);
      assertThat(result.eventId()).isEqualTo(poll);
      assertThat(result.payload().path("votes").path("pizza").asInt()).isEqualTo(2);
      assertThat(result.payload().path("votes").path("sushi").asInt()).isEqualTo(1);
      assertThat(result.payload().path("votes").has("tacos")).isFalse();

      RuntimeCounters.Snapshot s = vault.counters().snapshot();
      assertThat(s.handled()).isEqualTo(5);
      assertThat(s.quarantined().get(FailureReason.MALFORMED)).isEqualTo(2);
      List<Quarantine.Entry> kept = vault.quarantine().list(10);
      assertThat(kept).extracting(Quarantine.Entry::detail)
          .anySatisfy(d -> assertThat(d).contains("does not have"))
          .anySatisfy(d -> assertThat(d).contains("before poll.open"))
          .allSatisfy(d -> assertThat(d).doesNotContain("tacos"));
    }
  }
}
