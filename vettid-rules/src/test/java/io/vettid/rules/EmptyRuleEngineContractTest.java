package io.vettid.rules;

import io.vettid.api.spi.RuleEngine;
import io.vettid.testkit.RuleEngineContract;

/** The declarative engine with no rules (a new vault's) held to the contract of every rule engine. */
class EmptyRuleEngineContractTest extends RuleEngineContract {
  @Override
  protected RuleEngine engine() {
    return DeclarativeRuleEngine.empty();
  }
}
