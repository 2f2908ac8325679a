package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.RuleEngine;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The admission's verdicts without a server (an event with no approval mark never reads the
 * inbox): default deny wherever the rules, the handlers or the record say no.
 */
class AdmissionTest {
  private static final String KEY = "k-1";
  private final TestHandlers.Recorder recorder = new TestHandlers.Recorder();
  private final AtomicReference<RuleEngine> rules = new AtomicReference<>(e -> Decision.handle("r", "recorder"));
  private final RuntimeCounters counters = new RuntimeCounters();
  /** The EventSpace "home" lists only TestHandlers.COUNT; "bare" has no profile. */
  private final Admission admission = new Admission("Manager", HandlerRegistry.of(recorder),
      e -> rules.get().evaluate(e), null, counters, (es, type) -> es.equals("home")
          ? java.util.Optional.of(type.equals(TestHandlers.COUNT)) : java.util.Optional.empty());

  private static InternalEvent event(EventType type) {
    return InternalEvent.builder().type(type).eventId(EventId.of("ev-1")).connectionId(ConnectionId.of("conn-a"))
        .payload(JsonNodeFactory.instance.objectNode().put("n", "1")).build();
  }

  private Admission.Verdict decide(EventType type, HandledOnceRecord rec) throws Exception {
    return admission.decide(event(type), KEY, null, rec, null);
  }

  private static HandledOnceRecord record(String handler, boolean finished, String... done) {
    return new HandledOnceRecord(handler, null, finished, new ArrayDeque<>(List.of(done)), 3);
  }

  @Test
  void aRuleThatHandlesRunsTheNamedHandler() throws Exception {
    assertThat(decide(TestHandlers.COUNT, null))
        .isEqualTo(new Admission.Run(recorder));
  }

  @Test
  void aKeyTheRecordHasDoneIsADuplicateWhateverTheRulesSayNow() throws Exception {
    rules.set(e -> Decision.deny("r", "no"));
    assertThat(decide(TestHandlers.COUNT, record("recorder", true, "k-0", KEY))).isEqualTo(new Admission.Duplicate());
  }

  @Test
  void denyDropAndHoldAreTheRulesWords() throws Exception {
    rules.set(e -> Decision.deny("r", "not from you"));
    assertThat(decide(TestHandlers.COUNT, null))
        .isEqualTo(new Admission.Quarantine(FailureReason.DENIED_BY_RULE, "not from you"));
    rules.set(e -> Decision.drop("quiet"));
    assertThat(decide(TestHandlers.COUNT, null)).isInstanceOf(Admission.Drop.class);
    rules.set(e -> Decision.hold("ask-me"));
    assertThat(decide(TestHandlers.COUNT, null)).isInstanceOfSatisfying(Admission.Hold.class,
        h -> assertThat(h.ruleId()).isEqualTo("ask-me"));
  }

  /**
   * Issue #26: an event of a type its EventSpace does not list is asked of the rules first; if no
   * rule matches it is quarantined with its own reason. A rule may still let it in, or deny it.
   */
  @Test
  void aTypeTheEventSpaceDoesNotListIsUnsupportedUnlessARuleSaysOtherwise() throws Exception {
    InternalEvent other = InternalEvent.builder().type(TestHandlers.COUNT).eventId(EventId.of("ev-2"))
        .connectionId(ConnectionId.of("conn-a")).build();
    rules.set(e -> Decision.defaultDeny());
    assertThat(admission.decide(other, KEY, null, null, "home")).isInstanceOfSatisfying(Admission.Quarantine.class,
        q -> assertThat(q.reason()).as("listed: the rules' own reason").isEqualTo(FailureReason.NO_MATCHING_RULE));
    assertThat(admission.decide(other, KEY, null, null, "bare")).isInstanceOfSatisfying(Admission.Quarantine.class,
        q -> assertThat(q.reason()).as("no profile: nothing enforced").isEqualTo(FailureReason.NO_MATCHING_RULE));
    AtomicReference<EventType> asked = new AtomicReference<>();
    Admission strict = new Admission("Manager", HandlerRegistry.of(recorder), e -> {
      asked.set(e.type());
      return rules.get().evaluate(e);
    }, null, counters, (es, type) -> java.util.Optional.of(false));
    assertThat(strict.decide(other, KEY, null, null, "home")).isInstanceOfSatisfying(Admission.Quarantine.class,
        q -> assertThat(q.reason()).isEqualTo(FailureReason.UNSUPPORTED_EVENT_TYPE));
    assertThat(asked.get()).as("the rules were asked first").isEqualTo(TestHandlers.COUNT);
    rules.set(e -> Decision.deny("no", "not this"));
    assertThat(strict.decide(other, KEY, null, null, "home")).isInstanceOfSatisfying(Admission.Quarantine.class,
        q -> assertThat(q.reason()).isEqualTo(FailureReason.DENIED_BY_RULE));
    rules.set(e -> Decision.handle("r", "recorder"));
    assertThat(strict.decide(other, KEY, null, null, "home")).as("a rule lets it in")
        .isEqualTo(new Admission.Run(recorder));
  }

  @Test
  void noRuleAFailingEngineOrNoAnswerDenies() throws Exception {
    rules.set(e -> Decision.defaultDeny());
    assertThat(decide(TestHandlers.COUNT, null)).isInstanceOfSatisfying(Admission.Quarantine.class,
        q -> assertThat(q.reason()).isEqualTo(FailureReason.NO_MATCHING_RULE));
    rules.set(e -> {
      throw new IllegalStateException("broken");
    });
    assertThat(decide(TestHandlers.COUNT, null)).isInstanceOfSatisfying(Admission.Quarantine.class,
        q -> assertThat(q).isEqualTo(new Admission.Quarantine(FailureReason.DENIED_BY_RULE,
            "the rule engine failed: IllegalStateException")));
    rules.set(e -> null);
    assertThat(decide(TestHandlers.COUNT, null)).isInstanceOfSatisfying(Admission.Quarantine.class,
        q -> assertThat(q.reason()).isEqualTo(FailureReason.NO_MATCHING_RULE));
  }

  @Test
  void aTypeNoHandlerDeclaresAMissingHandlerAndAFinishedOneAreRefused() throws Exception {
    assertThat(decide(TestHandlers.UNHANDLED, null)).isInstanceOfSatisfying(Admission.Quarantine.class,
        q -> assertThat(q.reason()).isEqualTo(FailureReason.UNKNOWN_EVENT_TYPE));
    rules.set(e -> Decision.handle("r", "nobody"));
    assertThat(decide(TestHandlers.COUNT, null)).isInstanceOfSatisfying(Admission.Quarantine.class,
        q -> assertThat(q.detail()).isEqualTo("no handler named nobody"));
    rules.set(e -> Decision.handle("r", "recorder"));
    assertThat(decide(TestHandlers.COUNT, record("recorder", true, "k-0"))).isEqualTo(
        new Admission.Quarantine(FailureReason.HANDLER_FINISHED, "handler recorder already finished"));
  }

  @Test
  void theRecordsHandlerGoesOnWhicheverTheRuleNames() throws Exception {
    rules.set(e -> Decision.handle("r", "nobody"));
    assertThat(decide(TestHandlers.COUNT, record("recorder", false, "k-0"))).isEqualTo(new Admission.Run(recorder));
    assertThat(counters.snapshot().approved()).isZero();
  }
}
