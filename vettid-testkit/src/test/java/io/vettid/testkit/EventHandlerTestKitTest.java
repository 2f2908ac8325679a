package io.vettid.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The in-memory handler harness keeps the runtime's rules: what is kept, what is quarantined, and why. */
class EventHandlerTestKitTest {
  static final EventType ADD = EventType.of("count.add");
  static final EventType BAD = EventType.of("count.bad");
  static final EventType BOOM = EventType.of("count.boom");
  static final EventType SLOW = EventType.of("count.slow");
  static final EventType DONE = EventType.of("count.done");

  /** Counts the adds of one eventId in its state; replies with the total when done. */
  static final class Counter implements EventHandlerFactory {
    final AtomicInteger created = new AtomicInteger();

    @Override
    public String name() {
      return "counter";
    }

    @Override
    public Set<EventType> eventTypes() {
      return Set.of(ADD, BAD, BOOM, SLOW, DONE);
    }

    @Override
    public Duration timeout() {
      return Duration.ofMillis(300);
    }

    @Override
    public EventHandler create(EventHandlerContext ctx) {
      created.incrementAndGet();
      return event -> {
        int n = ctx.loadState().map(b -> Integer.parseInt(new String(b, StandardCharsets.US_ASCII))).orElse(0) + 1;
        ctx.saveState(Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
        ctx.reply(EventType.of("count.seen"), JsonNodeFactory.instance.objectNode().put("n", n));
        if (event.type().equals(BAD)) {
          throw new VettidException(FailureReason.MALFORMED, "a bad count");
        }
        if (event.type().equals(BOOM)) {
          throw new IllegalStateException("boom");
        }
        if (event.type().equals(SLOW)) {
          Thread.sleep(5_000);
        }
        if (event.type().equals(DONE)) {
          ctx.finish();
        }
      };
    }
  }

  private final ConnectionId bob = ConnectionId.of("conn-bob");
  private final EventId id = EventId.random();

  private InternalEvent event(EventType type) {
    return InternalEvent.builder().type(type).eventId(id).connectionId(bob)
        .payload(JsonNodeFactory.instance.objectNode()).build();
  }

  private int count(EventHandlerTestKit kit) {
    return Integer.parseInt(new String(kit.state(id, bob).orElseThrow(), StandardCharsets.US_ASCII));
  }

  @Test
  void aFailedEventLeavesNothingAndKeepsItsReason() throws Exception {
    Counter counter = new Counter();
    try (EventHandlerTestKit kit = EventHandlerTestKit.of(counter)) {
      assertThat(kit.deliver(event(ADD)).handled()).isTrue();
      assertThat(kit.deliver(event(ADD)).handled()).isTrue();
      assertThat(count(kit)).isEqualTo(2);
      EventHandlerTestKit.Outcome bad = kit.deliver(event(BAD));
      assertThat(bad.reason()).contains(FailureReason.MALFORMED);
      assertThat(bad.detail()).contains("a bad count");
      EventHandlerTestKit.Outcome boom = kit.deliver(event(BOOM));
      assertThat(boom.reason()).contains(FailureReason.HANDLER_FAILED);
      assertThat(boom.detail()).contains("IllegalStateException");
      assertThat(count(kit)).as("the failed events' state was not kept").isEqualTo(2);
      assertThat(kit.replies()).as("nor their replies").hasSize(2);
      assertThat(counter.created).as("each failure drops its handler: the BOOM ran on a second one").hasValue(2);

      kit.restart();
      assertThat(kit.deliver(event(DONE)).handled()).isTrue();
      assertThat(count(kit)).as("a new handler after the restart, on the saved state").isEqualTo(3);
      assertThat(counter.created).hasValue(3);
      assertThat(kit.finished(id, bob)).isTrue();
      assertThat(kit.deliver(event(ADD)).reason()).contains(FailureReason.HANDLER_FINISHED);
      assertThat(kit.replies()).extracting(r -> r.payload().path("n").asInt()).containsExactly(1, 2, 3);
      assertThat(kit.outcomes()).hasSize(6);
    }
  }

  @Test
  void aHandlerPastItsTimeoutIsQuarantinedAndTheNextRuns() throws Exception {
    try (EventHandlerTestKit kit = EventHandlerTestKit.of(new Counter())) {
      EventHandlerTestKit.Outcome slow = kit.deliver(event(SLOW));
      assertThat(slow.reason()).contains(FailureReason.HANDLER_TIMEOUT);
      assertThat(kit.state(id, bob)).isEmpty();
      assertThat(kit.deliver(event(ADD)).handled()).isTrue();
      assertThat(count(kit)).isEqualTo(1);
    }
  }

  @Test
  void anUndeclaredTypeANullHandlerAndAContextUsedLaterAreRefused() throws Exception {
    try (EventHandlerTestKit kit = EventHandlerTestKit.of(new Counter())) {
      assertThat(kit.deliver(event(EventType.of("other.type"))).reason()).contains(FailureReason.UNKNOWN_EVENT_TYPE);
    }
    EventHandlerFactory nothing = new EventHandlerFactory() {
      @Override
      public String name() {
        return "nothing";
      }

      @Override
      public Set<EventType> eventTypes() {
        return Set.of(ADD);
      }

      @Override
      public EventHandler create(EventHandlerContext context) {
        return null;
      }
    };
    try (EventHandlerTestKit kit = EventHandlerTestKit.of(nothing)) {
      assertThat(kit.deliver(event(ADD)).reason()).contains(FailureReason.HANDLER_FAILED);
    }
    AtomicReference<EventHandlerContext> kept = new AtomicReference<>();
    EventHandlerFactory keeper = new EventHandlerFactory() {
      @Override
      public String name() {
        return "keeper";
      }

      @Override
      public Set<EventType> eventTypes() {
        return Set.of(ADD);
      }

      @Override
      public EventHandler create(EventHandlerContext context) {
        kept.set(context);
        return e -> { };
      }
    };
    try (EventHandlerTestKit kit = EventHandlerTestKit.of(keeper)) {
      assertThat(kit.deliver(event(ADD)).handled()).isTrue();
      assertThatThrownBy(() -> kept.get().saveState(new byte[1])).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("outside onEvent");
    }
    assertThatThrownBy(() -> EventHandlerTestKit.of(new EventHandlerFactory() {
      @Override
      public String name() {
        return "empty";
      }

      @Override
      public Set<EventType> eventTypes() {
        return Set.of();
      }

      @Override
      public EventHandler create(EventHandlerContext context) {
        return e -> { };
      }
    })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("declares no event type");
  }
}
