package com.example.vettid.ratelimit;

import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.RuleEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Handles the event types it is given, each with its handler, but at most {@code limit} events per
 * connection in any sliding {@code window}; an event over the limit is denied (the runtime
 * quarantines it with {@code DENIED_BY_RULE}). Any other event type is denied too: like every
 * VettID rule engine, no match means deny.
 *
 * <pre>{@code
 * RuleEngine engine = new RateLimitRuleEngine(Map.of(EventType.of("chat.message"), "chat"), 10,
 *     Duration.ofMinutes(1), Clock.systemUTC());
 * }</pre>
 *
 * <p>Thread-safe. It keeps, per connection, the times of the events it let through in the current
 * window (at most {@code limit} each).
 */
public final class RateLimitRuleEngine implements RuleEngine {
  private final Map<EventType, String> handlers;
  private final int limit;
  private final Duration window;
  private final Clock clock;
  private final Map<ConnectionId, Deque<Instant>> recent = new ConcurrentHashMap<>();

  /**
   * Creates the engine.
   *
   * @param handlers the event types it lets through, each with the handler that takes it
   * @param limit events per connection per window, 1..100000
   * @param window the sliding window, 1 second to 1 day
   * @param clock the clock
   */
  public RateLimitRuleEngine(Map<EventType, String> handlers, int limit, Duration window, Clock clock) {
    this.handlers = Map.copyOf(Objects.requireNonNull(handlers, "handlers"));
    if (limit < 1 || limit > 100_000) {
      throw new IllegalArgumentException("limit must be 1..100000, got " + limit);
    }
    Objects.requireNonNull(window, "window");
    if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("window must be 1 s..1 day, got " + window);
    }
    this.limit = limit;
    this.window = window;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Decision evaluate(InternalEvent event) {
    Objects.requireNonNull(event, "event");
    String handler = handlers.get(event.type());
    if (handler == null) {
      return Decision.defaultDeny(); // no rule matches: the SPI's answer (NO_MATCHING_RULE)
    }
    Instant now = clock.instant();
    Deque<Instant> times = recent.computeIfAbsent(event.connectionId(), c -> new ArrayDeque<>());
    synchronized (times) {
      while (!times.isEmpty() && !times.peekFirst().isAfter(now.minus(window))) {
        times.pollFirst();
      }
      if (times.size() >= limit) {
        return Decision.deny("rate-limit", "more than " + limit + " events in " + window + " from this connection");
      }
      times.addLast(now);
    }
    return Decision.handle("rate-limit", handler);
  }
}
