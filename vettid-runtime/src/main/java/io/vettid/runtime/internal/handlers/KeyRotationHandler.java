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
 * "<base64 X.509>", "signing": {"keyId", "key"}}}, {@code signing} optional) comes from the peer,
 * authenticated by the envelope's signature with the peer's connection key and by the deposit
 * subject; the handler checks each keyID against its key, seals to the new wrapping key from now
 * on, accepts key blocks signed by the announced signing key (and by the previous one until the
 * peer is seen using the new one), switches to a new NATS user if the peer issued one ({@code
 * "creds": {"jwt", "seed"}}, NKey rotation), and acknowledges with {@code connection.rotate.ack}
 * (sealed to the new key, which proves it works). The ack, back at the rotating side, starts the
 * grace period after which the previous wrapping key is destroyed, and switches its signing to the
 * announced key (its next session's key block).
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

  /**
   * The payload announcing a new wrapping key and a new signing key (which this side uses once
   * the peer acknowledged).
   *
   * @param key the new wrapping key
   * @param signing the new signing key
   * @return the payload
   */
  public static ObjectNode announce(PublicKeyEntry key, PublicKeyEntry signing) {
    ObjectNode a = announce(key);
    a.set("signing", announce(signing));
    return a;
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
      io.vettid.runtime.connection.Link link = connections.link(ctx.connectionId());
      if (event.type().equals(ROTATE)) {
        PublicKeyEntry key = announced(event.payload(), link.suite().wrap());
        com.fasterxml.jackson.databind.JsonNode signing = event.payload().get("signing");
        PublicKeyEntry newSigning = signing == null ? null : announced(signing, link.suite().signature());
        link.peerRotated(key);
        if (newSigning != null) {
          link.peerSigningRotated(newSigning);
        }
        com.fasterxml.jackson.databind.JsonNode creds = event.payload().get("creds");
        if (creds != null) {
          // the peer also issued this side a new NATS user (NKey rotation): deposit with it from now on
          link.peerCredentialsRotated(io.vettid.nats.auth.UserCredentials.of(
              creds.path("jwt").asText(), creds.path("seed").asText().toCharArray()));
        }
        ObjectNode ack = JsonNodeFactory.instance.objectNode().put("keyId", key.keyId().value());
        if (newSigning != null) {
          ack.put("signing", newSigning.keyId().value()); // the peer switches only on this
        }
        ctx.reply(ACK, ack);
      } else {
        link.retireAfter(grace);
        // sign with the announced key from now on, if the peer says it took it
        link.signingAcknowledged(event.payload().path("signing").asText(""));
      }
      ctx.finish();
    };
  }

  /**
   * An announced key, {@code {"keyId", "key": "<base64 X.509>"}}, decoded for its algorithm.
   *
   * @throws java.security.GeneralSecurityException if the key does not decode or its keyID does not match
   */
  static PublicKeyEntry announced(com.fasterxml.jackson.databind.JsonNode n,
      io.vettid.api.spi.KeyAlgorithm algorithm) throws java.security.GeneralSecurityException {
    return PublicKeyEntry.decode(KeyId.of(n.path("keyId").asText()), algorithm,
        Base64.getDecoder().decode(n.path("key").asText()));
  }
}
