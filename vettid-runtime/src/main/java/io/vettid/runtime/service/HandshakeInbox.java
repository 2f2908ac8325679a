package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.vettid.api.FailureReason;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a vault's handshake stream ({@code Handshakes_<guid>}, in its deposit account, PROTOCOL.md
 * section 8.5) with a durable pull consumer and hands each message to the vault: an acceptance of
 * one of its invitations, or the confirmation of one of its acceptances. A message the listener
 * refuses is kept in the {@link Quarantine}, as received, with its reason, and counted; either way
 * it is acknowledged only after that, so a vault that stops in between sees it again.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class HandshakeInbox implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HandshakeInbox.class);

  /** What the vault does with a handshake message. */
  @API(status = EXPERIMENTAL, since = "0.1")
  @FunctionalInterface
  public interface Listener {
    /**
     * Takes a handshake message.
     *
     * @param eventSpace the EventSpace of the subject it arrived on
     * @param token the last token of that subject: an invitation's handshake token, or a connection id
     * @param body the message
     * @throws Refused to keep it in the quarantine with a reason
     * @throws Exception on any other failure (kept as {@code MALFORMED})
     */
    void received(String eventSpace, String token, byte[] body) throws Exception;
  }

  /** A handshake message the vault refuses, with the reason it is kept under. */
  @API(status = EXPERIMENTAL, since = "0.1")
  public static final class Refused extends Exception {
    @java.io.Serial private static final long serialVersionUID = 1L;
    /** Why the message is refused, as the quarantine names it. */
    private final FailureReason reason;

    /**
     * A refusal.
     *
     * @param reason why, as the quarantine names it
     * @param detail a short explanation without payload or key material
     */
    public Refused(FailureReason reason, String detail) {
      super(detail);
      this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** {@return the reason} */
    public FailureReason reason() {
      return reason;
    }
  }

  private final Connection nc;
  private final String guid;
  private final Quarantine quarantine;
  private final Listener listener;
  private final JetStreamSubscription subscription;
  private final AtomicBoolean open = new AtomicBoolean(true);
  private final AtomicLong taken = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final Thread thread;

  /**
   * Makes the stream if needed and starts reading it.
   *
   * @param deposits a connection of the vault's deposit account
   * @param subscriberGuid the vault's subscriber guid
   * @param layout the layout of the deposit account's streams
   * @param quarantine where refused messages are kept
   * @param listener what the vault does with each message
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the stream or consumer cannot be made
   */
  public HandshakeInbox(Connection deposits, String subscriberGuid, JetStreamLayout layout, Quarantine quarantine,
      Listener listener) throws IOException, JetStreamApiException {
    this.nc = Objects.requireNonNull(deposits, "deposits");
    this.guid = Objects.requireNonNull(subscriberGuid, "subscriberGuid");
    this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
    this.listener = Objects.requireNonNull(listener, "listener");
    String stream = layout.ensureHandshakes(deposits, subscriberGuid);
    this.subscription = deposits.jetStream().subscribe(Subjects.handshakesOfSubscriber(subscriberGuid),
        PullSubscribeOptions.builder().stream(stream).durable(Subjects.consumer("Handshakes", "inbox"))
            .configuration(ConsumerConfiguration.builder().ackPolicy(AckPolicy.Explicit).ackWait(Duration.ofMinutes(2))
                .maxDeliver(-1).build()).build());
    this.thread = new Thread(this::run, "vettid-handshakes-" + subscriberGuid);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (open.get()) {
      List<Message> batch;
      try {
        batch = subscription.fetch(16, Duration.ofSeconds(1));
      } catch (RuntimeException e) {
        if (open.get()) {
          LOG.debug("handshake fetch failed ({}); trying again", e.getClass().getSimpleName());
          sleep();
        }
        continue;
      }
      for (Message m : batch) {
        settle(m);
      }
    }
  }

  private void settle(Message m) {
    String[] t = m.getSubject().split("\\.");
    String eventSpace = t.length == 5 ? t[2] : "?";
    String token = t.length == 5 ? t[4] : "?";
    try {
      listener.received(eventSpace, token, m.getData());
      taken.incrementAndGet();
    } catch (Refused r) {
      keep(m, r.reason(), r.getMessage());
    } catch (Exception e) {
      keep(m, FailureReason.MALFORMED, e.getClass().getSimpleName() + ": " + String.valueOf(e.getMessage()));
    }
    try {
      m.ack();
    } catch (RuntimeException e) {
      LOG.debug("a handshake message was not acknowledged ({}); it comes again", e.getClass().getSimpleName());
    }
  }

  private void keep(Message m, FailureReason reason, String detail) {
    refused.incrementAndGet();
    LOG.info("a handshake message on {} was refused: {}", m.getSubject(), reason);
    try {
      quarantine.refused("HandshakeInbox", m.getData(), m.getSubject(), reason,
          detail.length() > 200 ? detail.substring(0, 200) : detail,
          "hs-" + guid + "-" + m.metaData().streamSequence());
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("a refused handshake message could not be quarantined ({})", e.getClass().getSimpleName());
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@return messages the vault took} */
  public long taken() {
    return taken.get();
  }

  /** {@return messages the vault refused (quarantined)} */
  public long refused() {
    return refused.get();
  }

  @Override
  public void close() {
    if (open.compareAndSet(true, false)) {
      try {
        thread.join(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        subscription.unsubscribe();
      } catch (RuntimeException e) {
        // the connection is closing
      }
    }
  }
}
