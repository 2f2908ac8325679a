package io.vettid.runtime.internal.handlers;

import static org.apiguardian.api.API.Status.INTERNAL;

import io.vettid.api.EventType;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.runtime.connection.Connections;
import java.util.Objects;
import java.util.Set;
import org.apiguardian.api.API;

/**
 * The peer revoked the connection ({@code connection.revoked}, sent before it destroyed its keys,
 * authenticated like any event by the envelope and the deposit subject): this side forgets the
 * connection too and destroys its keys for it.
 */
@API(status = INTERNAL)
public final class ConnectionRevokedHandler extends BuiltInHandler {
  /** The peer's notice. */
  public static final EventType REVOKED = EventType.of("connection.revoked");

  private final Connections connections;

  /**
   * Creates the handler.
   *
   * @param connections the vault's connections
   */
  public ConnectionRevokedHandler(Connections connections) {
    this.connections = Objects.requireNonNull(connections, "connections");
  }

  @Override
  public String name() {
    return "connection-revoked";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(REVOKED);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> {
      connections.revoke(ctx.connectionId());
      ctx.finish();
    };
  }
}
