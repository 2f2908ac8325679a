package com.example.vettid.poll;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;

/**
 * A poll a connection runs in your vault. All events of one poll share its eventId, so the runtime
 * hands them to one handler, whose state (kept by the runtime, surviving restarts) holds the votes:
 *
 * <ol>
 *   <li>{@code poll.open} {@code {"question": "Lunch?", "options": ["pizza", "sushi"]}};
 *   <li>{@code poll.vote} {@code {"option": "pizza"}}, any number of times;
 *   <li>{@code poll.close}: the handler replies {@code poll.result} {@code {"question", "votes":
 *       {"pizza": 2, "sushi": 1}}}, sealed to the connection, and finishes.
 * </ol>
 *
 * <p>A vote for an option the poll does not have, a vote before the poll is open, or a malformed
 * event is refused with a {@link VettidException}: the runtime quarantines that event with its
 * reason, and the poll goes on. Declare it in {@code META-INF/services} (and {@code provides} in
 * {@code module-info.java}); the owner's rules decide who may use it, for example {@code {"id":
 * "polls", "eventType": "poll.vote", "action": "handle", "handler": "poll"}}.
 */
public final class PollHandler implements EventHandlerFactory {
  /** Opens a poll. */
  public static final EventType OPEN = EventType.of("poll.open");
  /** A vote. */
  public static final EventType VOTE = EventType.of("poll.vote");
  /** Closes it; the result is the reply. */
  public static final EventType CLOSE = EventType.of("poll.close");
  /** The result. */
  public static final EventType RESULT = EventType.of("poll.result");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Creates the factory (ServiceLoader needs a public no-argument constructor). */
  public PollHandler() {}

  @Override
  public String name() {
    return "poll";
  }

  @Override
  public Set<EventType> eventTypes() {
    return Set.of(OPEN, VOTE, CLOSE);
  }

  @Override
  public Duration timeout() {
    return Duration.ofSeconds(2);
  }

  @Override
  public EventHandler create(EventHandlerContext ctx) {
    return event -> {
      ObjectNode poll = ctx.loadState().map(PollHandler::read).orElse(null);
      if (event.type().equals(OPEN)) {
        poll = open(poll, event);
      } else if (poll == null) {
        throw new VettidException(FailureReason.MALFORMED, event.type() + " before poll.open");
      } else if (event.type().equals(VOTE)) {
        vote(poll, event);
      } else {
        ObjectNode result = JSON.createObjectNode().put("question", poll.path("question").asText());
        result.set("votes", poll.path("votes"));
        ctx.reply(RESULT, result);
        ctx.finish();
      }
      ctx.saveState(write(poll));
    };
  }

  private static ObjectNode open(ObjectNode existing, InternalEvent event) throws VettidException {
    if (existing != null) {
      throw new VettidException(FailureReason.MALFORMED, "this poll is open already");
    }
    JsonNode p = event.payload();
    if (!p.path("question").isTextual() || !p.path("options").isArray() || p.path("options").size() < 2
        || p.path("options").size() > 20) {
      throw new VettidException(FailureReason.MALFORMED, "poll.open needs a question and 2-20 options");
    }
    ObjectNode poll = JSON.createObjectNode().put("question", p.path("question").asText());
    ObjectNode votes = poll.putObject("votes");
    for (JsonNode o : p.path("options")) {
      if (!o.isTextual() || o.asText().isEmpty() || o.asText().length() > 64) {
        throw new VettidException(FailureReason.MALFORMED, "poll options are 1-64 characters of text");
      }
      votes.put(o.asText(), 0);
    }
    return poll;
  }

  private static void vote(ObjectNode poll, InternalEvent event) throws VettidException {
    String option = event.payload().path("option").asText("");
    ObjectNode votes = (ObjectNode) poll.path("votes");
    if (!votes.has(option)) {
      // never echo the payload in an error: the runtime keeps the event itself in quarantine
      throw new VettidException(FailureReason.MALFORMED, "a vote for an option this poll does not have");
    }
    votes.put(option, votes.path(option).asInt() + 1);
  }

  private static ObjectNode read(byte[] state) {
    try {
      return (ObjectNode) JSON.readTree(state);
    } catch (IOException | ClassCastException e) {
      throw new IllegalStateException("unreadable poll state", e);
    }
  }

  private static byte[] write(ObjectNode poll) throws VettidException {
    try {
      return JSON.writeValueAsBytes(poll);
    } catch (IOException e) {
      throw new VettidException(FailureReason.HANDLER_FAILED, "cannot write the poll's state", e);
    }
  }
}
