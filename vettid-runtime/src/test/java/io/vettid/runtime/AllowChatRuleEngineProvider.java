package io.vettid.runtime;

import io.vettid.api.Decision;
import io.vettid.api.spi.RuleEngine;
import io.vettid.api.spi.RuleEngineProvider;

/** A third party's rule engine, found by ServiceLoader: chat messages go to "chat", the rest is denied. */
public final class AllowChatRuleEngineProvider implements RuleEngineProvider {
  @Override
  public String name() {
    return "allow-chat";
  }

  @Override
  public RuleEngine create() {
    return event -> event.type().value().equals("chat.message")
        ? Decision.handle("allow-chat", "chat") : Decision.deny("allow-chat", "only chat");
  }
}
