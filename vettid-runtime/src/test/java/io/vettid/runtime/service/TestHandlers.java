package io.vettid.runtime.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** Handlers for the service tests: their state is the list of payload numbers they saw. */
final class TestHandlers {
  static final EventType COUNT = EventType.of("test.count");
  static final EventType BOOM = EventType.of("test.boom");
  static final EventType SLOW = EventType.of("test.slow");
  static final EventType DONE = EventType.of("test.done");
  static final EventType ECHO = EventType.of("test.echo");
  static final EventType UNHANDLED = EventType.of("test.unhandled");

  private TestHandlers() {}

  /**
   * Appends each event's {@code n} to its state ("1,2,3"); {@code test.boom} throws, {@code
   * test.slow} sleeps past the timeout, {@code test.done} finishes, {@code test.echo} replies and
   * emits a {@code test.count}.
   */
  static class Recorder implements EventHandlerFactory {
    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public String name() {
      return "recorder";
    }

    @Override
    public Set<EventType> eventTypes() {
      return Set.of(COUNT, BOOM, SLOW, DONE, ECHO);
    }

    @Override
    public Duration timeout() {
      return Duration.ofMillis(500);
    }

    @Override
    public EventHandler create(EventHandlerContext ctx) {
      created.incrementAndGet();
      return event -> {
        calls.incrementAndGet();
        if (event.type().equals(BOOM)) {
          throw new IllegalStateException("boom");
        }
        if (event.type().equals(SLOW)) {
          Thread.sleep(5_000);
        }
        String before = ctx.loadState().map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
        String n = event.payload().path("n").asText();
        ctx.saveState((before.isEmpty() ? n : before + "," + n).getBytes(StandardCharsets.UTF_8));
        if (event.type().equals(DONE)) {
          ctx.finish();
        }
        if (event.type().equals(ECHO)) {
          ctx.reply(ECHO, JsonNodeFactory.instance.objectNode().put("n", n));
          ctx.emit(InternalEvent.builder().type(COUNT).eventId(event.eventId()).connectionId(event.connectionId())
              .payload(JsonNodeFactory.instance.objectNode().put("n", "emitted-" + n)).build());
        }
      };
    }
  }

  static String rules(String... extra) {
    StringBuilder b = new StringBuilder("[");
    for (String r : extra) {
      b.append(r).append(',');
    }
    b.append("{\"id\":\"count\",\"eventType\":\"test.count\",\"action\":\"handle\",\"handler\":\"recorder\"},")
        .append("{\"id\":\"boom\",\"eventType\":\"test.boom\",\"action\":\"handle\",\"handler\":\"recorder\"},")
        .append("{\"id\":\"slow\",\"eventType\":\"test.slow\",\"action\":\"handle\",\"handler\":\"recorder\"},")
        .append("{\"id\":\"done\",\"eventType\":\"test.done\",\"action\":\"handle\",\"handler\":\"recorder\"},")
        .append("{\"id\":\"echo\",\"eventType\":\"test.echo\",\"action\":\"handle\",\"handler\":\"recorder\"}]");
    return b.toString();
  }
}
