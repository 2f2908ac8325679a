/** A sample third-party rule engine: a rate limit per connection, as a VettID {@code RuleEngineProvider}. */
module com.example.vettid.ratelimit {
  requires io.vettid.api;

  exports com.example.vettid.ratelimit;

  provides io.vettid.api.spi.RuleEngineProvider with com.example.vettid.ratelimit.RateLimitRuleEngineProvider;
}
