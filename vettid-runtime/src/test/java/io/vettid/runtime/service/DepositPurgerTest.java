package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamState;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.testkit.NatsServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The deposit purger on a real nats-server (TLS, encrypted store): it removes only what the
 * consumer acknowledged, below its floor, and the duplicate window outlives a purge.
 */
class DepositPurgerTest {
  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest().build();

  private static int spaces;

  /** A fresh EventSpace deposit stream (as the layout makes it), its subject and a durable consumer. */
  private record Space(String stream, String subject, JetStreamSubscription sub) {}

  private static Space space(Connection nc) throws Exception {
    String es = "p" + (++spaces);
    String stream = JetStreamLayout.builder().build().ensureEventSpace(nc, "pg", es);
    String subject = Subjects.deposit("pg", es, ConnectionId.of("conn-a")).value();
    JetStreamSubscription sub = nc.jetStream().subscribe(Subjects.depositsOf("pg", es),
        PullSubscribeOptions.builder().stream(stream).durable(Subjects.consumer("Watcher", es)).build());
    return new Space(stream, subject, sub);
  }

  private static DepositPurger purger(Connection nc, Space s, long every, Duration after) throws Exception {
    return purger(nc, s, every, DepositPurger.EVERY_BYTES, after);
  }

  private static DepositPurger purger(Connection nc, Space s, long every, long everyBytes, Duration after)
      throws Exception {
    return new DepositPurger(nc.jetStreamManagement(), s.stream(), s.sub().getConsumerName(), every, everyBytes, after);
  }

  /** As the watcher does: acknowledge the deposit, tell the purger, let it ask for a purge. */
  private static void acknowledge(DepositPurger purger, Message m) throws Exception {
    m.ackSync(Duration.ofSeconds(5));
    purger.acknowledged(m.metaData().streamSequence(), m.getData().length);
    purger.maybePurge();
  }

  private static StreamState state(Connection nc, String stream) throws Exception {
    return nc.jetStreamManagement().getStreamInfo(stream).getStreamState();
  }

