package io.vettid.rules;

import io.vettid.api.Decision;
import io.vettid.api.spi.RuleEngine;
import io.vettid.api.spi.RuleEngineProvider;

/**
 * The rule engine of a vault with no rules: every event gets {@link Decision#defaultDeny()}.
 * Registered with {@link java.util.ServiceLoader} under the name {@value #NAME}; it is what "fail
 * safe, never open" means before the owner has written a single rule.
 */
public final class DenyAllRuleEngineProvider implements RuleEngineProvider {
  /** The provider name. */
  public static final String NAME = "deny-all";

  private static final RuleEngine DENY_ALL = event -> {
    java.util.Objects.requireNonNull(event, "event");
    return Decision.defaultDeny();
  };

  /** Creates the provider (used by {@link java.util.ServiceLoader}). */
  public DenyAllRuleEngineProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public RuleEngine create() {
    return DENY_ALL;
  }
}
