package io.vettid.runtime.internal.handlers;

import static org.apiguardian.api.API.Status.INTERNAL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.RuleEngine;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apiguardian.api.API;

/**
 * Answers {@code contact.request} ({@code {"fields": ["email", "phone", ...]}}) and asks the
 * rules what to share: for each field it evaluates a {@code contact.share} event ({@code
 * {"field": "email"}}, same connection) and shares the field only if a rule allows it (handle or
 * reply). Every other field, and a field the vault does not have, is withheld. Replies {@code
 * contact.response} with {@code {"shared": {...}, "withheld": [...]}}, then finishes.
 *
 * <pre>{@literal
 * {"id": "share-email-with-bob", "eventType": "contact.share", "connectionId": "conn-bob",
 *  "when": [{"field": "/field", "op": "in", "value": ["email"]}],
 *  "action": "handle", "handler": "contact-request"}
 * }</pre>
 */
@API(status = INTERNAL)
public final class ContactRequestHandler extends BuiltInHandler {
  /** The request type. */
  public static final EventType REQUEST = EventType.of("contact.request");
  /** The response type. */
  public static final EventType RESPONSE = EventType.of("contact.response");
  /** The type of the per-field question asked of the rules. */
  public static final EventType SHARE = EventType.of("contact.share");
  private static final int MAX_FIELDS = 32;

  private final RuleEngine rules;
  private final Function<String, Optional<String>> data;

  /**
   * Creates the handler.
   *
   * @param rules the rules to ask
   * @param data the vault's shareable data by field name
   */
  public ContactRequestHandler(RuleEngine rules, Function<String, Optional<String>> data) {
    this.rules = Objects.requireNonNull(rules, "rules");
    this.data = Objects.requireNonNull(data, "data");
  }

  @Override
  public String name() {
    return "contact-request";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(REQUEST);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> {
      ObjectNode shared = JsonNodeFactory.instance.objectNode();
      ArrayNode withheld = JsonNodeFactory.instance.arrayNode();
      int n = 0;
      for (JsonNode f : event.payload().path("fields")) {
        if (!f.isTextual() || ++n > MAX_FIELDS) {
          continue;
        }
        String field = f.asText();
        InternalEvent question = InternalEvent.builder().type(SHARE).eventId(event.eventId())
            .connectionId(event.connectionId())
            .payload(JsonNodeFactory.instance.objectNode().put("field", field)).build();
        Optional<String> value = rules.evaluate(question).allowsProcessing() ? data.apply(field) : Optional.empty();
        if (value.isPresent()) {
          shared.put(field, value.get());
        } else {
          withheld.add(field);
        }
      }
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      body.set("shared", shared);
      body.set("withheld", withheld);
      ctx.reply(RESPONSE, body);
      ctx.finish();
    };
  }
}
