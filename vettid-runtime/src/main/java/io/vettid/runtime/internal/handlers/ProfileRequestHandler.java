package io.vettid.runtime.internal.handlers;

import static org.apiguardian.api.API.Status.INTERNAL;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.EventType;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apiguardian.api.API;

/**
 * Answers {@code profile.request} ({@code {"eventSpace": "home"}}, default {@code home}) with
 * {@code profile.response} carrying that EventSpace's signed profile ({@code {"profile": <signed
 * profile JSON>}}) or {@code {"error": "no-profile"}}, then finishes. The requester verifies the
 * signature ({@link ResponseHandler}).
 */
@API(status = INTERNAL)
public final class ProfileRequestHandler extends BuiltInHandler {
  /** The request type. */
  public static final EventType REQUEST = EventType.of("profile.request");
  /** The response type. */
  public static final EventType RESPONSE = EventType.of("profile.response");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ES = Pattern.compile("[a-z0-9_-]{1,64}");

  private final Function<String, Optional<byte[]>> profiles;

  /**
   * Creates the handler.
   *
   * @param profiles reads an EventSpace's signed profile bytes (for example from the {@code Profiles} bucket)
   */
  public ProfileRequestHandler(Function<String, Optional<byte[]>> profiles) {
    this.profiles = Objects.requireNonNull(profiles, "profiles");
  }

  @Override
  public String name() {
    return "profile-request";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(REQUEST);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> {
      String es = event.payload().path("eventSpace").asText("home");
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      Optional<byte[]> signed = ES.matcher(es).matches() ? profiles.apply(es) : Optional.empty();
      if (signed.isPresent()) {
        body.set("profile", JSON.readTree(signed.get()));
      } else {
        body.put("error", "no-profile");
      }
      ctx.reply(RESPONSE, body);
      ctx.finish();
    };
  }
}
