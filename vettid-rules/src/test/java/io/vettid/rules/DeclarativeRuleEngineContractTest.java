package io.vettid.rules;

import io.vettid.api.spi.RuleEngine;
import io.vettid.testkit.RuleEngineContract;

/**
 * The owner's declarative rules held to the contract of every rule engine, with rules of every
 * action and match kind (none of which match the contract's unmatched events).
 */
class DeclarativeRuleEngineContractTest extends RuleEngineContract {
  @Override
  protected RuleEngine engine() {
    try {
      return DeclarativeRuleEngine.parse("""
          [{"id": "chat", "eventType": "chat.message", "action": "handle", "handler": "chat"},
           {"id": "ask", "eventType": "contact.request", "action": "hold"},
           {"id": "answer", "eventType": "profile.request", "action": "reply", "handler": "profile-request"},
           {"id": "quiet", "eventType": "a.b.c.d.e.f.g", "action": "drop"},
           {"id": "no-pay", "eventType": "payment.request", "action": "deny"}]""");
    } catch (RuleValidationException e) {
      throw new IllegalStateException(e);
    }
  }
}
