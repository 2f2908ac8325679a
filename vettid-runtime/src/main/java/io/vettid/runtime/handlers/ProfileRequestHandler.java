package io.vettid.runtime.handlers;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.EventType;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Answers {@code profile.request} with {@code profile.response} carrying the EventSpace's
 * published profile (or {@code {"error":"no-profile"}}), then finishes.
 */
public final class ProfileRequestHandler extends BuiltInHandler {
  /** The request type. */
  public static final EventType REQUEST = EventType.of("profile.request");
  /** The response type. */
  public static final EventType RESPONSE = EventType.of("profile.response");

  private final Supplier<Optional<ObjectNode>> profile;

  /**
   * Creates the handler.
   *
   * @param profile reads the profile to share (for example from the {@code Profiles} bucket)
   */
  public ProfileRequestHandler(Supplier<Optional<ObjectNode>> profile) {
    this.profile = Objects.requireNonNull(profile, "profile");
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
      ObjectNode body = JsonNodeFactory.instance.objectNode();
      profile.get().ifPresentOrElse(p -> body.set("profile", p), () -> body.put("error", "no-profile"));
      ctx.reply(RESPONSE, body);
      ctx.finish();
    };
  }
}
