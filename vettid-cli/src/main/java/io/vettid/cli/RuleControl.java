package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.runtime.client.RuleEndpoints;
import io.vettid.runtime.service.RuleStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The control service's {@code rules} group: the owner's rules, kept as one JSON array in the
 * runtime's {@link RuleStore} (validated on write; first match wins, no match denies).
 */
final class RuleControl {
  private final RunningVault vault;

  RuleControl(RunningVault vault) {
    this.vault = vault;
  }

  void serve(ControlService.Builder b) {
    b.on(RuleEndpoints.LIST, r -> new RuleEndpoints.Listed(rules()))
        .on(RuleEndpoints.ADD, r -> add(r.rule()))
        .on(RuleEndpoints.REMOVE, r -> remove(r.id()))
        .on(RuleEndpoints.TEST, this::test);
  }

  private RuleStore store() throws Refused {
    return vault.runtime.rules().orElseThrow(() -> new Refused("this vault runs a third-party rule engine"));
  }

  private List<ObjectNode> rules() throws Exception {
    String text = store().text();
    List<ObjectNode> out = new ArrayList<>();
    JsonNode n = text.isBlank() ? null : VaultHome.JSON.readTree(text);
    if (n != null && n.isArray()) {
      n.forEach(r -> out.add((ObjectNode) r));
    }
    return out;
  }

  private void write(List<ObjectNode> rules) throws Exception {
    RuleStore store = store();
    store.awaitRevision(store.put(VaultHome.JSON.valueToTree(rules).toString()), Duration.ofSeconds(5));
  }

  private RuleEndpoints.Added add(ObjectNode rule) throws Exception {
    String id = rule.path("id").asText();
    List<ObjectNode> next = rules();
    int at = indexOf(next, id);
    if (at >= 0) {
      next.set(at, rule);
    } else {
      next.add(rule); // at the end: first match wins, so earlier rules still decide what they match
    }
    write(next);
    return new RuleEndpoints.Added(id, at >= 0, next.size());
  }

  private RuleEndpoints.Removed remove(String id) throws Exception {
    List<ObjectNode> next = rules();
    int at = indexOf(next, id);
    if (at < 0) {
      throw Refused.notFound("no rule '" + id + "'; see: vettid rules list");
    }
    next.remove(at);
    write(next);
    return new RuleEndpoints.Removed(id, next.size());
  }

  private static int indexOf(List<ObjectNode> rules, String id) {
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).path("id").asText().equals(id)) {
        return i;
      }
    }
    return -1;
  }

  private RuleEndpoints.Verdict test(RuleEndpoints.Test r) throws Exception {
    InternalEvent e = InternalEvent.builder().type(EventType.of(r.type()))
        .connectionId(r.connection() != null ? vault.connection(r.connection()) : ConnectionId.random())
        .payload(r.payload() != null ? r.payload() : JsonNodeFactory.instance.objectNode()).build();
    Decision d = vault.runtime.rules().isPresent() ? store().evaluate(e) : Decision.defaultDeny();
    return new RuleEndpoints.Verdict(d.action().name().toLowerCase(Locale.ROOT), d.ruleId().orElse(null),
        d.handler().orElse(null), d.reason());
  }
}
