package io.vettid.rules;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vettid.api.Decision;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.RuleEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The default rule engine: an ordered list of rules, <b>first match wins, no match denies</b>.
 * A rule matches on event type and/or connection id and on conditions over payload fields; its
 * action is {@code handle} (start or continue a handler), {@code reply}, {@code hold} (for the
 * owner's approval), {@code drop} or {@code deny}.
 *
 * <pre>{@literal
 * [
 *   {"id": "small-payments", "eventType": "payment.request", "connectionId": "conn-bob",
 *    "when": [{"field": "/amount", "op": "le", "value": 100}],
 *    "action": "handle", "handler": "payments"},
 *   {"id": "large-payments", "eventType": "payment.request", "action": "hold"}
 * ]
 * }</pre>
 *
 * <p>{@link #parse(byte[])} validates strictly: unknown fields, a duplicate rule id, a missing
 * handler for {@code handle}/{@code reply}, a bad JSON Pointer or operator are refused with an error
 * naming the rule and field. Immutable and thread-safe; a changed rule set is a new engine.
 */
public final class DeclarativeRuleEngine implements RuleEngine {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Set<String> RULE_FIELDS =
      Set.of("id", "eventType", "connectionId", "when", "action", "handler", "reason");
  private static final Set<String> CONDITION_FIELDS = Set.of("field", "op", "value");
  /** At most this many rules and this many bytes of rule JSON: rules come from the owner's KV. */
  public static final int MAX_RULES = 1000;

  /** Comparison operators of a condition. */
  enum Op {
    EQ, NE, LT, LE, GT, GE, EXISTS, IN
  }

  record Condition(JsonPointer field, Op op, JsonNode value) {
    boolean test(JsonNode payload) {
      JsonNode actual = payload.at(field);
      if (op == Op.EXISTS) {
        return !actual.isMissingNode() && !actual.isNull();
      }
      if (actual.isMissingNode()) {
        return false; // a condition on an absent field never matches: fail closed
      }
      return switch (op) {
        case EQ -> actual.equals(value);
        case NE -> !actual.equals(value);
        case IN -> contains(value, actual);
        case LT, LE, GT, GE -> actual.isNumber() && compare(actual, op);
        default -> false;
      };
    }

    private boolean compare(JsonNode actual, Op op) {
      int c = actual.decimalValue().compareTo(value.decimalValue());
      return switch (op) {
        case LT -> c < 0;
        case LE -> c <= 0;
        case GT -> c > 0;
        default -> c >= 0;
      };
    }

    private static boolean contains(JsonNode array, JsonNode actual) {
      for (JsonNode v : array) {
        if (v.equals(actual)) {
          return true;
        }
      }
      return false;
    }
  }

  record Rule(String id, String eventType, String connectionId, List<Condition> when, Decision decision) {
    boolean matches(InternalEvent event) {
      if (eventType != null && !eventType.equals(event.type().value())) {
        return false;
      }
      if (connectionId != null && !connectionId.equals(event.connectionId().value())) {
        return false;
      }
      if (when.isEmpty()) {
        return true; // no condition: no copy of the payload to test
      }
      JsonNode payload = event.payload();
      for (Condition c : when) {
        if (!c.test(payload)) {
          return false;
        }
      }
      return true;
    }
  }

  private final List<Rule> rules;

  private DeclarativeRuleEngine(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  /** {@return an engine with no rules: it denies everything} */
  public static DeclarativeRuleEngine empty() {
    return new DeclarativeRuleEngine(List.of());
  }

  /**
   * Parses and validates a rule set (a JSON array of rules, UTF-8, at most 1 MiB).
   *
   * @param json the rule set
   * @return the engine
   * @throws RuleValidationException naming the rule and field, if anything is wrong
   */
  public static DeclarativeRuleEngine parse(byte[] json) throws RuleValidationException {
    Objects.requireNonNull(json, "json");
    if (json.length > (1 << 20)) {
      throw new RuleValidationException("the rule set is larger than 1 MiB");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (java.io.IOException e) {
      throw new RuleValidationException("the rule set is not valid JSON (UTF-8, no duplicate keys)");
    }
    if (root == null || !root.isArray()) {
      throw new RuleValidationException("the rule set must be a JSON array of rules");
    }
    if (root.size() > MAX_RULES) {
      throw new RuleValidationException("at most " + MAX_RULES + " rules, got " + root.size());
    }
    List<Rule> rules = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    int index = 0;
    for (JsonNode r : root) {
      Rule rule = rule(r, index++);
      if (!ids.add(rule.id())) {
        throw new RuleValidationException("rule '" + rule.id() + "': field 'id' is used by an earlier rule");
      }
      rules.add(rule);
    }
    return new DeclarativeRuleEngine(rules);
  }

  /**
   * Parses a rule set from a string.
   *
   * @param json the rule set
   * @return the engine
   * @throws RuleValidationException naming the rule and field, if anything is wrong
   */
  public static DeclarativeRuleEngine parse(String json) throws RuleValidationException {
    return parse(Objects.requireNonNull(json, "json").getBytes(StandardCharsets.UTF_8));
  }

  /** {@return the rule ids, in evaluation order} */
  public List<String> ruleIds() {
    return rules.stream().map(Rule::id).toList();
  }

  /**
   * First match wins; no match is {@link Decision#defaultDeny()}.
   *
   * @param event the event
   * @return the decision
   */
  @Override
  public Decision evaluate(InternalEvent event) {
    Objects.requireNonNull(event, "event");
    for (Rule rule : rules) {
      if (rule.matches(event)) {
        return rule.decision();
      }
    }
    return Decision.defaultDeny();
  }

  private static Rule rule(JsonNode r, int index) throws RuleValidationException {
    String where = "rule #" + index;
    if (!r.isObject()) {
      throw new RuleValidationException(where + ": must be a JSON object");
    }
    String id = text(r, "id", where, true);
    if (!ID.matcher(id).matches()) {
      throw new RuleValidationException(where + ": field 'id' must be 1-64 of [A-Za-z0-9_.-]");
    }
    where = "rule '" + id + "'";
    for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!RULE_FIELDS.contains(f)) {
        throw new RuleValidationException(where + ": unknown field '" + safe(f) + "'");
      }
    }
    String eventType = text(r, "eventType", where, false);
    if (eventType != null) {
      try {
        io.vettid.api.EventType.of(eventType);
      } catch (IllegalArgumentException e) {
        throw new RuleValidationException(where + ": field 'eventType' is not a valid event type");
      }
    }
    String connectionId = text(r, "connectionId", where, false);
    if (connectionId != null) {
      try {
        io.vettid.api.ConnectionId.of(connectionId);
      } catch (IllegalArgumentException e) {
        throw new RuleValidationException(where + ": field 'connectionId' is not a valid connection id");
      }
    }
    List<Condition> when = new ArrayList<>();
    JsonNode w = r.get("when");
    if (w != null) {
      if (!w.isArray()) {
        throw new RuleValidationException(where + ": field 'when' must be an array of conditions");
      }
      int i = 0;
      for (JsonNode c : w) {
        when.add(condition(c, where + ", condition #" + i++));
      }
    }
    return new Rule(id, eventType, connectionId, when, decision(r, id, where));
  }

  /** The rule's action as a decision: handle and reply name a handler, deny may give a reason. */
  private static Decision decision(JsonNode r, String id, String where) throws RuleValidationException {
    String action = text(r, "action", where, true);
    String handler = text(r, "handler", where, false);
    String reason = text(r, "reason", where, false);
    Decision decision;
    switch (action) {
      case "handle", "reply" -> {
        if (handler == null || handler.isBlank()) {
          throw new RuleValidationException(where + ": field 'handler' is required for action '" + action + "'");
        }
        decision = action.equals("handle") ? Decision.handle(id, handler) : Decision.reply(id, handler);
      }
      case "hold" -> decision = Decision.hold(id);
      case "drop" -> decision = Decision.drop(id);
      case "deny" -> decision = Decision.deny(id, reason != null && !reason.isBlank() ? reason : "denied by rule " + id);
      default -> throw new RuleValidationException(
          where + ": field 'action' must be one of handle, reply, hold, drop, deny");
    }
    if (handler != null && !(action.equals("handle") || action.equals("reply"))) {
      throw new RuleValidationException(where + ": field 'handler' is only for actions handle and reply");
    }
    return decision;
  }

  private static Condition condition(JsonNode c, String where) throws RuleValidationException {
    if (!c.isObject()) {
      throw new RuleValidationException(where + ": must be a JSON object");
    }
    for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!CONDITION_FIELDS.contains(f)) {
        throw new RuleValidationException(where + ": unknown field '" + safe(f) + "'");
      }
    }
    String field = text(c, "field", where, true);
    JsonPointer pointer;
    try {
      pointer = JsonPointer.compile(field);
    } catch (IllegalArgumentException e) {
      throw new RuleValidationException(where + ": field 'field' must be a JSON Pointer such as /amount");
    }
    if (pointer.matches()) {
      throw new RuleValidationException(where + ": field 'field' must point into the payload, such as /amount");
    }
    String opText = text(c, "op", where, true);
    Op op;
    try {
      op = Op.valueOf(opText.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new RuleValidationException(where + ": field 'op' must be one of eq, ne, lt, le, gt, ge, exists, in");
    }
    JsonNode value = c.get("value");
    if (op == Op.EXISTS) {
      if (value != null) {
        throw new RuleValidationException(where + ": field 'value' is not allowed with op 'exists'");
      }
    } else if (value == null) {
      throw new RuleValidationException(where + ": field 'value' is required with op '" + opText + "'");
    } else if (op == Op.IN && !value.isArray()) {
      throw new RuleValidationException(where + ": field 'value' must be an array with op 'in'");
    } else if ((op == Op.LT || op == Op.LE || op == Op.GT || op == Op.GE) && !value.isNumber()) {
      throw new RuleValidationException(where + ": field 'value' must be a number with op '" + opText + "'");
    }
    return new Condition(pointer, op, value == null ? null : value.deepCopy());
  }

  private static String text(JsonNode node, String field, String where, boolean required)
      throws RuleValidationException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new RuleValidationException(where + ": field '" + field + "' is required");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new RuleValidationException(where + ": field '" + field + "' must be a string");
    }
    return v.textValue();
  }

  private static String safe(String s) {
    return s.length() > 40 ? s.substring(0, 40).replaceAll("[^ -~]", "?") + "..." : s.replaceAll("[^ -~]", "?");
  }
}
