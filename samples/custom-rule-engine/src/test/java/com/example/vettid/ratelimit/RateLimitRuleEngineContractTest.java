package com.example.vettid.ratelimit;

import io.vettid.api.EventType;
import io.vettid.api.spi.RuleEngine;
import io.vettid.testkit.RuleEngineContract;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The sample engine held to the contract every rule engine owes the runtime (vettid-testkit). It
 * caught the sample answering an unknown event type with a deny of its own rule instead of the
 * default deny. A rate limiter's decisions depend on what came before, so it is not stateless.
 */
class RateLimitRuleEngineContractTest extends RuleEngineContract {
  @Override
  protected RuleEngine engine() {
    return new RateLimitRuleEngine(Map.of(EventType.of("chat.message"), "chat"), 10, Duration.ofMinutes(1),
        Clock.systemUTC());
  }

  @Override
  protected boolean stateless() {
    return false;
  }
}
