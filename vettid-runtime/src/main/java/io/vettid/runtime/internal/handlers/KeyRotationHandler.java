package io.vettid.runtime.internal.handlers;

import static org.apiguardian.api.API.Status.INTERNAL;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.EventType;
import io.vettid.api.KeyId;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.runtime.connection.Connections;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;
import org.apiguardian.api.API;

/**
 * Connection key rotation, both sides. {@code connection.rotate} ({@code {"keyId": "...", "key":
 * "<base64 X.509>"}}) comes from the peer, authenticated by the envelope's signature with the
 * peer's connection key and by the deposit subject; the handler checks the keyID against the key,
 * seals to the new key from now on, switches to a new NATS user if the peer issued one ({@code
 * "creds": {"jwt", "seed"}}, NKey rotation), and acknowledges with {@code connection.rotate.ack}
 * (sealed to the new key, which proves it works). The ack, back at the rotating side, starts the grace
 * period after which the previous key is destroyed.
 */
@API(status = INTERNAL)
public final class KeyRotationHandler extends BuiltInHandler {
  /** Announces a new wrapping key. */
  public static final EventType ROTATE = EventType.of("connection.rotate");
  /** Acknowledges it. */
  public static final EventType ACK = EventType.of("connection.rotate.ack");

  private final Connections connections;
  private final Duration grace;

  /**
   * Creates the handler.
   *
   * @param connections the vault's connections
   * @param grace how long a previous key still opens events after the peer acknowledged
   */
  public KeyRotationHandler(Connections connections, Duration grace) {
    this.connections = Objects.requireNonNull(connections, "connections");
    this.grace = Objects.requireNonNull(grace, "grace");
  }

  /**
   * The payload announcing a new key.
   *
   * @param key the new wrapping key
   * @return the payload
   */
  public static ObjectNode announce(PublicKeyEntry key) {
    return JsonNodeFactory.instance.objectNode()
        .put("keyId", key.keyId().value())
        .put("key", Base64.getEncoder().encodeToString(key.key().getEncoded()));
  }

  @Override
  public String name() {
    return "connection-rotation";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(ROTATE, ACK);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> {
      if (event.type().equals(ROTATE)) {
        KeyId claimed = KeyId.of(event.payload().path("keyId").asText());
        byte[] encoded = Base64.getDecoder().decode(event.payload().path("key").asText());
        PublicKeyEntry key = PublicKeyEntry.decode(claimed,
            connections.link(ctx.connectionId()).suite().wrap(), encoded); // throws if the keyID does not match
        connections.link(ctx.connectionId()).peerRotated(key);
        com.fasterxml.jackson.databind.JsonNode creds = event.payload().get("creds");
        if (creds != null) {
          // the peer also issued this side a new NATS user (NKey rotation): deposit with it from now on
          connections.link(ctx.connectionId()).peerCredentialsRotated(io.vettid.nats.auth.UserCredentials.of(
              creds.path("jwt").asText(), creds.path("seed").asText().toCharArray()));
        }
        ctx.reply(ACK, JsonNodeFactory.instance.objectNode().put("keyId", claimed.value()));
      } else {
        connections.link(ctx.connectionId()).retireAfter(grace);
      }
      ctx.finish();
    };
  }
}
