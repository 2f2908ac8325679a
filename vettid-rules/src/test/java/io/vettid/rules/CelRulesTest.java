package io.vettid.rules;

import static io.vettid.proptest.Gens.anyByte;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Gens.lists;
import static io.vettid.proptest.Gens.oneOf;
import static io.vettid.proptest.Props.tries;
import static io.vettid.rules.DeclarativeRuleEngineTest.event;
import static io.vettid.rules.DeclarativeRuleEngineTest.payload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.InternalEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** Rules by peer, by type pattern and with CEL conditions ("if"); their explanations; their failures. */
class CelRulesTest {
  static final String CAROL_KEY = "ed25519-" + "c".repeat(40);
  static final PeerDirectory PEERS = c -> switch (c.value()) {
    case "conn-bob" -> Optional.of(new PeerDirectory.Peer("Bob", "ed25519-" + "b".repeat(40)));
    case "conn-carol" -> Optional.of(new PeerDirectory.Peer("Carol", CAROL_KEY));
    default -> Optional.empty();
  };

  static final String RULES = """
      [
        {"id": "no-carol-chat", "peer": "carol", "eventType": "chat.*", "action": "deny", "reason": "not Carol"},
        {"id": "carol-key", "peerKeyId": "%s", "action": "hold"},
        {"id": "big", "eventType": "payment.>", "if": "has(payload.amount) && payload.amount >= 1000", "action": "hold"},
        {"id": "pay", "eventType": "payment.>", "if": "payload.amount < 1000 && peer.name == 'Bob'",
         "action": "handle", "handler": "payments"},
        {"id": "chat", "eventType": "chat.*", "action": "handle", "handler": "chat"}
      ]
      """.formatted(CAROL_KEY);

  @Test
  void peersTypePatternsAndConditionsDecideInOrder() throws Exception {
    DeclarativeRuleEngine engine = DeclarativeRuleEngine.parse(RULES).withPeers(PEERS);

    assertThat(engine.evaluate(event("chat.message", "conn-carol", payload())).reason()).isEqualTo("not Carol");
    assertThat(engine.evaluate(event("chat.message", "conn-bob", payload())).ruleId()).contains("chat");
    assertThat(engine.evaluate(event("chat.message.edit", "conn-bob", payload())))
        .as("chat.* is one token more, not two").isEqualTo(Decision.defaultDeny());
    assertThat(engine.evaluate(event("profile.request", "conn-carol", payload())).ruleId()).contains("carol-key");
    assertThat(engine.evaluate(event("payment.request", "conn-bob", payload().put("amount", 5000))).ruleId())
        .contains("big");
    assertThat(engine.evaluate(event("payment.request.urgent", "conn-bob", payload().put("amount", 50))).ruleId())
        .as("payment.> is one token more or several").contains("pay");
    assertThat(engine.evaluate(event("payment", "conn-bob", payload().put("amount", 50))))
        .as("payment.> needs at least one token more").isEqualTo(Decision.defaultDeny());
  }

  @Test
  void withoutADirectoryRulesNamingAPeerNeverMatch() throws Exception {
    DeclarativeRuleEngine engine = DeclarativeRuleEngine.parse(RULES);
    assertThat(engine.evaluate(event("chat.message", "conn-carol", payload())).ruleId()).contains("chat");
    PeerDirectory broken = c -> {
      throw new IllegalStateException("directory down");
    };
    assertThat(engine.withPeers(broken).evaluate(event("chat.message", "conn-carol", payload())).ruleId())
        .contains("chat");
    assertThat(engine.withPeers(broken).evaluate(event("payment.request", "conn-bob", payload().put("amount", 5))))
        .as("peer.name is empty when the peer is unknown: 'Bob' does not match").isEqualTo(Decision.defaultDeny());
    assertThat(engine.withPeers(PEERS).evaluate(event("payment.request", "conn-bob", payload().put("amount", 5)))
        .ruleId()).contains("pay");
  }

