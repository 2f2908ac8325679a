package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.testkit.NatsServerExtension;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bounded handled-once state (issue #20, item 2): the records of finished eventIds are found while
 * their horizon lasts (a duplicate is still caught), then forgotten here and purged from the
 * bucket; a handler that has not finished keeps its record; records found at start count from the
 * start, so a restart after a long stop forgets nothing a redelivery still needs.
 */
class HandledOnceExpiryTest {
  @RegisterExtension static final NatsServerExtension NATS = NatsServerExtension.builder().build();
  static Connection nc;
  private static final Duration HORIZON = Duration.ofMinutes(10);
  private static final ConnectionId BOB = ConnectionId.of("bob");

  @BeforeAll
  static void connect() throws Exception {
    nc = NATS.connect();
    JetStreamLayout.builder().build().ensureVault(nc);
  }

  private static HandledOnceRecord record(boolean finished) {
    return new HandledOnceRecord("chat", null, finished, new ArrayDeque<>(List.of("k")), 0);
  }

  private static HandlerKey id() {
    return new HandlerKey(BOB, EventId.random());
  }

  private static List<String> keys(KeyValue kv, String service) throws Exception {
    List<String> out = new ArrayList<>();
    for (String k : kv.keys()) {
      if (k.startsWith(service + ".")) {
        out.add(k);
      }
    }
    return out;
  }

  @Test
  void finishedRecordsAreFoundWithinTheHorizonAndForgottenAfterIt() throws Exception {
    String service = "Expiry1";
    AtomicLong now = new AtomicLong(1_000_000_000L);
    HandledOnceStore store = new HandledOnceStore(nc, service, HORIZON, now::get);
    List<HandlerKey> group = List.of(id(), id(), id());
    List<byte[]> entries = new ArrayList<>();
    for (HandlerKey k : group) {
      entries.add(HandledOnceStore.groupEntry(k, record(true)));
    }
    store.writeGroup(group, entries).get(5, TimeUnit.SECONDS);
    HandlerKey finished = id();
    store.write(finished, record(true)).get(5, TimeUnit.SECONDS);
    HandlerKey living = id();
    store.write(living, record(false)).get(5, TimeUnit.SECONDS);
    store.remember(finished, null); // read back from the bucket, not the cache

    now.addAndGet(HORIZON.minusSeconds(1).toNanos());
    assertThat(store.expire()).as("nothing expires within the horizon").isZero();
    assertThat(store.find(group.get(1))).as("a duplicate within the horizon is caught").isNotNull();
    assertThat(store.find(finished)).isNotNull();
    assertThat(store.indexed()).isEqualTo(5);

    now.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(store.expire()).as("the group record and the finished record").isEqualTo(2);
    assertThat(store.find(group.get(1))).isNull();
    assertThat(store.find(finished)).isNull();
    assertThat(store.find(living)).as("a handler that has not finished keeps its state").isNotNull();
    assertThat(store.indexed()).isEqualTo(1);
    KeyValue kv = nc.keyValue("EventHandlers");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (keys(kv, service).size() > 2 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    // the group's key goes with its whole minute, once the minute and a horizon have passed
    assertThat(keys(kv, service)).as("the finished record purged").hasSize(2)
        .contains(service + ".r." + living.token()).noneMatch(k -> k.contains(".r." + finished.token()));
    now.addAndGet(Duration.ofSeconds(60).toNanos());
    store.expire();
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (keys(kv, service).size() > 1 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(keys(kv, service)).as("purged from the bucket").containsExactly(service + ".r." + living.token());
  }

  @Test
  void recordsFoundAtStartCountFromTheStartAndALivingHandlerIsKept() throws Exception {
    String service = "Expiry2";
    AtomicLong now = new AtomicLong(5_000_000_000L);
    HandledOnceStore before = new HandledOnceStore(nc, service, HORIZON, now::get);
    HandlerKey finished = id();
    HandlerKey living = id();
    HandlerKey grouped = id();
    before.write(finished, record(true)).get(5, TimeUnit.SECONDS);
    before.write(living, record(false)).get(5, TimeUnit.SECONDS);
    before.writeGroup(List.of(grouped), List.of(HandledOnceStore.groupEntry(grouped, record(true))))
        .get(5, TimeUnit.SECONDS);

    // a long stop: the records are older than the horizon by the wall clock, yet a restarted
    // service still meets redeliveries with them until its own horizon passed
    now.addAndGet(Duration.ofDays(3).toNanos());
    HandledOnceStore after = new HandledOnceStore(nc, service, HORIZON, now::get);
    assertThat(after.expire()).isZero();
    assertThat(after.find(finished)).isNotNull();
    assertThat(after.find(grouped)).isNotNull();

    now.addAndGet(HORIZON.plusSeconds(1).toNanos());
    assertThat(after.expire()).as("the finished record and the group record, read to tell").isEqualTo(2);
    assertThat(after.find(finished)).isNull();
    assertThat(after.find(grouped)).isNull();
    assertThat(after.find(living)).isNotNull();
    assertThat(after.expired()).isEqualTo(2);
  }
}
