package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerInfo;
import io.vettid.api.InternalEventBatch;
import io.vettid.api.InternalEventCodec;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.testkit.NatsServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The watcher's cumulative acknowledgements on a real nats-server: one acknowledgement covers every
 * deposit up to its sequence, so it must never cover a deposit not settled. Each test has its own
 * EventSpace; the queue is the vault's, so each reads only its own forwards.
 */
class EventWatcherAcknowledgementTest {
  static final String GUID = EventWatcherTest.GUID;

  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest().build();

  @org.junit.jupiter.api.BeforeAll
  static void keys() throws Exception {
    EventWatcherTest.keys();
  }

  private record Space(String es, String stream, String deposit, String durable, Sealer sealer) {}

  private static Space space(Connection nc, String es) throws Exception {
    JetStreamLayout layout = JetStreamLayout.builder().build();
    layout.ensureVault(nc);
    layout.ensureEventSpace(nc, GUID, es);
    String deposit = Subjects.deposit(GUID, es, EventWatcherTest.BOB).value();
    return new Space(es, Subjects.depositStream(GUID, es), deposit, Subjects.consumer("Watcher", es),
        Sealer.builder(EventWatcherTest.SUITE, EventWatcherTest.bobSigning, EventWatcherTest.aliceWrappingPublic,
            deposit).build());
  }

