package io.vettid.api.spi;

import io.vettid.api.Decision;
import io.vettid.api.InternalEvent;

/**
 * Decides what happens to an Internal Event. An implementation must answer {@link
 * Decision#defaultDeny()} when no rule matches; the runtime treats an exception as a deny.
 * Implementations are thread-safe.
 *
 * <pre>{@code
 * RuleEngine engine = event -> event.connectionId().value().equals(trusted)
 *     ? Decision.handle("trusted", "chat") : Decision.defaultDeny();
 * }</pre>
 */
@FunctionalInterface
public interface RuleEngine {
  /**
   * Evaluates the rules for one event.
   *
   * @param event the event
   * @return the decision; never null
   */
  Decision evaluate(InternalEvent event);
}
