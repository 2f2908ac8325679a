package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventBatch;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.InvalidEventException;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.RuleEngine;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service of the runtime (Manager, Concierge, AppManager): consumes its queue with a durable
 * pull consumer and, for each Internal Event (a message holds one, or several as an {@link
 * InternalEventBatch}: each is settled on its own, and the message is acknowledged once all are),
 *
 * <ol>
 *   <li>decodes it strictly ({@link FailureReason#MALFORMED} otherwise);
 *   <li>skips it if its handler already committed it (a redelivery: each event is handled once);
 *   <li>refuses an event type no handler declares ({@link FailureReason#UNKNOWN_EVENT_TYPE});
 *   <li>asks the {@link RuleEngine}: deny quarantines, drop discards (counted), hold puts it in the
 *       owner's {@link HeldEvents inbox}, handle and reply go on (an approved event skips this
 *       step);
 *   <li>passes it to the handler already running for its eventId, or starts the named one;
 *   <li>runs {@link EventHandler#onEvent} with the factory's timeout; an exception or a timeout
 *       quarantines the event ({@link FailureReason#HANDLER_FAILED}, {@link
 *       FailureReason#HANDLER_TIMEOUT}, or the reason of a {@link VettidException} the handler
 *       threw, such as {@code BAD_SIGNATURE}) and never stops the service;
 *   <li>commits: writes the handler's state, its finished flag, the message's key and its outbox
 *       (replies and emitted events) in one record of the {@code EventHandlers} bucket
 *       (compare-and-set, published asynchronously: writes for different eventIds share round
 *       trips, and are settled as soon as no further message waits), then sends the outbox with
 *       stable {@code Nats-Msg-Id}s, then acknowledges. An eventId handled in one event (no
 *       record before, finished now) is committed instead as an entry of one group record shared
 *       by the events of the same flush (PROTOCOL.md §6.1): one write for many events.
 * </ol>
 *
 * <p>A crash anywhere before the acknowledgement redelivers the message; the record tells a
 * redelivery of a committed message apart, sends its outbox again (kept once by the receiving
 * streams) and skips it, and a message whose commit did not happen runs again from the last
 * committed state. Records are cached, and an index of record keys read at start spares a round
 * trip for every new eventId; group records are read and indexed at start. Run one instance of a
 * service per vault: group records have no compare-and-set per eventId, so two instances that
 * both received a copy of one event could both commit it (eventIds with records of their own stay
 * protected by the compare-and-set). Handler state therefore survives a restart, and an
 * unfinished handler resumes. Every failure is quarantined as received and counted; the runtime
 * logs ids, types and reasons, never payloads or keys.
 *
 * <pre>{@code
 * RuleStore rules = RuleStore.open(nc);
 * EventService manager = EventService.builder(nc, "Manager")
 *     .handlers(HandlerRegistry.of(new ChatHandler(), new ContactRequestHandler(rules, field -> Optional.empty())))
 *     .rules(rules)
 *     .build();
 * manager.start();
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class EventService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventService.class);

  private final String name;
  private final String queue;
  private final Connection nc;
  private final JetStream js;
  private final HandledOnceStore records;
  private final HeldEvents inbox;
  private final Quarantine quarantine;
  private final ReplyTransport replies;
  private final RuntimeCounters counters;
  private final String stream;
  private final String durable;
  private final Listener listener;
  private final OwnerFeed feed;
  private final SourceCheck sourceCheck;
  private final Admission admission;
  private final Commits commits;
  private final HandlerRunner runner;
  private final PollingLoop loop;
  private final Acknowledgements acks = new Acknowledgements();

  EventService(EventServiceBuilder b) throws IOException, JetStreamApiException {
    this.name = b.name;
    this.queue = b.queue;
    this.nc = b.nc;
    this.js = b.nc.jetStream();
    this.records = new HandledOnceStore(b.nc, name, b.horizon(), System::nanoTime);
    this.counters = b.counters;
    this.quarantine = b.quarantine != null ? b.quarantine : new Quarantine(b.nc, counters);
    this.inbox = b.inbox != null ? b.inbox : new HeldEvents(b.nc, quarantine);
    this.replies = b.replies;
    this.listener = b.listener;
    this.feed = b.feed;
    this.sourceCheck = b.sourceCheck;
    this.admission = new Admission(name, b.handlers, b.rules, inbox, counters, b.supportedTypes);
    // created or updated first, so a restart with another ack wait does not fail to bind
    String durable = Subjects.consumer(name, "queue");
    b.nc.jetStreamManagement().addOrUpdateConsumer(b.stream, ConsumerConfiguration.builder()
        .durable(durable)
        .filterSubject(queue)
        .ackPolicy(AckPolicy.Explicit)
        .ackWait(b.ackWait)
        .maxAckPending(1024)
        .build());
    this.stream = b.stream;
    this.durable = durable;
    this.runner = new HandlerRunner(name);
    this.commits = new Commits(name, records, runner, inbox, counters, js, b.replies, new Commits.Settlement() {
      @Override
      public boolean quarantine(Delivery m, InternalEvent event, byte[] data, FailureReason reason, String detail,
          String key) {
        return EventService.this.settle(m, event, data, reason, detail, key);
      }

      @Override
      public void handled(InternalEvent event, String detail) {
        if (feed != null) {
          try {
            feed.add(event);
          } catch (RuntimeException e) {
            LOG.warn("{}: a handled event was not kept in the owner's feed ({})", name, e.getClass().getSimpleName());
          }
        }
        EventService.this.notify(event, Outcome.HANDLED, null, detail);
      }
    });
    this.loop = new PollingLoop("vettid-" + name, this::poll);
  }

  /**
   * Starts a builder.
   *
   * @param nc a connection of the vault's account; the vault layout must exist
   * @param name the service's name, Capitalized: {@code Manager}, {@code Concierge} or {@code
   *     AppManager}
   * @return the builder
   */
  public static EventServiceBuilder builder(Connection nc, String name) {
    return new EventServiceBuilder(nc, name);
  }

  /** {@return the service's name} */
  public String name() {
    return name;
  }

  /** {@return the owner's approval inbox this service holds events in} */
  public HeldEvents inbox() {
    return inbox;
  }

  /** {@return the quarantine this service writes to} */
  public Quarantine quarantine() {
    return quarantine;
  }

  /**
   * Fetches and processes up to {@code batch} events on the calling thread.
   *
   * @param batch 1..1000
   * @param wait how long to wait for events
   * @return how many were settled (handled, held, dropped, skipped or quarantined)
   * @throws InterruptedException if interrupted
   */
  public int poll(int batch, Duration wait) throws InterruptedException {
    if (batch < 1 || batch > 1000) {
      throw new IllegalArgumentException("batch must be 1..1000, got " + batch);
    }
    Objects.requireNonNull(wait, "wait");
    int done = 0;
    // a reader keeps pull requests outstanding (PollingLoop.CONSUME) and each message is
    // processed as it arrives; commits in flight are settled as soon as no further
    // message is waiting (docs/benchmarks/README.md, "Design choices the figures made")
    long deadline = System.nanoTime() + wait.toNanos();
    int received = 0;
    while (received < batch) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      done -= commits.settleReady();
      acks.sendIfDue();
      done -= commits.bound();
      Message m = reader().next(commits.isEmpty() ? Duration.ofNanos(left) : arrivals.nextOrSettle());
      if (m == null) {
        if (commits.isEmpty()) {
          break;
        }
        done -= commits.flush();
        continue;
      }
      arrivals.arrived();
      received++;
      done += process(m);
    }
    done -= commits.flush();
    acks.send();
    records.expire();
    return done;
  }

  private PollingLoop.Reader reader;
  private final PollingLoop.Arrivals arrivals = new PollingLoop.Arrivals();

  private synchronized PollingLoop.Reader reader() {
    if (reader == null) {
      reader = PollingLoop.reader(nc, stream, durable);
    }
    return reader;
  }

  /** Starts polling on a daemon thread until {@link #close()}. */
  public void start() {
    loop.start();
  }

  /**
   * Stops polling, lets the event in hand finish (up to 10 s) and its poll send the acknowledgements
   * waiting, and stops the handler thread.
   */
  @Override
  public void close() {
    loop.stop();
    PollingLoop.flushQuietly(nc, name);
    synchronized (this) {
      if (reader != null) {
        reader.close();
      }
    }
    runner.close();
  }

  // ---------------------------------------------------------------- processing

  /** Processes one message of the queue; returns how many of its events were settled. */
  private int process(Message m) throws InterruptedException {
    long start = System.nanoTime();
    byte[] data = m.getData() == null ? new byte[0] : m.getData();
    String seqId = "seq-" + m.metaData().streamSequence() + "-" + m.metaData().getStream();
    String approved = header(m, HeldEvents.APPROVED_HEADER);
    String count = header(m, InternalEventBatch.HEADER);
    String eventSpace = header(m, EventWatcher.EVENTSPACE_HEADER);
    List<HandlerJob> jobs = new ArrayList<>();
    if (count == null) {
      int done = admit(new Delivery(m, 1, start, acks), data, seqId, approved, eventSpace, jobs);
      return done + runner.run(jobs, this::commit);
    }
    List<byte[]> events;
    try {
      events = InternalEventBatch.decode(data);
      if (!count.equals(Integer.toString(events.size()))) {
        throw new InvalidEventException(null, "its header says " + count + " events, it holds " + events.size());
      }
      if (approved != null) {
        throw new InvalidEventException(null, "a batch cannot carry an approval mark");
      }
    } catch (InvalidEventException e) {
      counters.received();
      return settle(new Delivery(m, 1, start, acks), null, data, FailureReason.MALFORMED,
          "not a valid batch: " + e.getMessage(), seqId) ? 1 : 0;
    }
    Delivery d = new Delivery(m, events.size(), start, acks);
    int done = 0;
    for (int i = 0; i < events.size(); i++) {
      done += admit(d, events.get(i), seqId + "-" + (i + 1), null, eventSpace, jobs);
    }
    return done + runner.run(jobs, this::commit);
  }

  /**
   * Decodes and checks one event; one that goes on to its handler joins {@code jobs} (run
   * together, on one hop to the handler thread, by {@link HandlerRunner#run}).
   *
   * @return how many events were settled meanwhile: this one if it was settled here, and those of
   *     the jobs run first when this event's eventId was among them
   */
  private int admit(Delivery m, byte[] data, String seqId, String approved, String eventSpace, List<HandlerJob> jobs)
      throws InterruptedException {
    counters.received();
    InternalEvent event;
    try {
      event = InternalEventCodec.decode(data);
    } catch (InvalidEventException e) {
      return settle(m, null, data, FailureReason.MALFORMED, "not a valid Internal Event", seqId) ? 1 : 0;
    }
    String key = MessageKeys.of(event.eventId(), data);
    int done = 0;
    for (HandlerJob j : jobs) {
      if (HandlerKey.of(j.event).equals(HandlerKey.of(event))) {
        done += runner.run(jobs, this::commit); // the eventId's last event must be committed before its record is used again
        break;
      }
    }
    if (commits.holds(HandlerKey.of(event))) {
      done -= commits.flush(); // the eventId's last commit must be settled before its record is used again
    }
    try {
      sourceCheck.check(m.subject(), event);
    } catch (VettidException e) {
      return done + (settle(m, event, data, e.reason(), e.getMessage(), key) ? 1 : 0);
    } catch (RuntimeException e) {
      return done + (settle(m, event, data, FailureReason.MALFORMED, "source check failed: "
          + e.getClass().getSimpleName(), key) ? 1 : 0);
    }
    return done + (admit(m, data, event, key, approved, eventSpace, jobs) ? 1 : 0);
  }

  /**
   * Finds the eventId's record (from the cache, or from the bucket when the index says one exists:
   * a new eventId costs no round trip), asks the {@link Admission} what becomes of the event and
   * carries its verdict out; an event for a handler joins {@code jobs}.
   *
   * @return true if the event was settled here, false if it joined the jobs or was nak'ed
   */
  private boolean admit(Delivery m, byte[] data, InternalEvent event, String key, String approved,
      String eventSpace, List<HandlerJob> jobs) throws InterruptedException {
    try {
      HandledOnceRecord rec = records.find(HandlerKey.of(event));
      Admission.Verdict verdict = admission.decide(event, key, approved, rec, eventSpace);
      if (verdict instanceof Admission.Run run) {
        HandlerJob job = new HandlerJob(m, data, event, key, approved, run.factory(), rec);
        HandlerRunner.Run created = runner.prepare(job);
        if (created != null) {
          return settle(m, event, data, created.failure(), created.detail(), key);
        }
        jobs.add(job);
        return false; // settled when the job has run (HandlerRunner.run)
      }
      if (verdict instanceof Admission.Duplicate) {
        // committed before: finish what the commit may not have (its outbox), then acknowledge
        try {
          commits.sendOutbox(event, rec, key);
        } catch (VettidException e) {
          return settle(m, event, data, e.reason(), "handled, but its reply failed: " + e.getMessage(), key);
        }
        counters.duplicate();
        m.ok();
        notify(event, Outcome.DUPLICATE, null, "already handled");
        return true;
      }
      if (verdict instanceof Admission.Drop drop) {
        counters.dropped();
        LOG.debug("{}: dropped {} ({})", name, event.eventId(), drop.reason());
        m.ok();
        notify(event, Outcome.DROPPED, null, drop.reason());
        return true;
      }
      if (verdict instanceof Admission.Hold hold) {
        inbox.hold(key, queue, hold.ruleId(), data);
        counters.held();
        LOG.info("{}: held {} {} for the owner ({})", name, event.type(), event.eventId(), hold.reason());
        m.ok();
        notify(event, Outcome.HELD, null, hold.reason() + "; inbox id " + key);
        return true;
      }
      Admission.Quarantine q = (Admission.Quarantine) verdict;
      return settle(m, event, data, q.reason(), q.detail(), key);
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      return redeliver(m, event, e);
    }
  }

  /** Commits one job whose handler ran ({@link Commits#add}), or quarantines it if the handler failed. */
  private boolean commit(HandlerJob job, HandlerRunner.Run run) throws InterruptedException {
    Delivery m = job.m;
    InternalEvent event = job.event;
    try {
      if (run.failure() != null) {
        runner.forget(HandlerKey.of(event));
        return settle(m, event, job.data, run.failure(), run.detail(), job.key);
      }
      commits.add(job, run.ctx());
      return true;
    } catch (IOException | RuntimeException e) {
      return redeliver(m, event, e);
    }
  }

  /** An event that could not be settled for a reason of the runtime's (not the event's): it comes back. */
  private boolean redeliver(Delivery m, InternalEvent event, Exception e) {
    runner.forget(HandlerKey.of(event));
    LOG.warn("{}: could not settle {} {} ({}: {}); it will be redelivered", name, event.type(), event.eventId(),
        e.getClass().getSimpleName(), e.getMessage());
    m.fail();
    return false;
  }

  /** Quarantines and acknowledges; on a quarantine failure, naks (redelivered later). */
  private boolean settle(Delivery m, InternalEvent event, byte[] data, FailureReason reason, String detail,
      String dedupeId) {
    try {
      quarantine.put(data, m.subject(), event == null ? null : event.connectionId(), reason, detail, dedupeId);
      m.ok();
      notify(event, Outcome.QUARANTINED, reason, detail);
      return true;
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("{}: could not quarantine an event ({}); it will be redelivered", name, e.getClass().getSimpleName());
      m.fail();
      return false;
    }
  }

  private void notify(InternalEvent event, Outcome outcome, FailureReason reason, String detail) {
    if (listener == null) {
      return;
    }
    try {
      listener.settled(new Settled(name, event == null ? null : event.type(), event == null ? null : event.eventId(),
          event == null ? null : event.connectionId(), outcome, reason, detail));
    } catch (RuntimeException e) {
      LOG.warn("{}: a listener failed ({})", name, e.getClass().getSimpleName());
    }
  }

  /** How an event was settled. */
  public enum Outcome {
    /** A handler processed it and the runtime committed the result. */
    HANDLED,
    /** A rule held it for the owner's approval. */
    HELD,
    /** A rule dropped it. */
    DROPPED,
    /** It was a redelivery of an event already handled. */
    DUPLICATE,
    /** It failed a check and was quarantined. */
    QUARANTINED
  }

  /**
   * One settled event, as a listener sees it: ids, type and outcome, never the payload.
   *
   * @param service the service
   * @param type the event type (null when the bytes were not an event)
   * @param eventId the eventId (null when the bytes were not an event)
   * @param connectionId the connection (null when the bytes were not an event)
   * @param outcome the outcome
   * @param reason the quarantine reason, or null
   * @param detail a short explanation
   */
  public record Settled(String service, EventType type, EventId eventId, ConnectionId connectionId, Outcome outcome,
      FailureReason reason, String detail) {}

  /** Checks where an event came from; see {@link EventServiceBuilder#sourceCheck}. */
  @FunctionalInterface
  public interface SourceCheck {
    /**
     * Checks one event.
     *
     * @param subject the subject it arrived on
     * @param event the decoded event
     * @throws VettidException to refuse it, with the reason it is quarantined for
     */
    void check(String subject, InternalEvent event) throws VettidException;
  }

  /** Observes settled events (for transcripts, {@code events tail}, metrics). */
  @FunctionalInterface
  public interface Listener {
    /**
     * Called on the service's thread after an event was settled; keep it short, it must not throw.
     *
     * @param settled what happened
     */
    void settled(Settled settled);
  }

  private static String header(Message m, String name) {
    Headers h = m.getHeaders();
    return h == null ? null : h.getFirst(name);
  }
}
