package io.vettid.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nats.client.Connection;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.testkit.NatsServerExtension;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A runtime on a real nats-server, its counters read through Micrometer. */
class VettIdMetricsTest {
  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest().build();

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  private static double count(SimpleMeterRegistry r, String name, String tag, String value) {
    return r.get(name).tag(tag, value).functionCounter().count();
  }

  @Test
  void handledAndQuarantinedEventsAndTheirLatencyAreMeters() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (VettIdRuntime vault = VettIdRuntime.connect(NATS.options()).start();
        VettIdMetrics metrics = new VettIdMetrics(vault.counters())) {
      metrics.bindTo(registry);
      vault.rules().orElseThrow().put("""
          [{"id": "chat", "eventType": "chat.message", "action": "handle", "handler": "chat"}]""");
      Connection nc = NATS.connect();
      ConnectionId bob = ConnectionId.of("conn-bob");
      for (int i = 0; i < 5; i++) {
        publish(nc, EventType.of("chat.message"), bob);
      }
      publish(nc, EventType.of("game.move"), bob); // no handler declares it: quarantined
      publish(nc, EventType.of("game.move"), bob);

      await(() -> count(registry, "vettid.events", "outcome", "handled") == 5
          && count(registry, "vettid.events.quarantined", "reason", "UNKNOWN_EVENT_TYPE") == 2, "the meters count");
      Timer latency = registry.get("vettid.event.latency").timer();
      assertThat(latency.count()).isEqualTo(5);
      assertThat(latency.max(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
      assertThat(count(registry, "vettid.events", "outcome", "received")).isEqualTo(7);
      assertThat(count(registry, "vettid.events.quarantined", "reason", FailureReason.BAD_SIGNATURE.name())).isZero();
      assertThat(registry.getMeters()).as("no tag names an event or a connection").allSatisfy(m ->
          assertThat(m.getId().getTags()).noneMatch(t -> t.getValue().contains("conn-bob")));

      metrics.close();
      publish(nc, EventType.of("chat.message"), bob);
      await(() -> count(registry, "vettid.events", "outcome", "handled") == 6, "counters read the runtime's");
      assertThat(latency.count()).as("a closed binder feeds its timer no more").isEqualTo(5);
    }
  }

  private static void publish(Connection nc, EventType type, ConnectionId from) throws Exception {
    InternalEvent e = InternalEvent.builder().type(type).eventId(EventId.random()).connectionId(from)
        .payload(JsonNodeFactory.instance.objectNode().put("text", "hello")).build();
    nc.jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(), InternalEventCodec.encode(e));
  }
}
