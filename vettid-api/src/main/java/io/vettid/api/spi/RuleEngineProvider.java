package io.vettid.api.spi;

/**
 * Supplies a {@link RuleEngine}. Found with {@link java.util.ServiceLoader} ({@code
 * META-INF/services/io.vettid.api.spi.RuleEngineProvider}) or passed explicitly; VettID's default
 * is in {@code vettid-rules}.
 *
 * <pre>{@code
 * final class OnlyChat implements RuleEngineProvider {
 *   public String name() {
 *     return "only-chat";
 *   }
 *
 *   public RuleEngine create() {
 *     return event -> event.type().value().equals("chat.message")
 *         ? Decision.handle("only-chat", "chat") : Decision.defaultDeny();
 *   }
 * }
 * // registered in META-INF/services, then: VettIdRuntime.embedded(dir, secret).ruleEngineProvider("only-chat")
 * }</pre>
 *
 * <p>See the {@code custom-rule-engine} sample for one with state and tests.
 */
public interface RuleEngineProvider {
  /** {@return stable, unique name, such as {@code vettid-default}} */
  String name();

  /** {@return a new rule engine} */
  RuleEngine create();
}
