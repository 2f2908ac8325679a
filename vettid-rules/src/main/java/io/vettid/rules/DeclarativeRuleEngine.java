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
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The default rule engine: an ordered list of rules, <b>first match wins, no match denies</b>.
 * A rule matches on any of: the event type or a pattern of types ({@code chat.*} is one more token,
 * {@code chat.>} one or more), the connection id, the peer's name or identity keyID (through a
 * {@link PeerDirectory}), conditions on payload fields ({@code "when"}, all must hold), and a
 * boolean expression in the Common Expression Language ({@code "if"}) over {@code type}, {@code
 * eventId}, {@code connection}, {@code time}, {@code payload} and {@code peer}. Its action is
 * {@code handle} (start or continue a handler), {@code reply}, {@code hold} (for the owner's
 * approval), {@code drop} or {@code deny}.
 *
 * <pre>{@literal
 * [
 *   {"id": "no-carol", "peer": "Carol", "eventType": "chat.*", "action": "deny"},
 *   {"id": "small-payments", "eventType": "payment.request", "connectionId": "conn-bob",
 *    "when": [{"field": "/amount", "op": "le", "value": 100}],
 *    "action": "handle", "handler": "payments"},
 *   {"id": "office-hours", "eventType": "payment.request",
 *    "if": "payload.amount < 1000 && time.getHours('Europe/Berlin') < 18",
 *    "action": "hold"}
 * ]
 * }</pre>
 *
 * <p>{@link #parse(byte[])} validates strictly: unknown fields, a duplicate rule id, a missing
 * handler for {@code handle}/{@code reply}, a bad JSON Pointer, operator or type pattern, and an
 * {@code "if"} that does not compile or is not a boolean are refused with an error naming the rule
 * and field (and, for {@code "if"}, the line and column). An {@code "if"} that fails for an event
 * (a missing field, a bad conversion), or goes over its cost limit ({@value CelCondition#MAX_ITERATIONS}
 * iterations of macros, {@value CelCondition#MAX_STEPS} steps, 1 s), <b>denies</b> that event, naming the rule: a broken rule never lets an event through, and
 * the reason never quotes the payload. Use {@code has(payload.amount)} to test for a field.
 * Immutable and thread-safe; a changed rule set is a new engine.
 */
public final class DeclarativeRuleEngine implements RuleEngine {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Set<String> RULE_FIELDS =
      Set.of("id", "eventType", "connectionId", "peer", "peerKeyId", "when", "if", "action", "handler", "reason");
  private static final Pattern TYPE_TOKEN = Pattern.compile("[a-z0-9](?:[a-z0-9-]*[a-z0-9])?");
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

  /**
   * An event type, or a pattern of them: {@code *} stands for one token, a last {@code >} for one
   * or more.
   */
  record TypePattern(String text, String[] tokens) {
    static TypePattern of(String text, String where) throws RuleValidationException {
      String[] tokens = text.split("\\.", -1);
      for (int i = 0; i < tokens.length; i++) {
        String t = tokens[i];
        boolean ok = TYPE_TOKEN.matcher(t).matches() || t.equals("*") || (t.equals(">") && i == tokens.length - 1);
        if (!ok) {
          throw new RuleValidationException(where + ": field 'eventType' must be an event type such as chat.message,"
              + " or a pattern such as chat.* (one token) or chat.> (one or more)");
        }
      }
      return new TypePattern(text, tokens);
    }

    boolean matches(String type) {
      String[] parts = type.split("\\.", -1);
      for (int i = 0; i < tokens.length; i++) {
        if (tokens[i].equals(">")) {
          return parts.length > i;
        }
        if (i >= parts.length || !(tokens[i].equals("*") || tokens[i].equals(parts[i]))) {
          return false;
        }
      }
      return parts.length == tokens.length;
    }
  }

  record Rule(String id, TypePattern eventType, String connectionId, String peer, String peerKeyId,
      List<Condition> when, CelCondition expression, Decision decision) {
    /**
     * Why the rule does not match the event, or null if it does.
     *
     * @throws CelCondition.Failed if its expression failed for this event
     */
    String whyNot(Subject s) throws CelCondition.Failed {
      InternalEvent event = s.event;
      if (eventType != null && !eventType.matches(event.type().value())) {
        return "the event type is " + event.type().value() + ", not " + eventType.text();
      }
      if (connectionId != null && !connectionId.equals(event.connectionId().value())) {
        return "the connection is " + event.connectionId().value() + ", not " + connectionId;
      }
      if (peer != null || peerKeyId != null) {
        PeerDirectory.Peer p = s.peer();
        if (p == null) {
          return "the connection's peer is not known";
        }
        if (peer != null && !peer.equalsIgnoreCase(p.name())) {
          return "the peer is " + p.name() + ", not " + peer;
        }
        if (peerKeyId != null && !peerKeyId.equals(p.identityKeyId())) {
          return "the peer's identity key is " + p.identityKeyId() + ", not " + peerKeyId;
        }
      }
      for (int i = 0; i < when.size(); i++) {
        Condition c = when.get(i);
        if (!c.test(s.payload())) {
          return "condition #" + i + " (" + c.field() + " " + c.op().name().toLowerCase(java.util.Locale.ROOT)
              + (c.value() == null ? "" : " " + c.value()) + ") does not hold";
        }
      }
      if (expression != null && !expression.test(s.variables())) {
        return "its 'if' is false";
      }
      return null;
    }

    /** The deny of an event whose 'if' failed. */
    Decision failed(CelCondition.Failed f) {
      return Decision.deny(id, "rule " + id + ": its 'if' " + f.getMessage());
    }
  }

  /** One event as the rules see it; the peer, payload copy and CEL variables are made at most once. */
  final class Subject {
    final InternalEvent event;
    private JsonNode payload;
    private Optional<PeerDirectory.Peer> peer;
    private Map<String, Object> variables;

    Subject(InternalEvent event) {
      this.event = event;
    }

    JsonNode payload() {
      if (payload == null) {
        payload = event.payload();
      }
      return payload;
    }

    PeerDirectory.Peer peer() {
      if (peer == null) {
        Optional<PeerDirectory.Peer> p;
        try {
          p = peers.peer(event.connectionId());
        } catch (RuntimeException e) {
          p = Optional.empty(); // a failing directory knows no peer: rules naming one do not match
        }
        peer = p == null ? Optional.empty() : p;
      }
      return peer.orElse(null);
    }

    Map<String, Object> variables() {
      if (variables == null) {
        variables = CelCondition.variables(event, peer());
      }
      return variables;
    }
  }

  private final List<Rule> rules;
  private final PeerDirectory peers;

  private DeclarativeRuleEngine(List<Rule> rules, PeerDirectory peers) {
    this.rules = List.copyOf(rules);
    this.peers = peers;
  }

  /** {@return an engine with no rules: it denies everything} */
  public static DeclarativeRuleEngine empty() {
    return new DeclarativeRuleEngine(List.of(), PeerDirectory.none());
  }

  /**
   * The same rules, matching peers through a directory (without one, rules that name a peer never
   * match).
   *
   * @param directory the vault's peers
   * @return a new engine
   */
  public DeclarativeRuleEngine withPeers(PeerDirectory directory) {
    return new DeclarativeRuleEngine(rules, Objects.requireNonNull(directory, "directory"));
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
    return new DeclarativeRuleEngine(rules, PeerDirectory.none());
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
    Subject s = new Subject(event);
    for (Rule rule : rules) {
      try {
        if (rule.whyNot(s) == null) {
          return rule.decision();
        }
      } catch (CelCondition.Failed f) {
        return rule.failed(f);
      }
    }
    return Decision.defaultDeny();
  }

  /**
   * Evaluates the rules as {@link #evaluate} does and says why: for each rule asked, in order,
   * whether it matched and, if not, why not. The reasons name event types, connections, peers,
   * payload field paths and rule values, never a payload value.
   *
   * @param event the event
   * @return the decision and the rules asked (those after the deciding one are not asked)
   */
  public RuleExplanation explain(InternalEvent event) {
    Objects.requireNonNull(event, "event");
    Subject s = new Subject(event);
    List<RuleExplanation.Step> steps = new ArrayList<>();
    for (Rule rule : rules) {
      String whyNot;
      try {
        whyNot = rule.whyNot(s);
      } catch (CelCondition.Failed f) {
        Decision d = rule.failed(f);
        steps.add(new RuleExplanation.Step(rule.id(), true, d.reason()));
        return new RuleExplanation(d, steps);
      }
      if (whyNot == null) {
        steps.add(new RuleExplanation.Step(rule.id(), true, "it matches"));
        return new RuleExplanation(rule.decision(), steps);
      }
      steps.add(new RuleExplanation.Step(rule.id(), false, whyNot));
    }
    return new RuleExplanation(Decision.defaultDeny(), steps);
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
    String typeText = text(r, "eventType", where, false);
    TypePattern eventType = typeText == null ? null : TypePattern.of(typeText, where);
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
    String peer = text(r, "peer", where, false);
    if (peer != null && (peer.isBlank() || peer.length() > 64)) {
      throw new RuleValidationException(where + ": field 'peer' must be the peer's first name (1-64 characters)");
    }
    String peerKeyId = text(r, "peerKeyId", where, false);
    if (peerKeyId != null) {
      try {
        io.vettid.api.KeyId.of(peerKeyId);
      } catch (IllegalArgumentException e) {
        throw new RuleValidationException(where + ": field 'peerKeyId' is not a keyID (such as ed25519-<40 hex digits>)");
      }
    }
    String expression = text(r, "if", where, false);
    CelCondition cel = expression == null ? null : CelCondition.compile(expression, where);
    return new Rule(id, eventType, connectionId, peer, peerKeyId, when, cel, decision(r, id, where));
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
