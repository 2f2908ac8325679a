package io.vettid.runtime.internal.handlers;

import static org.apiguardian.api.API.Status.INTERNAL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.KeyId;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.profile.SignedProfile;
import io.vettid.runtime.connection.Connections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apiguardian.api.API;

/**
 * Takes the answers to this vault's own requests ({@code profile.response}, {@code
 * contact.response}): keeps the payload as the handler's state, where the application reads it by
 * eventId from the {@code EventHandlers} bucket, and finishes. An answer is taken only if this
 * vault sent the matching request on that connection under that eventId ({@link
 * Connections#awaitsAnswer}; {@code UNSOLICITED} otherwise), and a profile only if it verifies
 * (signature, schema version, keyID) <b>and is the connection's peer's</b>, signed by the identity
 * key the handshake established ({@code WRONG_KEY} for anyone else's, {@code BAD_SIGNATURE} or
 * {@code MALFORMED} for a tampered one). The answer is quarantined with that reason.
 */
@API(status = INTERNAL)
public final class ResponseHandler extends BuiltInHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Function<String, Optional<KeyAlgorithm>> algorithms;
  private final Connections connections;

  /**
   * Creates the handler; it registers the request types with the connections, which then
   * remember the requests sent.
   *
   * @param algorithms finds a key algorithm by name, to verify profiles
   * @param connections the vault's connections (the requests sent, the peers' identities)
   */
  public ResponseHandler(Function<String, Optional<KeyAlgorithm>> algorithms, Connections connections) {
    this.algorithms = Objects.requireNonNull(algorithms, "algorithms");
    this.connections = Objects.requireNonNull(connections, "connections");
    connections.expectAnswersTo(ProfileRequestHandler.REQUEST);
    connections.expectAnswersTo(ContactRequestHandler.REQUEST);
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
      boolean isProfile = event.type().equals(ProfileRequestHandler.RESPONSE);
      EventType request = isProfile ? ProfileRequestHandler.REQUEST : ContactRequestHandler.REQUEST;
      if (!connections.awaitsAnswer(ctx.connectionId(), event.eventId(), request)) {
        throw new VettidException(FailureReason.UNSOLICITED, "no " + request.value() + " sent on connection "
            + ctx.connectionId().value() + " under eventId " + event.eventId().value() + " awaits an answer");
      }
      JsonNode profile = event.payload().get("profile");
      if (isProfile && profile != null) {
        KeyId peer = connections.link(ctx.connectionId()).peerIdentity().orElseThrow(() -> new VettidException(
            FailureReason.WRONG_KEY, "connection " + ctx.connectionId().value() + " has no peer identity to check"
                + " the profile against"));
        // throws ProfileException: UNEXPECTED_KEY (WRONG_KEY) for a profile of anyone but the peer
        SignedProfile.parse(JSON.writeValueAsBytes(profile)).verify(algorithms, peer);
      }
      ctx.saveState(JSON.writeValueAsBytes(event.payload()));
      ctx.finish();
    };
  }
}
