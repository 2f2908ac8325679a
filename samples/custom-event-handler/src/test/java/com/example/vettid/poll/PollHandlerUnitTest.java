package com.example.vettid.poll;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.testkit.EventHandlerTestKit;
import org.junit.jupiter.api.Test;

/**
 * The poll handler in memory (vettid-testkit's EventHandlerTestKit, no NATS): the same rules as in
 * the runtime, in milliseconds. PollHandlerTest runs it in a real runtime on a real server.
 */
class PollHandlerUnitTest {
  private static final JsonNodeFactory J = JsonNodeFactory.instance;
  private final ConnectionId bob = ConnectionId.of("conn-bob");
  private final EventId poll = EventId.random();

  private InternalEvent event(EventType type, ObjectNode payload) {
    return InternalEvent.builder().type(type).eventId(poll).connectionId(bob).payload(payload).build();
  }

  @Test
  void votesSurviveARestartAndTheCloseRepliesOnceAndFinishes() throws Exception {
    try (EventHandlerTestKit kit = EventHandlerTestKit.of(new PollHandler())) {
      ObjectNode open = J.objectNode().put("question", "Lunch?");
      open.putArray("options").add("pizza").add("sushi");
      assertThat(kit.deliver(event(PollHandler.OPEN, open)).handled()).isTrue();
      assertThat(kit.deliver(event(PollHandler.VOTE, J.objectNode().put("option", "pizza"))).handled()).isTrue();
      kit.restart(); // the votes so far are in the saved state
      assertThat(kit.deliver(event(PollHandler.VOTE, J.objectNode().put("option", "pizza"))).handled()).isTrue();
      EventHandlerTestKit.Outcome tacos = kit.deliver(event(PollHandler.VOTE, J.objectNode().put("option", "tacos")));
      assertThat(tacos.reason()).contains(FailureReason.MALFORMED);
      assertThat(tacos.detail()).contains("does not have").doesNotContain("tacos");
      assertThat(kit.replies()).isEmpty();

      assertThat(kit.deliver(event(PollHandler.CLOSE, J.objectNode())).handled()).isTrue();
      assertThat(kit.replies()).singleElement().satisfies(r -> {
        assertThat(r.type()).isEqualTo(PollHandler.RESULT);
        assertThat(r.connectionId()).isEqualTo(bob);
        assertThat(r.payload().path("votes").path("pizza").asInt()).isEqualTo(2);
      });
      assertThat(kit.finished(poll, bob)).isTrue();
      assertThat(kit.deliver(event(PollHandler.VOTE, J.objectNode().put("option", "sushi"))).reason())
          .contains(FailureReason.HANDLER_FINISHED);
    }
  }
}
