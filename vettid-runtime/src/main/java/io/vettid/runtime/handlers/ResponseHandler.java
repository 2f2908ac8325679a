package io.vettid.runtime.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vettid.api.EventType;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.profile.SignedProfile;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Takes the answers to this vault's own requests ({@code profile.response}, {@code
 * contact.response}): keeps the payload as the handler's state, where the application reads it by
 * eventId from the {@code EventHandlers} bucket, and finishes. A profile is verified first (its
 * signature, schema version and keyID); a tampered or unverifiable profile throws, so the answer is
 * quarantined as {@code HANDLER_FAILED} with the reason in its detail.
 */
public final class ResponseHandler extends BuiltInHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Function<String, Optional<KeyAlgorithm>> algorithms;

  /**
   * Creates the handler.
   *
   * @param algorithms finds a key algorithm by name, to verify profiles
   */
  public ResponseHandler(Function<String, Optional<KeyAlgorithm>> algorithms) {
    this.algorithms = Objects.requireNonNull(algorithms, "algorithms");
  }

  @Override
  public String name() {
    return "responses";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(ProfileRequestHandler.RESPONSE, ContactRequestHandler.RESPONSE);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> {
      JsonNode profile = event.payload().get("profile");
      if (event.type().equals(ProfileRequestHandler.RESPONSE) && profile != null) {
        SignedProfile.parse(JSON.writeValueAsBytes(profile)).verify(algorithms); // throws ProfileException
      }
      ctx.saveState(JSON.writeValueAsBytes(event.payload()));
      ctx.finish();
    };
  }
}
