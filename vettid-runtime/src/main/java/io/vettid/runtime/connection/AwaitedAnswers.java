package io.vettid.runtime.connection;

import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The requests sent and not yet answered, so that an answer is accepted only to a request this
 * vault sent on that connection under that eventId ({@link io.vettid.api.FailureReason#UNSOLICITED}
 * otherwise). Only the types named with {@link #expect} are remembered, each for {@link
 * Connections#ANSWER_WITHIN}, at most {@value #MAX} at once (the oldest is forgotten past it).
 */
final class AwaitedAnswers {
  /** Most requests awaiting an answer at once. */
  static final int MAX = 16_384;

  private final Clock clock;
  private final Set<EventType> requestTypes = ConcurrentHashMap.newKeySet();
  /** {@code <local>/<eventId>/<type>} to when the request was sent. */
  private final Map<String, Instant> awaiting = Collections.synchronizedMap(
      new LinkedHashMap<>(256, 0.75f, false) {
        @java.io.Serial private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
          return size() > MAX;
        }
      });

  AwaitedAnswers(Clock clock) {
    this.clock = clock;
  }

  /** Remembers every request of this type sent from now on. */
  void expect(EventType request) {
    requestTypes.add(request);
  }

  /** Notes an event being sent, if it is of a type whose answers are expected. */
  void sending(ConnectionId local, EventId eventId, EventType type) {
    if (requestTypes.contains(type)) {
      awaiting.put(key(local, eventId, type), clock.instant());
    }
  }

  /** Whether such a request was sent within {@code within}. */
  boolean awaits(ConnectionId local, EventId eventId, EventType request, Duration within) {
    Instant sent = awaiting.get(key(local, eventId, request));
    return sent != null && clock.instant().isBefore(sent.plus(within));
  }

  private static String key(ConnectionId local, EventId eventId, EventType type) {
    return local.value() + "/" + eventId.value() + "/" + type.value();
  }
}
