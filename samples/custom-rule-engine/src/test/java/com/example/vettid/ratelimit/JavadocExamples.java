package com.example.vettid.ratelimit;

import io.vettid.api.EventType;
import io.vettid.api.spi.RuleEngine;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The javadoc examples of this sample, compiled with its tests (never run): each stands between a
 * line {@code // example: <Class>} and a line {@code // end}, exactly as the javadoc of that class
 * shows it (vettid-runtime's {@code DocumentationExamplesTest} holds the two together).
 */
@SuppressWarnings("unused")
final class JavadocExamples {
  private JavadocExamples() {}

  void rateLimitRuleEngine() {
    // example: RateLimitRuleEngine
    RuleEngine engine = new RateLimitRuleEngine(Map.of(EventType.of("chat.message"), "chat"), 10,
        Duration.ofMinutes(1), Clock.systemUTC());
    // end
  }
}
