/**
 * VettID rules: rule engines. For now {@link io.vettid.rules.DenyAllRuleEngineProvider}, the
 * engine used when no rules are configured: it denies every event. The declarative default
 * engine (rules per event type and connection, first match wins, default deny) comes with the
 * runtime issue.
 */
module io.vettid.rules {
  requires transitive io.vettid.api;

  exports io.vettid.rules;

  provides io.vettid.api.spi.RuleEngineProvider with io.vettid.rules.DenyAllRuleEngineProvider;
}
