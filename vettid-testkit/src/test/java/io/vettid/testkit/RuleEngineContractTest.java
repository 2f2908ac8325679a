package io.vettid.testkit;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.Decision;
import io.vettid.api.spi.RuleEngine;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The contract fails the engines that break it, each on the check it breaks, and passes a good one. */
class RuleEngineContractTest {

  private static RuleEngineContract holding(RuleEngine engine) {
    return new RuleEngineContract() {
      @Override
      protected RuleEngine engine() {
        return engine;
      }
    };
  }

  @Test
  void anEngineThatLetsAnUnmatchedEventThroughFailsTheDefaultDeny() {
    RuleEngineContract c = holding(e -> Decision.handle("open", "anything"));
    assertThatThrownBy(c::anEventNoRuleMatchesGetsTheDefaultDeny).isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("default deny");
  }

  @Test
  void anEngineThatThrowsOrAnswersNullFails() {
    assertThatThrownBy(holding(e -> {
      throw new IllegalStateException("boom");
    })::everyEventGetsADecisionAndNoExceptionEscapes).isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("threw java.lang.IllegalStateException");
    assertThatThrownBy(holding(e -> null)::everyEventGetsADecisionAndNoExceptionEscapes)
        .isInstanceOf(AssertionFailedError.class).hasMessageContaining("answered null");
  }

  @Test
  void anEngineWhoseDecisionsDependOnTheOrderOfCallsFailsTheThreadCheck() {
    AtomicInteger calls = new AtomicInteger();
    RuleEngine flaky = e -> calls.incrementAndGet() % 7 == 0 ? Decision.drop("sometimes") : Decision.defaultDeny();
    assertThatThrownBy(holding(flaky)::decisionsFromSeveralThreadsAreTheDecisionsOfOne)
        .isInstanceOf(AssertionFailedError.class).hasMessageContaining("several threads");
  }

  @Test
  void aDenyAllEnginePassesEveryCheck() {
    RuleEngineContract c = holding(e -> Decision.defaultDeny());
    assertThatCode(c::anEventNoRuleMatchesGetsTheDefaultDeny).doesNotThrowAnyException();
    assertThatCode(c::everyEventGetsADecisionAndNoExceptionEscapes).doesNotThrowAnyException();
    assertThatCode(c::decisionsFromSeveralThreadsAreTheDecisionsOfOne).doesNotThrowAnyException();
  }
}
