package com.example.vettid.ratelimit;

import io.vettid.api.EventType;
import io.vettid.api.spi.RuleEngine;
import io.vettid.api.spi.RuleEngineProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Provides {@link RateLimitRuleEngine} as {@code "rate-limit"}, configured by system properties:
 * {@code ratelimit.types} (such as {@code chat.message=chat,poll.vote=poll}; default {@code
 * chat.message=chat}), {@code ratelimit.limit} (default 10) and {@code ratelimit.window.seconds}
 * (default 60). Select it with {@code VettIdRuntime.embedded(dir, secret).ruleEngineProvider("rate-limit")}.
 */
public final class RateLimitRuleEngineProvider implements RuleEngineProvider {
  /** Creates the provider (ServiceLoader needs a public no-argument constructor). */
  public RateLimitRuleEngineProvider() {}

  @Override
  public String name() {
    return "rate-limit";
  }

  @Override
  public RuleEngine create() {
    Map<EventType, String> handlers = new LinkedHashMap<>();
    for (String pair : System.getProperty("ratelimit.types", "chat.message=chat").split(",")) {
      String[] kv = pair.trim().split("=", 2);
      if (kv.length != 2 || kv[1].isBlank()) {
        throw new IllegalArgumentException("ratelimit.types is type=handler,...; got '" + pair + "'");
      }
      handlers.put(EventType.of(kv[0].trim()), kv[1].trim());
    }
    return new RateLimitRuleEngine(handlers, Integer.getInteger("ratelimit.limit", 10),
        Duration.ofSeconds(Long.getLong("ratelimit.window.seconds", 60L)), Clock.systemUTC());
  }
}
