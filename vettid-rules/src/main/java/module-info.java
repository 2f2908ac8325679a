/**
 * VettID rules: rule engines. {@link io.vettid.rules.DeclarativeRuleEngine} is the default engine
 * (first match wins, no match denies); {@link io.vettid.rules.DenyAllRuleEngineProvider} is the
 * engine used when no rules are configured: it denies every event.
 */
module io.vettid.rules {
  requires transitive io.vettid.api;

  exports io.vettid.rules;

  provides io.vettid.api.spi.RuleEngineProvider with io.vettid.rules.DenyAllRuleEngineProvider;
}
