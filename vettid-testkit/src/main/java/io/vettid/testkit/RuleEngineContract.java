package io.vettid.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.RuleEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RuleEngine} owes the runtime, as an abstract JUnit 5 test a rule-engine author
 * extends: an event no rule matches gets {@link Decision#defaultDeny()} (fail safe, never open); no
 * exception escapes and no decision is null, whatever the event, also from several threads at
 * once; and, for an engine whose decisions depend on the event alone ({@link #stateless()}),
 * several threads at once get the same decisions as one after another.
 *
 * <pre>{@code
 * class MyRuleEngineContractTest extends RuleEngineContract {
 *   @Override
 *   protected RuleEngine engine() {
 *     return new MyRuleEngine(myRules);       // rules that do not match "contract.unmatched.*"
 *   }
 * }
 * }</pre>
 */
public abstract class RuleEngineContract {
  /** Events the checks run each engine against. */
  private static final int EVENTS = 500;

  /** Creates the contract. */
  protected RuleEngineContract() {}

  /**
   * The engine under test, set up as it is used; {@link #unmatched(Random)}'s events must match
   * none of its rules.
   *
   * @return the engine
   */
  protected abstract RuleEngine engine();

  /**
   * Whether the engine's decisions depend on the event alone. A stateful engine (a rate limiter,
   * say: its answer depends on what came before) overrides this with false, and the check across
   * threads then asks only for decisions, without comparing them.
   *
   * @return true by default
   */
  protected boolean stateless() {
    return true;
  }

  /**
   * An event no rule of {@link #engine()} matches. By default: a type under {@code
   * contract.unmatched}, a fresh connection and a small payload; override it if the engine's rules
   * match such events.
   *
   * @param random the source of variety
   * @return the event
   */
  protected InternalEvent unmatched(Random random) {
    return InternalEvent.builder().type(EventType.of("contract.unmatched.t" + random.nextInt(1000)))
        .connectionId(ConnectionId.of("contract-" + Integer.toHexString(random.nextInt())))
        .payload(JsonNodeFactory.instance.objectNode().put("n", random.nextInt())).build();
  }

  /**
   * Any event, to check that the engine answers everything: types, connections and payloads of
   * many shapes (deep, wide, odd strings).
   *
   * @param random the source of variety
   * @return the event
   */
  protected InternalEvent any(Random random) {
    String[] types = {"chat.message", "contact.request", "profile.request", "connection.rotate", "payment.request",
        "a", "a.b.c.d.e.f.g", "x-y.z-0"};
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    ObjectNode at = payload;
    int depth = random.nextInt(20);
    for (int i = 0; i < depth; i++) {
      at = at.putObject("d" + i);
    }
    for (int i = 0; i < random.nextInt(30); i++) {
      switch (random.nextInt(5)) {
        case 0 -> at.put("s" + i, "\u0000\u202e\uD83D\uDE00 \"'\\" + random.nextLong());
        case 1 -> at.put("n" + i, random.nextDouble() * 1e300);
        case 2 -> at.putArray("a" + i).add(random.nextInt()).addNull().add(true);
        case 3 -> at.putNull("z" + i);
        default -> at.put("b" + i, random.nextBoolean());
      }
    }
    return InternalEvent.builder().type(EventType.of(types[random.nextInt(types.length)])).eventId(EventId.random())
        .connectionId(ConnectionId.of("c" + random.nextInt(50))).payload(payload).build();
  }

  private Decision evaluate(RuleEngine engine, InternalEvent e) {
    Decision d;
    try {
      d = engine.evaluate(e);
    } catch (RuntimeException | Error x) {
      return fail("the rule engine threw " + x.getClass().getName() + " for an event of type " + e.type().value()
          + "; a rule engine answers every event (the runtime would deny it)", x);
    }
    assertNotNull(d, "the rule engine answered null for an event of type " + e.type().value());
    return d;
  }

  /** An event no rule matches is denied by default. */
  @Test
  void anEventNoRuleMatchesGetsTheDefaultDeny() {
    RuleEngine engine = engine();
    Random random = new Random(1);
    for (int i = 0; i < EVENTS; i++) {
      InternalEvent e = unmatched(random);
      assertEquals(Decision.defaultDeny(), evaluate(engine, e),
          "no rule matches " + e.type().value() + ": the answer must be the default deny");
    }
  }

  /** Every event gets a decision: none is null, no exception escapes. */
  @Test
  void everyEventGetsADecisionAndNoExceptionEscapes() {
    RuleEngine engine = engine();
    Random random = new Random(2);
    for (int i = 0; i < EVENTS; i++) {
      evaluate(engine, any(random));
    }
  }

  /**
   * Four threads at once get decisions, with no exception; for a {@linkplain #stateless()
   * stateless} engine, the decisions one thread gets.
   */
  @Test
  void decisionsFromSeveralThreadsAreTheDecisionsOfOne() throws Exception {
    RuleEngine engine = engine();
    Random random = new Random(3);
    List<InternalEvent> events = new ArrayList<>();
    for (int i = 0; i < EVENTS; i++) {
      events.add(any(random));
    }
    List<Decision> alone = new ArrayList<>();
    for (InternalEvent e : events) {
      alone.add(evaluate(engine, e));
    }
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<Decision>>> runs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        runs.add(threads.submit(() -> {
          List<Decision> got = new ArrayList<>();
          for (InternalEvent e : events) {
            got.add(evaluate(engine, e));
          }
          return got;
        }));
      }
      for (Future<List<Decision>> run : runs) {
        List<Decision> got = run.get(60, TimeUnit.SECONDS);
        if (stateless()) {
          assertEquals(alone, got, "decisions taken on several threads at once");
        }
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