  @Test
  void anIfThatFailsDeniesNamingTheRuleAndNotThePayload() throws Exception {
    DeclarativeRuleEngine engine = DeclarativeRuleEngine.parse("""
        [{"id": "convert", "if": "int(payload.code) > 3", "action": "handle", "handler": "h"},
         {"id": "later", "action": "handle", "handler": "h"}]""");
    Decision d = engine.evaluate(event("chat.message", "conn-bob", payload().put("code", "secret-value")));
    assertThat(d.action()).isEqualTo(Decision.Action.DENY);
    assertThat(d.ruleId()).contains("convert");
    assertThat(d.reason()).contains("convert").doesNotContain("secret-value");

    Decision missing = DeclarativeRuleEngine.parse("""
        [{"id": "amount", "if": "payload.amount < 10", "action": "handle", "handler": "h"}]""")
        .evaluate(event("chat.message", "conn-bob", payload()));
    assertThat(missing.action()).as("a missing field is a failure, not a non-match").isEqualTo(Decision.Action.DENY);
  }

  @Test
  void anExpensiveIfIsCutOffAndDenies() throws Exception {
    // 1000 x 1000 iterations: well past the step budget
    DeclarativeRuleEngine engine = DeclarativeRuleEngine.parse("""
        [{"id": "costly", "if": "payload.l.all(x, payload.l.all(y, x + y >= 0))", "action": "handle", "handler": "h"}]""");
    ObjectNode p = payload();
    var list = p.putArray("l");
    for (int i = 0; i < 1000; i++) {
      list.add(i);
    }
    Decision d = engine.evaluate(event("chat.message", "conn-bob", p));
    assertThat(d.action()).isEqualTo(Decision.Action.DENY);
    assertThat(d.reason()).contains("costly").contains("cost limit");

    // under the iteration limit, past the step budget
    DeclarativeRuleEngine steps = DeclarativeRuleEngine.parse("""
        [{"id": "long", "if": "payload.l.all(x, x + 1 > 0 && x + 2 > 0 && x + 3 > 0 && x + 4 > 0)",
          "action": "handle", "handler": "h"}]""");
    while (list.size() > 900) {
      list.remove(list.size() - 1);
    }
    Decision cut = steps.evaluate(event("chat.message", "conn-bob", p));
    assertThat(cut.action()).isEqualTo(Decision.Action.DENY);
    assertThat(cut.reason()).contains("long").contains("steps");
    DeclarativeRuleEngine one = DeclarativeRuleEngine.parse("""
        [{"id": "short", "if": "payload.l.all(x, x + 1 > 0)", "action": "handle", "handler": "h"}]""");
    assertThat(one.evaluate(event("chat.message", "conn-bob", p)).action()).isEqualTo(Decision.Action.HANDLE);
  }

  @Test
  void ifSeesTypeConnectionTimeAndPayload() throws Exception {
    InternalEvent e = InternalEvent.builder().type(io.vettid.api.EventType.of("chat.message"))
        .connectionId(ConnectionId.of("conn-bob")).timestamp(java.time.Instant.parse("2026-12-07T08:30:00Z"))
        .payload(payload().put("text", "hello").put("n", 2.5).putNull("z")).build();
    String[] truths = {
        "type == 'chat.message'", "connection == 'conn-bob'", "eventId.size() > 0",
        "time.getHours('UTC') == 8", "time > timestamp('2026-01-01T00:00:00Z')",
        "payload.text.startsWith('he')", "payload.n > 2.0", "payload.z == null", "!has(payload.nothing)",
        "peer.name == 'Bob'"};
    for (String t : truths) {
      DeclarativeRuleEngine engine = DeclarativeRuleEngine.parse(
          "[{\"id\":\"t\",\"if\":" + JsonNodeFactory.instance.textNode(t) + ",\"action\":\"drop\"}]").withPeers(PEERS);
      assertThat(engine.evaluate(e).action()).as(t).isEqualTo(Decision.Action.DROP);
    }
  }

