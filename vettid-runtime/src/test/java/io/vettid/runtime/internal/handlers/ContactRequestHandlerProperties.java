package io.vettid.runtime.internal.handlers;

import static io.vettid.proptest.Gens.text;
import static io.vettid.proptest.Gens.anyInt;
import static io.vettid.proptest.Gens.booleans;
import static io.vettid.proptest.Gens.lists;
import static io.vettid.proptest.Gens.oneOf;
import static io.vettid.proptest.Props.tries;
import io.vettid.proptest.Gens;
import org.quicktheories.core.Gen;
import org.junit.jupiter.api.Test;
import static org.quicktheories.generators.Generate.constant;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.rules.DeclarativeRuleEngine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whatever a peer puts in a contact request, the handler shares only fields the rules allow for
 * that peer, and every textual field it considered is either shared or withheld.
 */
class ContactRequestHandlerProperties {
  private static final Map<String, String> DATA =
      Map.of("email", "a@example.org", "phone", "+1", "city", "Berlin", "btc", "bc1q");
  private static final ConnectionId BOB = ConnectionId.of("conn-bob");
  private static final DeclarativeRuleEngine RULES = rules();

  private static DeclarativeRuleEngine rules() {
    try {
      return DeclarativeRuleEngine.parse("""
          [{"id": "bob-email-city", "eventType": "contact.share", "connectionId": "conn-bob",
            "when": [{"field": "/field", "op": "in", "value": ["email", "city"]}],
            "action": "handle", "handler": "contact-request"},
           {"id": "others-nothing", "eventType": "contact.share", "action": "deny", "reason": "no"}]""");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Gen<JsonNode> fieldLists() {
    Gen<JsonNode> names = oneOf(
        Gens.of("email", "phone", "city", "btc", "", "EMAIL", "email ", "../email", "shared.email")
            .map(s -> (JsonNode) JsonNodeFactory.instance.textNode(s)),
        // any text a JSON event can carry (an unpaired surrogate cannot arrive: the codec refuses it)
        text(20).map(s -> (JsonNode) JsonNodeFactory.instance.textNode(s)),
        anyInt().map(i -> (JsonNode) JsonNodeFactory.instance.numberNode(i)),
        constant((JsonNode) JsonNodeFactory.instance.nullNode()),
        constant((JsonNode) JsonNodeFactory.instance.objectNode().put("field", "email")));
    Gen<JsonNode> lists = lists(names, 0, 40).map(l -> {
      ArrayNode a = JsonNodeFactory.instance.arrayNode();
      l.forEach(a::add);
      return (JsonNode) a;
    });
    return oneOf(lists, names); // sometimes not even a list
  }

  @Test
  void sharesOnlyWhatTheRulesAllow() {
    tries(300).forAll(fieldLists(), booleans()).checkAssert(this::sharesOnlyWhatTheRulesAllowCheck);
  }

  private void sharesOnlyWhatTheRulesAllowCheck(JsonNode fields, boolean fromBob) throws Exception {
    ConnectionId from = fromBob ? BOB : ConnectionId.of("conn-mallory");
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    payload.set("fields", fields);
    InternalEvent request = InternalEvent.builder().type(ContactRequestHandler.REQUEST).connectionId(from)
        .payload(payload).build();
    Ctx ctx = new Ctx(request.eventId(), from);

    new ContactRequestHandler(RULES, f -> Optional.ofNullable(DATA.get(f))).create(ctx).onEvent(request);

    assertThat(ctx.replies).hasSize(1);
    assertThat(ctx.finished).isTrue();
    ObjectNode reply = ctx.replies.get(0);
    Set<String> shared = new HashSet<>();
    reply.path("shared").fieldNames().forEachRemaining(shared::add);
    Set<String> allowed = fromBob ? Set.of("email", "city") : Set.of();
    assertThat(shared).isSubsetOf(allowed);
    shared.forEach(f -> assertThat(reply.path("shared").path(f).asText()).isEqualTo(DATA.get(f)));

    List<String> considered = new ArrayList<>();
    int n = 0;
    for (Iterator<JsonNode> it = fields.elements(); it.hasNext(); ) {
      JsonNode f = it.next();
      if (f.isTextual() && ++n <= 32) {
        considered.add(f.asText());
      }
    }
    List<String> accounted = new ArrayList<>(shared);
    reply.path("withheld").forEach(w -> accounted.add(w.asText()));
    assertThat(new HashSet<>(accounted)).isEqualTo(new HashSet<>(considered));
  }

  @Test
  void aRuleEngineThatDeniesEverythingSharesNothing() {
    tries(50).forAll(fieldLists()).checkAssert(this::aRuleEngineThatDeniesEverythingSharesNothingCheck);
  }

  private void aRuleEngineThatDeniesEverythingSharesNothingCheck(JsonNode fields) throws Exception {
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    payload.set("fields", fields);
    InternalEvent request = InternalEvent.builder().type(ContactRequestHandler.REQUEST).connectionId(BOB)
        .payload(payload).build();
    Ctx ctx = new Ctx(request.eventId(), BOB);
    new ContactRequestHandler(e -> Decision.defaultDeny(), f -> Optional.ofNullable(DATA.get(f)))
        .create(ctx).onEvent(request);
    assertThat(ctx.replies.get(0).path("shared").size()).isZero();
  }

  /** A context that records what the handler asked for. */
  private static final class Ctx implements EventHandlerContext {
    final EventId eventId;
    final ConnectionId connectionId;
    final List<ObjectNode> replies = new ArrayList<>();
    boolean finished;

    Ctx(EventId eventId, ConnectionId connectionId) {
      this.eventId = eventId;
      this.connectionId = connectionId;
    }

    @Override
    public EventId eventId() {
      return eventId;
    }

    @Override
    public ConnectionId connectionId() {
      return connectionId;
    }

    @Override
    public Optional<byte[]> loadState() {
      return Optional.empty();
    }

    @Override
    public void saveState(byte[] state) {}

    @Override
    public void reply(EventType type, ObjectNode payload) {
      assertThat(type).isEqualTo(ContactRequestHandler.RESPONSE);
      replies.add(payload);
    }

    @Override
    public void emit(InternalEvent event) {
      throw new AssertionError("the contact handler emits nothing");
    }

    @Override
    public void finish() {
      finished = true;
    }
  }
}
