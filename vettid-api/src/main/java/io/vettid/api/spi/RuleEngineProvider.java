package io.vettid.api.spi;

/**
 * Supplies a {@link RuleEngine}. Found with {@link java.util.ServiceLoader} ({@code
 * META-INF/services/io.vettid.api.spi.RuleEngineProvider}) or passed explicitly; VettID's default
 * is in {@code vettid-rules}.
 */
public interface RuleEngineProvider {
  /** {@return stable, unique name, such as {@code vettid-default}} */
  String name();

  /** {@return a new rule engine} */
  RuleEngine create();
}