  @Test
  void badExpressionsAreRefusedNamingTheRuleAndThePosition() {
    expect("[{\"id\":\"r1\",\"if\":\"type ==\",\"action\":\"drop\"}]", "rule 'r1': field 'if' does not compile at line 1, column");
    expect("[{\"id\":\"r2\",\"if\":\"payload.amount + 1\",\"action\":\"drop\"}]", "rule 'r2': field 'if' must be true or false");
    expect("[{\"id\":\"r3\",\"if\":\"nobody == 1\",\"action\":\"drop\"}]", "rule 'r3': field 'if' does not compile");
    expect("[{\"id\":\"r4\",\"if\":\"type == 1\",\"action\":\"drop\"}]", "rule 'r4': field 'if' does not compile");
    expect("[{\"id\":\"r5\",\"if\":\"" + "x".repeat(3000) + "\",\"action\":\"drop\"}]", "longer than 2048");
    expect("[{\"id\":\"r6\",\"if\":\" \",\"action\":\"drop\"}]", "rule 'r6': field 'if' must be a CEL expression");
    expect("[{\"id\":\"r7\",\"eventType\":\"chat.>.x\",\"action\":\"drop\"}]", "rule 'r7': field 'eventType'");
    expect("[{\"id\":\"r8\",\"eventType\":\"Chat.*\",\"action\":\"drop\"}]", "rule 'r8': field 'eventType'");
    expect("[{\"id\":\"r9\",\"peerKeyId\":\"bob\",\"action\":\"drop\"}]", "rule 'r9': field 'peerKeyId'");
    expect("[{\"id\":\"r10\",\"peer\":\"\",\"action\":\"drop\"}]", "rule 'r10': field 'peer'");
  }

  private static void expect(String json, String message) {
    assertThatThrownBy(() -> DeclarativeRuleEngine.parse(json))
        .isInstanceOf(RuleValidationException.class).hasMessageContaining(message);
  }

  @Test
  void explainSaysWhyEachEarlierRuleDidNotMatch() throws Exception {
    DeclarativeRuleEngine engine = DeclarativeRuleEngine.parse(RULES).withPeers(PEERS);
    RuleExplanation why = engine.explain(event("chat.message", "conn-bob", payload()));
    assertThat(why.decision()).isEqualTo(engine.evaluate(event("chat.message", "conn-bob", payload())));
    assertThat(why.steps()).extracting(RuleExplanation.Step::ruleId)
        .containsExactly("no-carol-chat", "carol-key", "big", "pay", "chat");
    assertThat(why.steps().get(0).reason()).isEqualTo("the peer is Bob, not carol");
    assertThat(why.steps().get(1).reason()).contains("the peer's identity key is ed25519-bbbb");
    assertThat(why.steps().get(2).reason()).isEqualTo("the event type is chat.message, not payment.>");
    assertThat(why.steps().get(4).matched()).isTrue();

    RuleExplanation none = engine.explain(event("profile.request", "conn-dave", payload()));
    assertThat(none.decision()).isEqualTo(Decision.defaultDeny());
    assertThat(none.steps()).hasSize(5).noneMatch(RuleExplanation.Step::matched);
    assertThat(none.steps().get(1).reason()).isEqualTo("the connection's peer is not known");
  }

  /** Random and mutated rule sets with expressions: an engine or a clear error; evaluation always decides. */
  @Test
  void anyExpressionIsAnEngineOrAClearError() {
    tries(2000).forAll(mutated(RULES.getBytes(StandardCharsets.UTF_8))).checkAssert(input -> {
      DeclarativeRuleEngine engine;
      try {
        engine = DeclarativeRuleEngine.parse(input).withPeers(PEERS);
      } catch (RuleValidationException e) {
        assertThat(e.getMessage()).isNotBlank();
        return;
      }
      for (Map.Entry<String, ObjectNode> c : Map.of("conn-bob", payload().put("amount", 50),
          "conn-carol", payload().put("amount", "x"), "conn-eve", payload()).entrySet()) {
        Decision d = engine.evaluate(event("payment.request", c.getKey(), c.getValue()));
        assertThat(d).isNotNull();
        assertThat(engine.explain(event("payment.request", c.getKey(), c.getValue())).decision()).isEqualTo(d);
      }
    });
  }

  private static Gen<byte[]> mutated(byte[] valid) {
    Gen<byte[]> changed = lists(ints(0, valid.length - 1).zip(anyByte(), Map::entry), 1, 3).map(changes -> {
      byte[] copy = valid.clone();
      changes.forEach(c -> copy[c.getKey()] = c.getValue());
      return copy;
    });
    Gen<byte[]> truncated = ints(0, valid.length).map(n -> Arrays.copyOf(valid, n));
    return oneOf(changed, truncated).describedAs(b -> new String(b, StandardCharsets.UTF_8));
  }
}
