package com.example.vettid.poll;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.runtime.service.Quarantine;
import io.vettid.runtime.service.RuntimeCounters;
import io.vettid.testkit.vault.TestVault;
import io.vettid.testkit.vault.VaultTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The poll handler, found by ServiceLoader, in the reference runtime on a real nats-server (TLS,
 * JetStream encrypted at rest), one per test ({@code @VaultTest}): votes across the events of one
 * eventId, one sealed reply at the close, and refusals quarantined with their reason while the
 * poll goes on.
 */
@VaultTest
class PollHandlerTest {
  static InternalEvent event(EventType type, EventId poll, ConnectionId from, ObjectNode payload) {
    return InternalEvent.builder().type(type).eventId(poll).connectionId(from).payload(payload).build();
  }

  @Test
  void votesAreCountedAcrossTheEventsOfOnePollAndTheResultIsTheReply(TestVault vault) throws Exception {
    vault.rules("""
        [{"id": "polls", "eventType": "poll.open", "action": "handle", "handler": "poll"},
         {"id": "votes", "eventType": "poll.vote", "action": "handle", "handler": "poll"},
         {"id": "close", "eventType": "poll.close", "action": "handle", "handler": "poll"}]""");
    ConnectionId bob = ConnectionId.of("conn-bob");
    EventId poll = EventId.random();
    JsonNodeFactory j = JsonNodeFactory.instance;
    ObjectNode open = j.objectNode().put("question", "Lunch?");
    open.putArray("options").add("pizza").add("sushi");
    vault.deposit(
        event(PollHandler.OPEN, poll, bob, open),
        event(PollHandler.VOTE, poll, bob, j.objectNode().put("option", "pizza")),
        event(PollHandler.VOTE, poll, bob, j.objectNode().put("option", "sushi")),
        event(PollHandler.VOTE, poll, bob, j.objectNode().put("option", "tacos")), // not an option
        event(PollHandler.VOTE, poll, bob, j.objectNode().put("option", "pizza")),
        event(PollHandler.CLOSE, poll, bob, j.objectNode()),
        event(PollHandler.VOTE, EventId.random(), bob, j.objectNode().put("option", "pizza"))); // no such poll

    RuntimeCounters.Snapshot s = vault.awaitSettled(7, Duration.ofSeconds(20));
    assertThat(s.handled()).isEqualTo(5);
    assertThat(s.quarantined().get(FailureReason.MALFORMED)).isEqualTo(2);
    assertThat(vault.replies()).singleElement().satisfies(result -> {
      assertThat(result.type()).isEqualTo(PollHandler.RESULT);
      assertThat(result.to()).isEqualTo(bob);
      assertThat(result.eventId()).isEqualTo(poll);
      assertThat(result.payload().path("votes").path("pizza").asInt()).isEqualTo(2);
      assertThat(result.payload().path("votes").path("sushi").asInt()).isEqualTo(1);
      assertThat(result.payload().path("votes").has("tacos")).isFalse();
    });
    List<Quarantine.Entry> kept = vault.quarantined(10);
    assertThat(kept).extracting(Quarantine.Entry::detail)
        .anySatisfy(d -> assertThat(d).contains("does not have"))
        .anySatisfy(d -> assertThat(d).contains("before poll.open"))
        .allSatisfy(d -> assertThat(d).doesNotContain("tacos"));
  }
}
