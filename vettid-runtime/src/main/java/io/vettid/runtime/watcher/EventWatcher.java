package io.vettid.runtime.watcher;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.VettidException;
import io.vettid.crypto.envelope.Opener;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one EventSpace's deposit stream with a durable pull consumer. Each deposit (envelope
 * bytes on {@code subscriber.<guid>.<es>.queue.<connectionId>}) is opened by keyID with the
 * {@link Opener}, its Internal Event decoded strictly, and its connection id checked against the
 * subject it arrived on. Then it is published to {@code DataVault.Queue} with {@code Nats-Msg-Id}
 * = eventId. Any failure publishes the deposit <b>as received</b> (still sealed) to {@code
 * DataVault.Quarantine}, with headers {@value #REASON_HEADER} and {@value #SOURCE_HEADER}, and is
 * counted. The deposit is acknowledged only after one of the two publishes was acknowledged;
 * otherwise it is redelivered (at least once; the eventId dedupes).
 *
 * <p>Logs name reasons and subjects, never keys or payloads. Not thread-safe: one thread polls.
 */
public final class EventWatcher {
  /** Header of a quarantined message: the {@link FailureReason}. */
  public static final String REASON_HEADER = "VettID-Reason";
  /** Header of a quarantined message: the subject it was received on. */
  public static final String SOURCE_HEADER = "VettID-Source";

  private static final Logger LOG = LoggerFactory.getLogger(EventWatcher.class);

  private final JetStream js;
  private final Opener opener;
  private final JetStreamSubscription subscription;
  private final String depositPrefix;
  private final AtomicLong forwarded = new AtomicLong();
  private final Map<FailureReason, AtomicLong> quarantined = new EnumMap<>(FailureReason.class);

  /**
   * Creates a watcher and its durable consumer ({@code Watcher_<eventspace>}).
   *
   * @param nc a connection of the owner's account
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace
   * @param opener opens envelopes with the vault's keys
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the consumer cannot be made
   */
  public EventWatcher(Connection nc, String subscriberGuid, String eventSpace, Opener opener)
      throws IOException, JetStreamApiException {
    Objects.requireNonNull(nc, "nc");
    this.opener = Objects.requireNonNull(opener, "opener");
    String deposits = Subjects.depositsOf(subscriberGuid, eventSpace);
    this.depositPrefix = deposits.substring(0, deposits.length() - 1);
    this.js = nc.jetStream();
    this.subscription = js.subscribe(deposits, PullSubscribeOptions.builder()
        .stream(Subjects.depositStream(subscriberGuid, eventSpace))
        .durable(Subjects.consumer("Watcher", eventSpace)).build());
    for (FailureReason r : FailureReason.values()) {
      quarantined.put(r, new AtomicLong());
    }
  }

  /**
   * Fetches and processes up to {@code batch} deposits.
   *
   * @param batch 1..1000
   * @param wait how long to wait for deposits
   * @return how many were processed (forwarded or quarantined)
   * @throws InterruptedException if interrupted
   */
  public int poll(int batch, Duration wait) throws InterruptedException {
    if (batch < 1 || batch > 1000) {
      throw new IllegalArgumentException("batch must be 1..1000, got " + batch);
    }
    List<Message> messages = subscription.fetch(batch, Objects.requireNonNull(wait, "wait"));
    int done = 0;
    for (Message m : messages) {
      if (process(m)) {
        done++;
      }
    }
    return done;
  }

  private boolean process(Message m) throws InterruptedException {
    String subject = m.getSubject();
    try {
      InternalEvent event = open(m);
      PublishAck ack = js.publish(Subjects.DATA_VAULT_QUEUE.value(),
          new Headers().put("Nats-Msg-Id", event.eventId().value()), InternalEventCodec.encode(event));
      if (ack.hasError()) {
        throw new IOException("DataVault.Queue refused the event: " + ack.getError());
      }
      forwarded.incrementAndGet();
    } catch (VettidException e) {
      if (!quarantine(m, e.reason())) {
        return false;
      }
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("could not forward a deposit from {} ({}); it will be redelivered", subject, e.getClass().getSimpleName());
      m.nak();
      return false;
    }
    m.ack();
    return true;
  }

  private InternalEvent open(Message m) throws VettidException {
    String subject = m.getSubject();
    InternalEvent event = InternalEventCodec.decode(opener.open(m.getData(), subject).plaintext());
    String connection = subject.substring(depositPrefix.length());
    if (!event.connectionId().value().equals(connection)) {
      // a connection may only speak for itself
      throw new VettidException(FailureReason.MALFORMED, "the event's connectionId does not match its deposit subject");
    }
    return event;
  }

  private boolean quarantine(Message m, FailureReason reason) {
    try {
      Headers h = new Headers()
          .put(REASON_HEADER, reason.name())
          .put(SOURCE_HEADER, m.getSubject())
          .put("Nats-Msg-Id", "deposit-" + m.metaData().streamSequence() + "-" + m.metaData().getStream());
      js.publish(Subjects.QUARANTINE.value(), h, m.getData());
      quarantined.get(reason).incrementAndGet();
      LOG.info("quarantined a deposit from {}: {}", m.getSubject(), reason);
      return true;
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("could not quarantine a deposit from {} ({}); it will be redelivered", m.getSubject(),
          e.getClass().getSimpleName());
      m.nak();
      return false;
    }
  }

  /** {@return how many events were forwarded to DataVault.Queue} */
  public long forwarded() {
    return forwarded.get();
  }

  /**
   * How many deposits were quarantined for a reason.
   *
   * @param reason the reason
   * @return the count
   */
  public long quarantined(FailureReason reason) {
    return quarantined.get(Objects.requireNonNull(reason, "reason")).get();
  }
}
