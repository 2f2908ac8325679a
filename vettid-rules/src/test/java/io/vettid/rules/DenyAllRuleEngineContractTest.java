package io.vettid.rules;

import io.vettid.api.spi.RuleEngine;
import io.vettid.testkit.RuleEngineContract;

/** The deny-all engine held to the contract of every rule engine. */
class DenyAllRuleEngineContractTest extends RuleEngineContract {
  @Override
  protected RuleEngine engine() {
    return new DenyAllRuleEngineProvider().create();
  }
}
