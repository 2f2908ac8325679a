package io.vettid.rules;

import static io.vettid.proptest.Gens.anyByte;
import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Gens.lists;
import static io.vettid.proptest.Gens.oneOf;
import static io.vettid.proptest.Props.tries;
import org.quicktheories.core.Gen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeclarativeRuleEngineTest {
  static final String RULES = """
      [
        {"id": "small", "eventType": "payment.request", "connectionId": "conn-bob",
         "when": [{"field": "/amount", "op": "le", "value": 100}], "action": "handle", "handler": "payments"},
        {"id": "large", "eventType": "payment.request", "when": [{"field": "/amount", "op": "exists"}], "action": "hold"},
        {"id": "profile", "eventType": "profile.request", "action": "reply", "handler": "profile"},
        {"id": "spam", "when": [{"field": "/tag", "op": "in", "value": ["ad", "spam"]}], "action": "drop"},
        {"id": "no-mallory", "connectionId": "conn-mallory", "action": "deny", "reason": "blocked peer"}
      ]
      """;

  static InternalEvent event(String type, String connection, ObjectNode payload) {
    return InternalEvent.builder().type(EventType.of(type)).connectionId(ConnectionId.of(connection))
        .payload(payload).build();
  }

  static ObjectNode payload() {
    return JsonNodeFactory.instance.objectNode();
  }

  @Test
  void firstMatchWinsAndNoMatchDenies() throws Exception {
    DeclarativeRuleEngine engine = DeclarativeRuleEngine.parse(RULES);

    Decision small = engine.evaluate(event("payment.request", "conn-bob", payload().put("amount", 40)));
    Decision largeFromBob = engine.evaluate(event("payment.request", "conn-bob", payload().put("amount", 400)));
    Decision smallFromCarol = engine.evaluate(event("payment.request", "conn-carol", payload().put("amount", 40)));
    Decision noAmount = engine.evaluate(event("payment.request", "conn-bob", payload()));
    Decision profile = engine.evaluate(event("profile.request", "conn-carol", payload()));
    Decision spam = engine.evaluate(event("chat.message", "conn-carol", payload().put("tag", "spam")));
    Decision mallory = engine.evaluate(event("chat.message", "conn-mallory", payload()));
    Decision unknown = engine.evaluate(event("chat.message", "conn-carol", payload().put("tag", "hello")));

    assertThat(small.action()).isEqualTo(Decision.Action.HANDLE);
    assertThat(small.handler()).contains("payments");
    assertThat(largeFromBob.action()).isEqualTo(Decision.Action.HOLD);
    assertThat(largeFromBob.ruleId()).contains("large");
    assertThat(smallFromCarol.ruleId()).contains("large");
    assertThat(noAmount).isEqualTo(Decision.defaultDeny());
    assertThat(profile.action()).isEqualTo(Decision.Action.REPLY);
    assertThat(spam.action()).isEqualTo(Decision.Action.DROP);
    assertThat(mallory.action()).isEqualTo(Decision.Action.DENY);
    assertThat(mallory.reason()).isEqualTo("blocked peer");
    assertThat(unknown).isEqualTo(Decision.defaultDeny());
    assertThat(unknown.allowsProcessing()).isFalse();
    assertThat(DeclarativeRuleEngine.empty().evaluate(event("x.y", "conn-a", payload()))).isEqualTo(Decision.defaultDeny());
    assertThat(engine.ruleIds()).containsExactly("small", "large", "profile", "spam", "no-mallory");
  }

  @Test
  void aNumericConditionOnANonNumberNeverMatches() throws Exception {
    DeclarativeRuleEngine engine = DeclarativeRuleEngine.parse(
        "[{\"id\":\"r\",\"when\":[{\"field\":\"/amount\",\"op\":\"lt\",\"value\":10}],\"action\":\"hold\"}]");

    assertThat(engine.evaluate(event("a.b", "conn-a", payload().put("amount", "5")))).isEqualTo(Decision.defaultDeny());
    assertThat(engine.evaluate(event("a.b", "conn-a", payload().put("amount", 5))).action()).isEqualTo(Decision.Action.HOLD);
  }

  @Test
  void errorsNameTheRuleAndTheField() {
    expect("{}", "must be a JSON array");
    expect("[{\"action\":\"hold\"}]", "rule #0: field 'id' is required");
    expect("[{\"id\":\"a\",\"action\":\"hold\"},{\"id\":\"a\",\"action\":\"drop\"}]", "rule 'a': field 'id' is used");
    expect("[{\"id\":\"a\",\"action\":\"handle\"}]", "rule 'a': field 'handler' is required");
    expect("[{\"id\":\"a\",\"action\":\"hold\",\"handler\":\"x\"}]", "rule 'a': field 'handler' is only for");
    expect("[{\"id\":\"a\",\"action\":\"allow\"}]", "rule 'a': field 'action' must be one of");
    expect("[{\"id\":\"a\",\"action\":\"hold\",\"colour\":1}]", "rule 'a': unknown field 'colour'");
    expect("[{\"id\":\"a\",\"eventType\":\"bad type!\",\"action\":\"hold\"}]", "rule 'a': field 'eventType'");
    expect("[{\"id\":\"a\",\"when\":[{\"field\":\"amount\",\"op\":\"eq\",\"value\":1}],\"action\":\"hold\"}]",
        "rule 'a', condition #0: field 'field' must be a JSON Pointer");
    expect("[{\"id\":\"a\",\"when\":[{\"field\":\"/n\",\"op\":\"lt\",\"value\":\"x\"}],\"action\":\"hold\"}]",
        "rule 'a', condition #0: field 'value' must be a number");
    expect("[{\"id\":\"a\",\"when\":[{\"field\":\"/n\",\"op\":\"like\",\"value\":1}],\"action\":\"hold\"}]",
        "rule 'a', condition #0: field 'op' must be one of");
    expect("[{\"id\":\"a\",\"id\":\"b\",\"action\":\"hold\"}]", "not valid JSON");
  }

  private static void expect(String json, String message) {
    assertThatThrownBy(() -> DeclarativeRuleEngine.parse(json))
        .isInstanceOf(RuleValidationException.class).hasMessageContaining(message);
  }

  /** Random and mutated rule sets: either a working engine or a RuleValidationException, nothing else. */
  @Test
  void anyInputIsAnEngineOrAClearError() {
    tries(3000).forAll(ruleSets()).checkAssert(this::anyInputIsAnEngineOrAClearErrorCheck);
  }

  private void anyInputIsAnEngineOrAClearErrorCheck(byte[] input) {
    try {
      DeclarativeRuleEngine engine = DeclarativeRuleEngine.parse(input);
      Decision d = engine.evaluate(event("payment.request", "conn-bob", payload().put("amount", 40)));
      assertThat(d).isNotNull();
    } catch (RuleValidationException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  private static Gen<byte[]> ruleSets() {
    byte[] valid = RULES.getBytes(StandardCharsets.UTF_8);
    Gen<byte[]> mutated = lists(ints(0, valid.length - 1).zip(anyByte(), java.util.Map::entry), 1, 4)
        .map(changes -> {
          byte[] copy = valid.clone();
          changes.forEach(c -> copy[c.getKey()] = c.getValue());
          return copy;
        });
    Gen<byte[]> truncated = ints(0, valid.length).map(n -> java.util.Arrays.copyOf(valid, n));
    Gen<byte[]> random = bytes(0, 200);
    return oneOf(mutated, truncated, random).describedAs(java.util.Arrays::toString);
  }
}
