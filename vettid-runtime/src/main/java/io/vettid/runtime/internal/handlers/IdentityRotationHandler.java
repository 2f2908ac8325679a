package io.vettid.runtime.internal.handlers;

import static org.apiguardian.api.API.Status.INTERNAL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.KeyId;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.profile.IdentityChain;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.connection.Link;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apiguardian.api.API;

/**
 * Identity key rotation, both sides. {@code identity.rotate} ({@code {"chain": [<rotation>,
 * ...]}}, an {@link IdentityChain} from the key this side pins for the peer) comes from the peer,
 * authenticated by the envelope's signature with the peer's connection key and by the deposit
 * subject; the handler follows the chain from the pinned key ({@link IdentityChain#verify}: every
 * rotation signed by the key it replaces and by the new key), pins the newest key (the peer's
 * profiles must be signed by it from now on, the older key's are refused as {@code WRONG_KEY}),
 * and acknowledges with {@code identity.rotate.ack} ({@code {"identity": "<keyID now pinned>"}}).
 * A chain that does not lead from the pinned key, or that does not verify, is quarantined with
 * the reason ({@code WRONG_KEY}, {@code BAD_SIGNATURE}, {@code MALFORMED}) and nothing changes.
 * The acknowledgement, back at the rotating side, records which key the peer pins.
 */
@API(status = INTERNAL)
public final class IdentityRotationHandler extends BuiltInHandler {
  /** Tells the peer of identity rotations. */
  public static final EventType ROTATE = EventType.of("identity.rotate");
  /** Acknowledges them. */
  public static final EventType ACK = EventType.of("identity.rotate.ack");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Function<String, Optional<KeyAlgorithm>> algorithms;
  private final Connections connections;

  /**
   * Creates the handler.
   *
   * @param algorithms finds a key algorithm by name, to verify the rotations
   * @param connections the vault's connections (the peers' pinned identities)
   */
  public IdentityRotationHandler(Function<String, Optional<KeyAlgorithm>> algorithms, Connections connections) {
    this.algorithms = Objects.requireNonNull(algorithms, "algorithms");
    this.connections = Objects.requireNonNull(connections, "connections");
  }

  /**
   * The payload telling a peer of rotations.
   *
   * @param since the rotations from the key the peer pins
   * @return the payload
   */
  public static ObjectNode announce(IdentityChain since) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    try {
      n.set("chain", JSON.readTree(since.bytes()));
    } catch (IOException e) {
      throw new IllegalStateException("a chain's own encoding does not read back", e);
    }
    return n;
  }

  @Override
  public String name() {
    return "identity-rotation";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(ROTATE, ACK);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> {
      if (event.type().equals(ROTATE)) {
        Link link = connections.link(ctx.connectionId());
        KeyId pinned = link.peerIdentity().orElseThrow(() -> new VettidException(FailureReason.WRONG_KEY,
            "connection " + ctx.connectionId().value() + " pins no identity for its peer to follow"));
        JsonNode chain = event.payload().get("chain");
        if (chain == null || !chain.isArray()) {
          throw new VettidException(FailureReason.MALFORMED, "identity.rotate carries no 'chain' array");
        }
        // ProfileException: UNEXPECTED_KEY (WRONG_KEY) if it does not lead from the pinned key, BAD_SIGNATURE, ...
        KeyId newest = IdentityChain.parse(JSON.writeValueAsBytes(chain)).verify(pinned, algorithms);
        link.peerIdentityRotated(newest);
        ctx.reply(ACK, JsonNodeFactory.instance.objectNode().put("identity", newest.value()));
      } else {
        String pinned = event.payload().path("identity").asText("");
        if (pinned.isEmpty()) {
          throw new VettidException(FailureReason.MALFORMED, "identity.rotate.ack names no 'identity'");
        }
        KeyId key;
        try {
          key = KeyId.of(pinned);
        } catch (IllegalArgumentException e) {
          throw new VettidException(FailureReason.MALFORMED, "identity.rotate.ack names no keyID");
        }
        connections.identityAcknowledged(ctx.connectionId(), key);
      }
      ctx.finish();
    };
  }
}
