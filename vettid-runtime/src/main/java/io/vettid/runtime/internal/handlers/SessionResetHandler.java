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
 * The peer lost its session keys (it restarted; sessions live in memory) and asks for a new
 * session ({@code session.reset}): the next event this side sends it starts a new session with a
 * key block. Events it sent meanwhile on the old session are quarantined there as {@code
 * UNKNOWN_SESSION}, kept and counted.
 */
@API(status = INTERNAL)
public final class SessionResetHandler extends BuiltInHandler {
  /** The peer's request. */
  public static final EventType RESET = EventType.of("session.reset");

  private final Connections connections;

  /**
   * Creates the handler.
   *
   * @param connections the vault's connections
   */
  public SessionResetHandler(Connections connections) {
    this.connections = Objects.requireNonNull(connections, "connections");
  }

  @Override
  public String name() {
    return "session-reset";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(RESET);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> {
      connections.link(ctx.connectionId()).newSession();
      ctx.finish();
    };
  }
}
