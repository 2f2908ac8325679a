package com.example.vettid.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.testkit.NatsServerExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The rate-limit engine on its own, as a property, and in place of the owner's rules on a real server. */
class RateLimitRuleEngineTest {
  static final EventType CHAT = EventType.of("chat.message");

  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest().build();

  /** A clock the test moves. */
  static final class Manual extends Clock {
    Instant now = Instant.parse("2026-12-01T10:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  static InternalEvent chat(ConnectionId from) {
    return InternalEvent.builder().type(CHAT).connectionId(from).payload(JsonNodeFactory.instance.objectNode()).build();
  }

  @Test
  void theLimitIsPerConnectionAndTheWindowSlides() {
    Manual clock = new Manual();
    RateLimitRuleEngine engine = new RateLimitRuleEngine(Map.of(CHAT, "chat"), 2, Duration.ofMinutes(1), clock);
    ConnectionId bob = ConnectionId.of("conn-bob");
    ConnectionId carol = ConnectionId.of("conn-carol");

    assertThat(engine.evaluate(chat(bob)).action()).isEqualTo(Decision.Action.HANDLE);
    assertThat(engine.evaluate(chat(bob)).handler()).contains("chat");
    Decision third = engine.evaluate(chat(bob));
    assertThat(third.action()).isEqualTo(Decision.Action.DENY);
    assertThat(third.reason()).contains("more than 2 events");
    assertThat(engine.evaluate(chat(carol)).action()).as("another connection").isEqualTo(Decision.Action.HANDLE);
    clock.now = clock.now.plusSeconds(61);
    assertThat(engine.evaluate(chat(bob)).action()).as("a minute later").isEqualTo(Decision.Action.HANDLE);
    InternalEvent other = InternalEvent.builder().type(EventType.of("payment.request")).connectionId(bob)
        .payload(JsonNodeFactory.instance.objectNode()).build();
    assertThat(engine.evaluate(other)).as("default deny").isEqualTo(Decision.defaultDeny());
    assertThatThrownBy(() -> new RateLimitRuleEngine(Map.of(), 0, Duration.ofMinutes(1), clock))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * A property test with QuickTheories: random gaps between events and a random limit. A failure
   * names the smallest failing input and its seed; {@code -DQT_SEED=<seed>} checks the same examples
   * again.
   */
  @Test
  void neverMoreThanTheLimitInAnyWindow() {
    qt().withExamples(300)
        .forAll(lists().of(integers().between(0, 5_000)).ofSizeBetween(0, 200), integers().between(1, 8))
        .checkAssert(this::neverMoreThanTheLimit);
  }

  private void neverMoreThanTheLimit(List<Integer> gapsMs, int limit) {
    Manual clock = new Manual();
    Duration window = Duration.ofSeconds(10);
    RateLimitRuleEngine engine = new RateLimitRuleEngine(Map.of(CHAT, "chat"), limit, window, clock);
    ConnectionId bob = ConnectionId.of("conn-bob");
    List<Instant> let = new ArrayList<>();
    for (int gap : gapsMs) {
      clock.now = clock.now.plusMillis(gap);
      if (engine.evaluate(chat(bob)).allowsProcessing()) {
        let.add(clock.now);
      }
    }
    for (Instant t : let) {
      long inWindow = let.stream().filter(u -> !u.isBefore(t) && u.isBefore(t.plus(window))).count();
      assertThat(inWindow).isLessThanOrEqualTo(limit);
    }
  }

  @Test
  void aRuntimeFindsTheEngineByNameAndDeniesWhatIsOverTheLimit() throws Exception {
    System.setProperty("ratelimit.limit", "3");
    try (VettIdRuntime vault = VettIdRuntime.connect(NATS.options()).ruleEngineProvider("rate-limit").start()) {
      assertThat(vault.rules()).as("the owner's rule store is replaced").isEmpty();
      ConnectionId bob = ConnectionId.of("conn-bob");
      for (int i = 0; i < 5; i++) {
        NATS.connect().jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(), InternalEventCodec.encode(chat(bob)));
      }
      NATS.connect().jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(),
          InternalEventCodec.encode(chat(ConnectionId.of("conn-carol"))));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (vault.counters().snapshot().handled() + vault.counters().snapshot().quarantinedTotal() < 6
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(vault.counters().snapshot().handled()).isEqualTo(4);
      assertThat(vault.counters().snapshot().quarantined().get(FailureReason.DENIED_BY_RULE)).isEqualTo(2);
    } finally {
      System.clearProperty("ratelimit.limit");
    }
  }
}
