package io.vettid.runtime.service;

import io.vettid.api.EventType;
import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.vettid.api.Decision;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.RuleEngine;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.apiguardian.api.API;

/** Builds an {@link EventService}. */
@API(status = EXPERIMENTAL, since = "0.1")
public final class EventServiceBuilder {
  final Connection nc;
  final String name;
  String queue = Subjects.DATA_VAULT_QUEUE.value();
  String stream = Subjects.DATA_VAULT_STREAM;
  HandlerRegistry handlers = HandlerRegistry.of();
  RuleEngine rules = event -> Decision.defaultDeny();
  ReplyTransport replies = ReplyTransport.NONE;
  RuntimeCounters counters = new RuntimeCounters();
  Quarantine quarantine;
  HeldEvents inbox;
  Duration ackWait = Duration.ofSeconds(60);
  Duration horizon = HandledOnceStore.DEFAULT_HORIZON;

  /** The shortest horizon: JetStream's duplicate window. */
  static final Duration MIN_HORIZON = Duration.ofMinutes(2);
  EventService.Listener listener;
  OwnerFeed feed;
  SupportedTypes supportedTypes;
  EventService.SourceCheck sourceCheck = (subject, event) -> { };

  EventServiceBuilder(Connection nc, String name) {
    this.nc = Objects.requireNonNull(nc, "nc");
    Subjects.consumer(Objects.requireNonNull(name, "name"), "queue"); // validates: Capitalized token
    this.name = name;
  }

  /**
   * The queue to consume (default {@code DataVault.Queue} in stream {@code DataVault}).
   *
   * @param subject the queue subject (internal; the last token may be {@code *})
   * @param stream the stream holding it
   * @return this builder
   */
  public EventServiceBuilder queue(String subject, String stream) {
    Objects.requireNonNull(subject, "subject");
    String[] tokens = subject.split("\\.", -1);
    boolean wildcard = tokens.length > 1 && tokens[tokens.length - 1].equals("*");
    String[] rest = java.util.Arrays.copyOfRange(tokens, 1, tokens.length - (wildcard ? 1 : 0));
    Subjects.internal(tokens[0], rest); // validates every token but a trailing '*'
    this.queue = subject;
    this.stream = Subjects.name(Objects.requireNonNull(stream, "stream"));
    return this;
  }

  /**
   * A check of where an event came from, run after decoding and before the rules (for example:
   * an app may speak only for itself). A {@link VettidException} quarantines the event with its
   * reason.
   *
   * @param check the check
   * @return this builder
   */
  public EventServiceBuilder sourceCheck(EventService.SourceCheck check) {
    this.sourceCheck = Objects.requireNonNull(check, "check");
    return this;
  }

  /**
   * The handlers this service may start (default: none, so every event is refused).
   *
   * @param handlers the registry
   * @return this builder
   */
  public EventServiceBuilder handlers(HandlerRegistry handlers) {
    this.handlers = Objects.requireNonNull(handlers, "handlers");
    return this;
  }

  /**
   * The rule engine (default: deny everything). Usually a {@link RuleStore}; any {@link
   * RuleEngine} from the SPI works.
   *
   * @param rules the engine
   * @return this builder
   */
  public EventServiceBuilder rules(RuleEngine rules) {
    this.rules = Objects.requireNonNull(rules, "rules");
    return this;
  }

  /**
   * How handler replies reach connections (default: no connections).
   *
   * @param replies the transport
   * @return this builder
   */
  public EventServiceBuilder replies(ReplyTransport replies) {
    this.replies = Objects.requireNonNull(replies, "replies");
    return this;
  }

  /**
   * The counters to update (default: the service's own).
   *
   * @param counters the counters
   * @return this builder
   */
  public EventServiceBuilder counters(RuntimeCounters counters) {
    this.counters = Objects.requireNonNull(counters, "counters");
    return this;
  }

  /**
   * The quarantine to write to (default: one on the same connection).
   *
   * @param quarantine the quarantine
   * @return this builder
   */
  public EventServiceBuilder quarantine(Quarantine quarantine) {
    this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
    return this;
  }

