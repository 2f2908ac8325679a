package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.vettid.testkit.NatsServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The watcher's ledger against deliveries that never arrive and deliveries that arrive twice (what a
 * node of a cluster dying with deliveries on their way, or a consumer leader moving, does), on a
 * real nats-server: a delivery the ledger never saw is dropped here by hand, and the consumer's
 * acknowledgement floor must not pass it until its redelivery is settled.
 */
class DepositLedgerTest {
  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().build();

  static Connection nc;
  static JetStreamManagement jsm;
  static int streams;

  @BeforeAll
  static void connect() throws Exception {
    nc = Nats.connect(NATS.options().build());
    jsm = nc.jetStreamManagement();
  }

  @AfterAll
  static void close() throws Exception {
    nc.close();
  }

  private record Setup(String stream, String durable, JetStreamSubscription sub, DepositLedger ledger) {}

  /** A stream of {@code n} deposits and a cumulative consumer with a 1 s acknowledgement wait. */
  private static Setup setup(int n) throws Exception {
    String stream = "Deposits" + (++streams);
    String subject = "d" + streams + ".queue.c";
    jsm.addStream(StreamConfiguration.builder().name(stream).subjects(subject).storageType(StorageType.Memory).build());
    for (int i = 1; i <= n; i++) {
      nc.jetStream().publish(subject, ("deposit " + i).getBytes(StandardCharsets.UTF_8));
    }
    jsm.addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable("W").filterSubject(subject)
        .ackPolicy(AckPolicy.All).ackWait(Duration.ofSeconds(1)).build());
    JetStreamSubscription sub = nc.jetStream().subscribe(subject,
        PullSubscribeOptions.builder().stream(stream).durable("W").bind(true).build());
    return new Setup(stream, "W", sub, new DepositLedger(jsm, stream, 1, (seq, bytes) -> { }));
  }

  private static List<Message> fetch(Setup s, int n) throws Exception {
    List<Message> got = new ArrayList<>();
    for (int i = 0; i < 20 && got.size() < n; i++) {
      got.addAll(s.sub().fetch(n - got.size(), Duration.ofMillis(500)));
    }
    assertThat(got).hasSize(n);
    return got;
  }

  private static long floor(Setup s) throws Exception {
    nc.flush(Duration.ofSeconds(2));
    return jsm.getConsumerInfo(s.stream(), s.durable()).getAckFloor().getStreamSequence();
  }

  private static void take(DepositLedger ledger, Message m) {
    assertThat(ledger.received(m)).as("deposit %d is new", m.metaData().streamSequence()).isTrue();
    ledger.settled(m);
  }

  @Test
  void anAcknowledgementDoesNotCoverADeliveryThatNeverArrived() throws Exception {
    Setup s = setup(5);
    List<Message> first = fetch(s, 5);
    take(s.ledger(), first.get(0));
    // deposits 2 and 3 never arrive (lost with a node); 4 and 5 do
    take(s.ledger(), first.get(3));
    take(s.ledger(), first.get(4));
    s.ledger().acknowledge(true);

    assertThat(s.ledger().lostDeliveries()).isEqualTo(2);
    assertThat(s.ledger().held()).containsExactlyInAnyOrder(2L, 3L);
    assertThat(floor(s)).as("deposit 1, settled before the gap, and no further").isEqualTo(1);

    // the consumer delivers 2 and 3 again after its acknowledgement wait
    List<Message> again = fetch(s, 2);
    assertThat(again).extracting(m -> m.metaData().streamSequence()).containsExactly(2L, 3L);
    again.forEach(m -> take(s.ledger(), m));
    s.ledger().acknowledge(true);

    assertThat(s.ledger().held()).isEmpty();
    assertThat(floor(s)).isEqualTo(5);
  }

  @Test
  void aGapWhoseFirstDeliveryAfterIsARedeliveryHoldsAtTheNextNewDelivery() throws Exception {
    Setup s = setup(4);
    List<Message> first = fetch(s, 2); // deliveries 1, 2: deposits 1, 2
    Message lost = fetch(s, 1).get(0); // delivery 3, deposit 3: never reaches the ledger
    assertThat(lost.metaData().consumerSequence()).isEqualTo(3);
    take(s.ledger(), first.get(0));
    assertThat(s.ledger().received(first.get(1))).isTrue();
    s.ledger().giveBack(first.get(1), null); // deposit 2 comes back at once
    Thread.sleep(200); // the give-back reaches the consumer before the next pull
    List<Message> next = fetch(s, 2); // delivery 4: deposit 2 again; delivery 5: deposit 4
    assertThat(next).extracting(m -> m.metaData().streamSequence()).containsExactly(2L, 4L);
    take(s.ledger(), next.get(0)); // after the gap, a redelivery: what the gap lost is not known yet
    assertThat(s.ledger().held()).isEmpty();
    take(s.ledger(), next.get(1)); // the next new delivery: deposit 3 lies between
    s.ledger().acknowledge(true);

    assertThat(s.ledger().lostDeliveries()).isEqualTo(1);
    assertThat(s.ledger().held()).containsExactly(3L);
    assertThat(floor(s)).as("deposits 1 and 2, settled below the lost deposit 3; 4 waits behind it").isEqualTo(2);
  }

  @Test
  void aSecondDeliveryIsDroppedOrAcknowledgedAgain() throws Exception {
    Setup s = setup(3);
    List<Message> first = fetch(s, 3);
    take(s.ledger(), first.get(0));
    assertThat(s.ledger().received(first.get(1))).isTrue(); // in hand
    assertThat(s.ledger().received(first.get(2))).isTrue(); // in hand
    s.ledger().acknowledge(true);
    assertThat(floor(s)).isEqualTo(1);

    // deposits 2 and 3 delivered again while in hand (their acknowledgement wait ran out): dropped
    List<Message> again = fetch(s, 2);
    assertThat(again).extracting(m -> m.metaData().streamSequence()).containsExactly(2L, 3L);
    again.forEach(m -> assertThat(s.ledger().received(m)).isFalse());
    s.ledger().settled(first.get(1));
    s.ledger().settled(first.get(2));
    s.ledger().acknowledge(true);
    assertThat(floor(s)).isEqualTo(3);

    // deposit 1 delivered again after it was acknowledged (a late copy): acknowledged again, not opened
    assertThat(s.ledger().received(first.get(0))).isFalse();
    assertThat(s.ledger().duplicates()).isEqualTo(3);
    assertThat(s.ledger().lostDeliveries()).isZero();
  }
}
