package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.rules.RuleExplanation;
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
        .on(RuleEndpoints.ADD, this::add)
        .on(RuleEndpoints.MOVE, this::move)
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

  /**
   * Adds or replaces a rule. Without a placement a new rule goes last (first match wins, so the
   * rules before it still decide what they match) and a replaced one stays where it stood; with one,
   * it goes there. The whole list is validated before it is written: a bad rule changes nothing.
   */
  private RuleEndpoints.Added add(RuleEndpoints.Add r) throws Exception {
    ObjectNode rule = r.rule();
    String id = rule.path("id").asText();
    List<ObjectNode> next = rules();
    int at = indexOf(next, id);
    boolean first = Boolean.TRUE.equals(r.first());
    boolean placed = first || r.before() != null || r.after() != null;
    if (at >= 0 && !placed) {
      next.set(at, rule);
    } else {
      if (at >= 0) {
        next.remove(at);
      }
      next.add(placed ? place(next, r.before(), r.after(), first) : next.size(), rule);
    }
    write(next);
    return new RuleEndpoints.Added(id, at >= 0, next.size(), indexOf(next, id) + 1);
  }

  private RuleEndpoints.Moved move(RuleEndpoints.Move r) throws Exception {
    List<ObjectNode> next = rules();
    int at = indexOf(next, r.id());
    if (at < 0) {
      throw Refused.notFound("no rule '" + r.id() + "'; see: vettid rules list");
    }
    ObjectNode rule = next.remove(at);
    next.add(Boolean.TRUE.equals(r.last()) ? next.size() : place(next, r.before(), r.after(),
        Boolean.TRUE.equals(r.first())), rule);
    write(next);
    return new RuleEndpoints.Moved(r.id(), indexOf(next, r.id()) + 1, next.size());
  }

  /** Where a placement puts a rule in the list without it: first, or before or after a rule that is there. */
  private static int place(List<ObjectNode> rules, String before, String after, boolean first) throws Refused {
    if (first) {
      return 0;
    }
    String other = before != null ? before : after;
    int at = indexOf(rules, other);
    if (at < 0) {
      throw Refused.notFound("no rule '" + other + "' to place it " + (before != null ? "before" : "after")
          + "; see: vettid rules list");
    }
    return before != null ? at : at + 1;
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
    RuleExplanation why = vault.runtime.rules().isPresent() ? store().explain(e)
        : new RuleExplanation(Decision.defaultDeny(), List.of());
    Decision d = why.decision();
    return new RuleEndpoints.Verdict(d.action().name().toLowerCase(Locale.ROOT), d.ruleId().orElse(null),
        d.handler().orElse(null), d.reason(), why.steps().stream()
            .map(s -> new RuleEndpoints.Asked(s.ruleId(), s.matched(), s.reason())).toList());
  }
}