  /**
   * Observes every settled event (default: none).
   *
   * @param listener the listener
   * @return this builder
   */
  public EventServiceBuilder listener(EventService.Listener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
    return this;
  }

  /** What each EventSpace lists in its profile, for the events that come through it. */
  @FunctionalInterface
  public interface SupportedTypes {
    /**
     * Whether an EventSpace lists a type.
     *
     * @param eventSpace the EventSpace the event came through
     * @param type the event's type
     * @return whether its profile lists the type; empty when the EventSpace has no profile (then
     *     nothing is enforced)
     */
    Optional<Boolean> lists(String eventSpace, EventType type);
  }

  /**
   * Enforces what each EventSpace's profile lists (default: nothing enforced): an event of a type
   * its EventSpace does not list, which no rule matched, is quarantined as {@code
   * UNSUPPORTED_EVENT_TYPE}.
   *
   * @param supported the EventSpaces' lists
   * @return this builder
   */
  public EventServiceBuilder supportedTypes(SupportedTypes supported) {
    this.supportedTypes = Objects.requireNonNull(supported, "supported");
    return this;
  }

  /**
   * Keeps every handled event, with its payload, in the owner's feed (default: none).
   *
   * @param feed the feed
   * @return this builder
   */
  public EventServiceBuilder feed(OwnerFeed feed) {
    this.feed = Objects.requireNonNull(feed, "feed");
    return this;
  }

  /**
   * The owner's inbox (default: one on the same connection).
   *
   * @param inbox the inbox
   * @return this builder
   */
  public EventServiceBuilder inbox(HeldEvents inbox) {
    this.inbox = Objects.requireNonNull(inbox, "inbox");
    return this;
  }

  /**
   * How long the handled-once record of a finished eventId is kept, counted on the process's
   * monotonic clock from when it was written (from the start for one found at start); default 10
   * minutes. A message delivered again within it is recognised as a duplicate; after it, the
   * record is forgotten and purged, so heap and bucket hold one horizon's events. Never shorter
   * than JetStream's 2-minute duplicate window or four acknowledgement waits: a shorter value is
   * raised to that.
   *
   * @param horizon positive
   * @return this builder
   */
  public EventServiceBuilder handledOnceHorizon(Duration horizon) {
    Objects.requireNonNull(horizon, "horizon");
    if (horizon.isNegative() || horizon.isZero()) {
      throw new IllegalArgumentException("the horizon must be positive, got " + horizon);
    }
    this.horizon = horizon;
    return this;
  }

  /** {@return the horizon in effect: the one set, at least the duplicate window and four ack waits} */
  Duration horizon() {
    Duration floor = ackWait.multipliedBy(4).compareTo(MIN_HORIZON) > 0 ? ackWait.multipliedBy(4) : MIN_HORIZON;
    return horizon.compareTo(floor) > 0 ? horizon : floor;
  }

  /**
   * How long the server waits for an acknowledgement before redelivering (default 60 s; after
   * a crash, events in hand come back after this long). Must exceed every handler's timeout.
   *
   * @param ackWait 1 s .. 1 h
   * @return this builder
   */
  public EventServiceBuilder ackWait(Duration ackWait) {
    Objects.requireNonNull(ackWait, "ackWait");
    if (ackWait.compareTo(Duration.ofSeconds(1)) < 0 || ackWait.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("ackWait must be 1 s .. 1 h, got " + ackWait);
    }
    this.ackWait = ackWait;
    return this;
  }

  /**
   * Creates the service and its durable consumer ({@code <Name>_queue}); call {@link
   * EventService#start()} or {@link EventService#poll}.
   *
   * @return the service
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the consumer or a bucket is missing or refused
   * @throws IllegalArgumentException if a handler's timeout is not shorter than the ack wait
   */
  public EventService build() throws IOException, JetStreamApiException {
    for (EventHandlerFactory f : handlers.all()) {
      if (f.timeout().compareTo(ackWait) >= 0) {
        throw new IllegalArgumentException("handler " + f.name() + "'s timeout " + f.timeout()
            + " must be shorter than the ack wait " + ackWait);
      }
    }
    return new EventService(this);
  }
}