  private static List<Message> publishAndFetch(Connection nc, Space s, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      nc.jetStream().publish(s.subject(), ("deposit " + i).getBytes(StandardCharsets.UTF_8));
    }
    List<Message> got = new ArrayList<>();
    for (int i = 0; i < 10 && got.size() < n; i++) {
      got.addAll(s.sub().fetch(n - got.size(), Duration.ofMillis(500)));
    }
    assertThat(got).hasSize(n);
    return got;
  }

  @Test
  void theLayoutGivesNewDepositStreamsLimitsRetentionAndKeepsAnOldWorkQueue() throws Exception {
    Connection nc = NATS.connect();
    JetStreamLayout layout = JetStreamLayout.builder().build();
    String fresh = layout.ensureEventSpace(nc, "pg", "fresh");
    assertThat(nc.jetStreamManagement().getStreamInfo(fresh).getConfiguration().getRetentionPolicy())
        .isEqualTo(RetentionPolicy.Limits);

    // a deposit stream made by an earlier build, with work-queue retention: ensuring it again keeps it
    JetStreamManagement jsm = nc.jetStreamManagement();
    String old = Subjects.depositStream("pg", "old");
    jsm.addStream(StreamConfiguration.builder().name(old).subjects(Subjects.depositsOf("pg", "old"))
        .retentionPolicy(RetentionPolicy.WorkQueue).build());
    assertThat(layout.ensureEventSpace(nc, "pg", "old")).isEqualTo(old);
    StreamConfiguration config = jsm.getStreamInfo(old).getConfiguration();
    assertThat(config.getRetentionPolicy()).isEqualTo(RetentionPolicy.WorkQueue);
    assertThat(config.getDuplicateWindow()).isEqualTo(layout.duplicateWindow()); // the rest was updated
  }

  @Test
  void purgesOnlyBelowTheAcknowledgementFloor() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc);
    List<Message> got = publishAndFetch(nc, s, 10);
    try (DepositPurger purger = purger(nc, s, 1, Duration.ofHours(1))) {
      assertThat(purger.purgeNow()).as("nothing acknowledged yet").isZero();
      assertThat(state(nc, s.stream()).getMsgCount()).isEqualTo(10);

      for (int i = 0; i < 5; i++) {
        got.get(i).ackSync(Duration.ofSeconds(5));
      }
      assertThat(purger.purgeNow()).isEqualTo(5);
      assertThat(state(nc, s.stream()).getFirstSequence()).isEqualTo(got.get(5).metaData().streamSequence());

      // 6 and 8 acknowledged, 7 not: the floor stops at 6, and 8 stays although it was acknowledged
      got.get(5).ackSync(Duration.ofSeconds(5));
      got.get(7).ackSync(Duration.ofSeconds(5));
      assertThat(purger.purgeNow()).isEqualTo(1);
      assertThat(state(nc, s.stream()).getMsgCount()).isEqualTo(4);

      // 7 given back: it is delivered again and still there to be
      got.get(6).nak();
      Message again = null;
      for (int i = 0; i < 10 && again == null; i++) {
        List<Message> m = s.sub().fetch(1, Duration.ofMillis(500));
        again = m.isEmpty() ? null : m.get(0);
      }
      assertThat(again).isNotNull();
      assertThat(new String(again.getData(), StandardCharsets.UTF_8)).isEqualTo("deposit 6");
      assertThat(purger.purgeNow()).isZero();

      again.ackSync(Duration.ofSeconds(5));
      got.get(8).ackSync(Duration.ofSeconds(5));
      got.get(9).ackSync(Duration.ofSeconds(5));
      assertThat(purger.purgeNow()).isEqualTo(4);
      assertThat(state(nc, s.stream()).getMsgCount()).isZero();
      assertThat(purger.purged()).isEqualTo(10);
    }
  }

  @Test
  void aDepositResentAfterItsPurgeIsStillStoredOnce() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc);
    JetStream js = nc.jetStream();
    Headers h = new Headers().put("Nats-Msg-Id", "event-1");
    js.publish(s.subject(), h, "once".getBytes(StandardCharsets.UTF_8), PublishOptions.builder().build());
    List<Message> got = s.sub().fetch(1, Duration.ofSeconds(2));
    assertThat(got).hasSize(1);
    got.get(0).ackSync(Duration.ofSeconds(5));
    try (DepositPurger purger = purger(nc, s, 1, Duration.ofHours(1))) {
      assertThat(purger.purgeNow()).isEqualTo(1);
    }
    PublishAck resent = js.publish(s.subject(), h, "once".getBytes(StandardCharsets.UTF_8));
    assertThat(resent.isDuplicate()).isTrue();
    assertThat(state(nc, s.stream()).getMsgCount()).isZero();
  }

  @Test
  void asksForAPurgeByCountAndByTimeWithoutWaiting() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc);
    List<Message> got = publishAndFetch(nc, s, 6);
    // by count: after 4 acknowledged deposits
    try (DepositPurger purger = purger(nc, s, 4, Duration.ofHours(1))) {
      for (int i = 0; i < 3; i++) {
        acknowledge(purger, got.get(i));
      }
      Thread.sleep(300);
      assertThat(purger.purged()).as("three acknowledged, fewer than four").isZero();
      acknowledge(purger, got.get(3));
      awaitPurged(purger, 4);
    }
    // by time: one acknowledged deposit, purged once the interval has passed
    try (DepositPurger purger = purger(nc, s, 1000, Duration.ofMillis(200))) {
      acknowledge(purger, got.get(4));
      assertThat(purger.purged()).isZero();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (purger.purged() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
        purger.maybePurge();
      }
      assertThat(purger.purged()).isEqualTo(1);
    }
    // by bytes: a threshold of two deposits' bytes, whatever their count
    int size = got.get(5).getData().length;
    try (DepositPurger purger = purger(nc, s, 1000, 2L * size, Duration.ofHours(1))) {
      acknowledge(purger, got.get(5));
      Thread.sleep(300);
      assertThat(purger.purged()).as("one deposit's bytes, fewer than two").isZero();
    }
    List<Message> more = publishAndFetch(nc, s, 3);
    try (DepositPurger purger = purger(nc, s, 1000, 2L * size, Duration.ofHours(1))) {
      acknowledge(purger, more.get(0));
      acknowledge(purger, more.get(1));
      awaitPurged(purger, 3); // the sixth, acknowledged before, and these two
    }
    assertThat(state(nc, s.stream()).getMsgCount()).as("the unacknowledged last").isEqualTo(1);
  }

  private static void awaitPurged(DepositPurger purger, long n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (purger.purged() < n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(purger.purged()).isEqualTo(n);
  }

  @Test
  void refusesBadArguments() throws Exception {
    Connection nc = NATS.connect();
    Space s = space(nc);
    JetStreamManagement jsm = nc.jetStreamManagement();
    assertThatThrownBy(() -> new DepositPurger(jsm, s.stream(), s.sub().getConsumerName(), 0, 1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("every");
    assertThatThrownBy(() -> new DepositPurger(jsm, s.stream(), s.sub().getConsumerName(), 1, 0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("everyBytes");
    assertThatThrownBy(() -> new DepositPurger(jsm, s.stream(), s.sub().getConsumerName(), 1, 1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after");
    assertThatThrownBy(() -> new DepositPurger(null, s.stream(), s.sub().getConsumerName(), 1, 1, Duration.ofSeconds(1)))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("jsm");
  }
}