  private static void deposit(Connection nc, Space s, int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      nc.jetStream().publish(s.deposit(), s.sealer().seal(EventWatcherTest.event(EventWatcherTest.BOB, i)).sealed());
    }
  }

  /**
   * Deposits sealed each in a session of its own (a key block each), so that a watcher with a new
   * opener, as after a restart, opens them.
   */
  private static void depositEachInItsOwnSession(Connection nc, Space s, int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      Sealer own = Sealer.builder(EventWatcherTest.SUITE, EventWatcherTest.bobSigning,
          EventWatcherTest.aliceWrappingPublic, s.deposit()).build();
      nc.jetStream().publish(s.deposit(), own.seal(EventWatcherTest.event(EventWatcherTest.BOB, i)).sealed());
    }
  }

  /** Makes the EventSpace's watcher consumer afresh, as a watcher does at start. */
  private static long ensureConsumer(Connection nc, Space s) throws Exception {
    return EventWatcher.ensureConsumer(nc.jetStreamManagement(), s.stream(), s.durable(),
        Subjects.depositsOf(GUID, s.es()));
  }

  /** A reader of the watcher's consumer other than a watcher (a previous one, dead or hung). */
  private static JetStreamSubscription bind(Connection nc, Space s) throws Exception {
    return nc.jetStream().subscribe(Subjects.depositsOf(GUID, s.es()),
        PullSubscribeOptions.builder().stream(s.stream()).durable(s.durable()).bind(true).build());
  }

  private static ConsumerInfo consumer(Connection nc, Space s) throws Exception {
    return nc.jetStreamManagement().getConsumerInfo(s.stream(), s.durable());
  }

  private static List<Message> fetch(JetStreamSubscription sub, int n) throws Exception {
    List<Message> got = new ArrayList<>();
    for (int i = 0; i < 10 && got.size() < n; i++) {
      got.addAll(sub.fetch(n - got.size(), Duration.ofMillis(300)));
    }
    assertThat(got).hasSize(n);
    return got;
  }

  /**
   * Waits (polling the watcher, whose acknowledgements are not awaited) until the consumer's
   * floor reaches the sequence, and checks it did.
   */
  private static void awaitFloor(Connection nc, Space s, EventWatcher w, long seq) throws Exception {
    awaitFloor(nc, s, seq, Duration.ofSeconds(10), () -> w.poll(10, Duration.ofMillis(100)));
  }

  /** One step between two looks at the floor. */
  private interface Step {
    void run() throws Exception;
  }

  /** Waits until the consumer's floor reaches the sequence (doing the step between looks), and checks it did. */
  private static void awaitFloor(Connection nc, Space s, long seq, Duration within, Step between) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    while (consumer(nc, s).getAckFloor().getStreamSequence() < seq && System.nanoTime() < deadline) {
      between.run();
    }
    assertThat(consumer(nc, s).getAckFloor().getStreamSequence()).isEqualTo(seq);
  }

  /** Polls until the condition holds (at most 20 s). */
  private static void pollUntil(EventWatcher w, BooleanSupplier done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      w.poll(100, Duration.ofMillis(200));
    }
    assertThat(done.getAsBoolean()).as("reached in time").isTrue();
  }

  /** The payload numbers of this EventSpace's forwards on the queue, in queue order. */
  private static List<Integer> forwarded(Connection nc, Space s) throws Exception {
    String prefix = "deposit." + s.stream() + ".";
    JetStreamSubscription sub = nc.jetStream().subscribe(Subjects.DATA_VAULT_QUEUE.value(),
        PullSubscribeOptions.builder().durable("Check").build()); // one consumer: the queue is a work queue
    List<Integer> seen = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      for (Message m : sub.fetch(100, Duration.ofMillis(300))) {
        m.ack();
        if (!m.getHeaders().getFirst("Nats-Msg-Id").startsWith(prefix)) {
          continue;
        }
        List<byte[]> events = m.getHeaders().getFirst(InternalEventBatch.HEADER) == null ? List.of(m.getData())
            : InternalEventBatch.decode(m.getData());
        for (byte[] e : events) {
          seen.add(InternalEventCodec.decode(e).payload().get("n").asInt());
        }
      }
    }
    return seen;
  }

  @Test
  void acknowledgesCumulativelyOnceEverythingIsSettled() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc, "acks");
    deposit(nc, s, 0, 30);
    EventWatcher w = new EventWatcher(nc, nc, GUID, s.es(), EventWatcherTest.opener());
    assertThat(consumer(nc, s).getConsumerConfiguration().getAckPolicy()).isEqualTo(AckPolicy.All);
    pollUntil(w, () -> w.forwarded() == 30);
    // acknowledgements are not awaited: the floor reaches the last deposit, nothing stays pending
    awaitFloor(nc, s, w, 30);
    assertThat(consumer(nc, s).getNumAckPending()).isZero();
    assertThat(forwarded(nc, s)).containsExactlyElementsOf(IntStream.range(0, 30).boxed().toList());
    w.close();
  }

  @Test
  void aPollAcknowledgesItsDepositsInAFewAcknowledgements() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc, "fewacks");
    deposit(nc, s, 0, 300);
    // every acknowledgement the watcher sends, as the server receives it
    Connection spy = NATS.connect();
    io.nats.client.Subscription acks = spy.subscribe("$JS.ACK." + s.stream() + "." + s.durable() + ".>");
    spy.flush(Duration.ofSeconds(2));
    EventWatcher w = new EventWatcher(nc, nc, GUID, s.es(), EventWatcherTest.opener());
    assertThat(w.poll(1000, Duration.ofSeconds(2))).isEqualTo(300);
    awaitFloor(nc, s, w, 300);
    int sent = 0;
    while (acks.nextMessage(Duration.ofMillis(300)) != null) {
      sent++;
    }
    // one every ACK_EVERY settled deposits and one when the poll ends, not one per settled run
    assertThat(sent).isBetween(1, 300 / DepositLedger.ACK_EVERY + 1);
    w.close();
    spy.close();
  }

  @Test
  void aWatcherClosedCleanlyLeavesItsSuccessorOnlyWhatCameAfter() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc, "stopped");
    deposit(nc, s, 0, 5);
    try (EventWatcher w = new EventWatcher(nc, nc, GUID, s.es(), EventWatcherTest.opener())) {
      w.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (w.forwarded() < 5 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(w.forwarded()).isEqualTo(5);
    }
    // the last poll acknowledged what it settled before the watcher stopped (the server applies an
    // acknowledgement it read a moment later)
    awaitFloor(nc, s, 5, Duration.ofSeconds(5), () -> Thread.sleep(10));
    assertThat(consumer(nc, s).getNumAckPending()).isZero();
    // made afresh from the floor: nothing comes twice
    assertThat(ensureConsumer(nc, s)).isEqualTo(6);
    // and again, before it acknowledged anything: still from 6, not from the start of the stream
    assertThat(ensureConsumer(nc, s)).isEqualTo(6);
    EventWatcher next = new EventWatcher(nc, nc, GUID, s.es(), EventWatcherTest.opener());
    depositEachInItsOwnSession(nc, s, 5, 8);
    pollUntil(next, () -> next.forwarded() == 3);
    assertThat(forwarded(nc, s)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7); // each once
    next.close();
  }

  /**
   * Deposits whose new sessions are still being opened hold the cumulative acknowledgement below
   * them, and the server delivers beyond the floor only up to the consumer's limit: with the
   * server's default (1,000) a flood of new sessions stopped every other connection's events for
   * seconds (docs/benchmarks, "The session-open flood"). Fails with the default.
   */
  @Test
  void moreThanAThousandDepositsInHandDoNotStopTheDelivery() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc, "flood");
    ensureConsumer(nc, s);
    assertThat(consumer(nc, s).getConsumerConfiguration().getMaxAckPending()).isEqualTo(EventWatcher.MAX_ACK_PENDING);
    int n = 1_500;
    deposit(nc, s, 0, n);
    JetStreamSubscription reader = bind(nc, s);
    assertThat(fetch(reader, n)).as("delivered, none acknowledged").hasSize(n);
    reader.unsubscribe();
  }

  @Test
  void aPreviousReaderThatHangsIsServedNothingOnceTheNextWatcherStarts() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc, "hung");
    ensureConsumer(nc, s);
    // a reader on another connection that stays subscribed with a pull request waiting, and never reads
    Connection other = NATS.connect();
    JetStreamSubscription hung = bind(other, s);
    hung.pull(100);
    Thread.sleep(200);
    EventWatcher w = new EventWatcher(nc, nc, GUID, s.es(), EventWatcherTest.opener());
    depositEachInItsOwnSession(nc, s, 0, 6);
    pollUntil(w, () -> w.forwarded() == 6);
    awaitFloor(nc, s, w, 6);
    // the consumer it waited on was replaced: it is told so, and served no deposit
    try {
      assertThat(hung.nextMessage(Duration.ofMillis(300))).as("served nothing").isNull();
    } catch (io.nats.client.JetStreamStatusException e) {
      assertThat(e.getMessage()).contains("409");
    }
    assertThat(forwarded(nc, s)).containsExactly(0, 1, 2, 3, 4, 5);
    w.close();
    other.close();
  }

  @Test
  void replacesAConsumerLeftWithDeliveriesNotAcknowledgedAndLosesNone() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc, "crashed");
    depositEachInItsOwnSession(nc, s, 0, 10);
    // a watcher that received all ten, settled the first three and died
    ensureConsumer(nc, s);
    JetStreamSubscription dead = bind(nc, s);
    List<Message> got = fetch(dead, 10);
    got.get(2).ackSync(Duration.ofSeconds(5)); // covers 1..3
    dead.unsubscribe();
    assertThat(consumer(nc, s).getNumAckPending()).isEqualTo(7);

    EventWatcher w = new EventWatcher(nc, nc, GUID, s.es(), EventWatcherTest.opener());
    // replaced: the seven come back at once (not after their acknowledgement wait), in order
    assertThat(consumer(nc, s).getNumAckPending()).isZero();
    pollUntil(w, () -> w.forwarded() == 7);
    assertThat(forwarded(nc, s)).containsExactly(3, 4, 5, 6, 7, 8, 9);
    w.close();
  }

  @Test
  void replacesAnExplicitConsumerOfAnEarlierVersionFromItsFloor() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc, "explicit");
    depositEachInItsOwnSession(nc, s, 0, 6);
    // as an earlier watcher made it: explicit acknowledgements, 1, 2 and 4 acknowledged, 3 and 5 pending
    JetStreamSubscription old = nc.jetStream().subscribe(Subjects.depositsOf(GUID, s.es()),
        PullSubscribeOptions.builder().stream(s.stream()).durable(s.durable()).build());
    List<Message> got = fetch(old, 5);
    for (int i : new int[] {0, 1, 3}) {
      got.get(i).ackSync(Duration.ofSeconds(5));
    }
    old.unsubscribe();
    assertThat(consumer(nc, s).getConsumerConfiguration().getAckPolicy()).isEqualTo(AckPolicy.Explicit);

    EventWatcher w = new EventWatcher(nc, nc, GUID, s.es(), EventWatcherTest.opener());
    assertThat(consumer(nc, s).getConsumerConfiguration().getAckPolicy()).isEqualTo(AckPolicy.All);
    // from the floor (2): 3 and 5 were pending, 6 never delivered; 4 comes again (the service's
    // records meet it as a duplicate)
    pollUntil(w, () -> w.forwarded() == 4);
    assertThat(forwarded(nc, s)).containsExactly(2, 3, 4, 5);
    w.close();
  }

  @Test
  void aFailedForwardHoldsTheAcknowledgementsUntilItsRedeliveryIsSettled() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc, "outage");
    JetStreamManagement jsm = nc.jetStreamManagement();
    EventWatcher w = new EventWatcher(nc, nc, GUID, s.es(), EventWatcherTest.opener());
    deposit(nc, s, 0, 3);
    pollUntil(w, () -> w.forwarded() == 3);
    // the queue is gone: the next forwards fail and their deposits are given back
    jsm.deleteStream(Subjects.DATA_VAULT_STREAM);
    deposit(nc, s, 3, 6);
    pollUntil(w, () -> w.held().containsAll(List.of(4L, 5L, 6L)));
    assertThat(w.forwarded()).isEqualTo(3);
    Thread.sleep(300);
    assertThat(consumer(nc, s).getAckFloor().getStreamSequence()).as("what was settled, and no further")
        .isEqualTo(3);
    // the queue is back: the redeliveries are forwarded, then acknowledged
    JetStreamLayout.builder().build().ensureVault(nc);
    pollUntil(w, () -> w.forwarded() == 6 && w.held().isEmpty());
    awaitFloor(nc, s, w, 6);
    // the new queue has what came after the outage; redeliveries come in no particular order
    assertThat(forwarded(nc, s)).containsExactlyInAnyOrder(3, 4, 5);
    w.close();
  }

  @Test
  void aHeldDepositTheStreamNoLongerHoldsIsReleased() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc, "removed");
    JetStreamManagement jsm = nc.jetStreamManagement();
    deposit(nc, s, 0, 3);
    // deposit 2 was given back and then removed by hand (the server sends no copy of a removed
    // deposit; the test holds it directly instead of racing the server's redelivery)
    assertThat(jsm.deleteMessage(s.stream(), 2)).isTrue();
    EventWatcher w = new EventWatcher(nc, nc, GUID, s.es(), EventWatcherTest.opener());
    w.hold(2);
    pollUntil(w, () -> w.forwarded() == 2);
    Thread.sleep(300);
    assertThat(w.held()).containsExactly(2L);
    assertThat(consumer(nc, s).getAckFloor().getStreamSequence()).as("nothing past the held deposit")
        .isLessThan(2);
    // the check finds it gone and lets the acknowledgements go on
    w.heldCheck(Duration.ofMillis(100));
    Thread.sleep(200);
    awaitFloor(nc, s, w, 3);
    assertThat(w.held()).isEmpty();
    assertThat(forwarded(nc, s)).containsExactly(0, 2);
    w.close();
  }

  @Test
  void aHeldDepositStillStoredStaysHeld() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc, "kept");
    deposit(nc, s, 0, 3);
    EventWatcher w = new EventWatcher(nc, nc, GUID, s.es(), EventWatcherTest.opener());
    w.purgeThresholds(1_000_000, Duration.ofHours(1)); // deposit 2 stays stored
    pollUntil(w, () -> w.forwarded() == 3);
    // held as if given back, though the stream still holds it: the check keeps it
    w.hold(2);
    deposit(nc, s, 3, 4);
    w.heldCheck(Duration.ofMillis(100));
    Thread.sleep(200);
    pollUntil(w, () -> w.forwarded() == 4);
    for (int i = 0; i < 3; i++) {
      Thread.sleep(150);
      w.poll(10, Duration.ofMillis(100));
    }
    assertThat(w.held()).containsExactly(2L);
    assertThat(consumer(nc, s).getAckFloor().getStreamSequence()).as("not past the held deposit").isLessThan(4);
    w.close();
  }
}
