package io.vettid.rules;

import static io.vettid.proptest.Gens.strings;
import static io.vettid.proptest.Props.tries;
import io.vettid.proptest.Gens;
import static org.assertj.core.api.Assertions.assertThat;

import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.Providers;
import io.vettid.api.spi.RuleEngine;
import io.vettid.api.spi.RuleEngineProvider;
import org.junit.jupiter.api.Test;

class DenyAllRuleEngineProviderTest {

  @Test
  void isFoundWithServiceLoader() {
    RuleEngineProvider provider =
        Providers.builder(RuleEngineProvider.class, RuleEngineProvider::name).discover().build().single();

    assertThat(provider).isInstanceOf(DenyAllRuleEngineProvider.class);
    assertThat(provider.name()).isEqualTo("deny-all");
  }

  @Test
  void deniesEveryEventAsNoMatchingRule() {
    tries(200).forAll(strings(Gens.ALPHANUMERIC, 1, 20)).checkAssert(this::deniesEveryEventAsNoMatchingRuleCheck);
  }

  private void deniesEveryEventAsNoMatchingRuleCheck(String type) {
    RuleEngine engine = new DenyAllRuleEngineProvider().create();
    InternalEvent event = InternalEvent.builder()
        .type(EventType.of(type.toLowerCase(java.util.Locale.ROOT)))
        .connectionId(ConnectionId.random())
        .build();

    Decision d = engine.evaluate(event);

    assertThat(d.allowsProcessing()).isFalse();
    assertThat(d.failureReason()).contains(FailureReason.NO_MATCHING_RULE);
  }
}
