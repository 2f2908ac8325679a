package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.EventType;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.Providers;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * The event handler factories a service may start, by name (rules name them) and by the event
 * types they declare. Built from {@link java.util.ServiceLoader} discovery and explicit
 * registration through {@link Providers}, which refuses two factories with one name.
 *
 * <pre>{@code
 * HandlerRegistry handlers = HandlerRegistry.of(Providers
 *     .builder(EventHandlerFactory.class, EventHandlerFactory::name)
 *     .discover().add(new MyHandlerFactory()).build());
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class HandlerRegistry {
  private final Providers<EventHandlerFactory> factories;

  private HandlerRegistry(Providers<EventHandlerFactory> factories) {
    this.factories = factories;
    for (EventHandlerFactory f : factories.all()) {
      if (f.eventTypes() == null || f.eventTypes().isEmpty()) {
        throw new IllegalArgumentException("event handler factory '" + f.name() + "' declares no event types");
      }
      if (f.timeout() == null || f.timeout().isNegative() || f.timeout().isZero()) {
        throw new IllegalArgumentException("event handler factory '" + f.name() + "' has no positive timeout");
      }
    }
  }

  /**
   * Wraps a set of factories.
   *
   * @param factories the factories
   * @return the registry
   * @throws IllegalArgumentException if a factory declares no event type or no positive timeout
   */
  public static HandlerRegistry of(Providers<EventHandlerFactory> factories) {
    return new HandlerRegistry(Objects.requireNonNull(factories, "factories"));
  }

  /**
   * Registers the given factories only.
   *
   * @param factories the factories
   * @return the registry
   */
  public static HandlerRegistry of(EventHandlerFactory... factories) {
    Providers.Builder<EventHandlerFactory> b = Providers.builder(EventHandlerFactory.class, EventHandlerFactory::name);
    for (EventHandlerFactory f : factories) {
      b.add(f);
    }
    return of(b.build());
  }

  /**
   * The factory with a name.
   *
   * @param name the name
   * @return the factory, or empty
   */
  public Optional<EventHandlerFactory> byName(String name) {
    Objects.requireNonNull(name, "name");
    return factories.names().contains(name) ? Optional.of(factories.get(name)) : Optional.empty();
  }

  /**
   * The factories that declare an event type.
   *
   * @param type the type
   * @return the factories, in registration order
   */
  public List<EventHandlerFactory> forType(EventType type) {
    Objects.requireNonNull(type, "type");
    return factories.all().stream().filter(f -> f.eventTypes().contains(type)).toList();
  }

  /** {@return every factory} */
  public List<EventHandlerFactory> all() {
    return factories.all();
  }
}
