package io.vettid.runtime.internal.handlers;

import static org.apiguardian.api.API.Status.INTERNAL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.EventType;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.connection.Link;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moving a connection to another suite, both sides (PROTOCOL.md section 8.4), in three messages so
 * that each side knows the other's new keys before anything sealed with them arrives:
 *
 * <ol>
 *   <li>{@code connection.migrate} {@code {"suite", "wrapping": {"keyId", "key"}, "signing": {"keyId",
 *       "key"}}}: the side that starts announces its keys of the new suite and goes on with the old
 *       one.</li>
 *   <li>{@code connection.migrate.ack}: the peer, if its policy accepts the suite ({@link
 *       Connections#acceptMigrationTo}; none by default), makes its own keys, accepts key blocks
 *       of the new suite from then on, and answers with them (still sealed with the old suite);
 *       otherwise it answers {@code {"suite", "refused": "<reason>"}} and nothing changes.</li>
 *   <li>{@code connection.migrate.done} {@code {"suite"}}: the side that started moves (seals and
 *       signs with the new suite from then on) and says so in an event of its own (a new eventId),
 *       sealed with the new suite; the peer moves on reading it.</li>
 * </ol>
 *
 * <p>Each side keeps its previous wrapping keys and the peer's previous signing key open for what
 * was sealed before the peer moved: until it sees the peer's new signing key plus the grace, and
 * 30 days at most.
 */
@API(status = INTERNAL)
public final class MigrationHandler extends BuiltInHandler {
  /** Announces a migration. */
  public static final EventType MIGRATE = EventType.of("connection.migrate");
  /** Answers it, with the peer's keys or a refusal. */
  public static final EventType ACK = EventType.of("connection.migrate.ack");
  /** Says that the side that started moved. */
  public static final EventType DONE = EventType.of("connection.migrate.done");

  private static final Logger LOG = LoggerFactory.getLogger(MigrationHandler.class);

  private final Connections connections;

  /**
   * Creates the handler.
   *
   * @param connections the vault's connections (their migration policy decides)
   */
  public MigrationHandler(Connections connections) {
    this.connections = Objects.requireNonNull(connections, "connections");
  }

  /**
   * The payload announcing new keys of a suite ({@code connection.migrate}, and the answer).
   *
   * @param keys the keys
   * @return the payload
   */
  public static ObjectNode announce(Link.MigrationKeys keys) {
    ObjectNode a = JsonNodeFactory.instance.objectNode().put("suite", keys.suite().name());
    a.set("wrapping", KeyRotationHandler.announce(keys.wrapping())); // a key as connection.rotate announces one
    a.set("signing", KeyRotationHandler.announce(keys.signing()));
    return a;
  }

  @Override
  public String name() {
    return "connection-migration";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(MIGRATE, ACK, DONE);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> {
      Link link = connections.link(ctx.connectionId());
      JsonNode p = event.payload();
      String name = p.path("suite").asText("");
      Optional<Suite> known = Suites.byName(name);
      if (event.type().equals(MIGRATE)) {
        String refused = known.isEmpty() ? "the suite is not known here"
            : known.get().equals(link.suite()) ? "the connection uses the suite already"
            : !connections.acceptsMigrationTo(known.get()) ? "this side's policy does not accept the suite" : null;
        if (refused != null) {
          LOG.info("connection {}: the peer's migration to {} refused: {}", ctx.connectionId(), name, refused);
          ctx.reply(ACK, JsonNodeFactory.instance.objectNode().put("suite", name).put("refused", refused));
        } else {
          Suite to = known.get();
          Link.MigrationKeys mine = link.peerStartedMigration(to,
              KeyRotationHandler.announced(p.path("wrapping"), to.wrap()),
              KeyRotationHandler.announced(p.path("signing"), to.signature()), connections.migrationKeys());
          ctx.reply(ACK, announce(mine)); // still sealed with the old suite: the peer has no new key of this side
        }
      } else {
        Suite to = known.orElseThrow(() -> new GeneralSecurityException("a migration to an unknown suite"));
        if (event.type().equals(ACK)) {
          if (p.has("refused")) {
            LOG.info("connection {}: the peer refused the migration to {}: {}", ctx.connectionId(), name,
                p.path("refused").asText());
            link.dropMigration(to);
          } else {
            link.peerAcceptedMigration(to, KeyRotationHandler.announced(p.path("wrapping"), to.wrap()),
                KeyRotationHandler.announced(p.path("signing"), to.signature()));
            // an event of its own (a reply would carry the eventId the peer's handler finished on),
            // sealed with the new suite
            connections.send(ctx.connectionId(), DONE, JsonNodeFactory.instance.objectNode().put("suite", to.name()));
          }
        } else {
          link.migrationDone(to);
        }
      }
      ctx.finish();
    };
  }
}
