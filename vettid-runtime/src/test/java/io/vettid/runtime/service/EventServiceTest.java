package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventBatch;
import io.vettid.api.InternalEventCodec;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.rules.RuleValidationException;
import io.vettid.testkit.NatsServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The service loop on a real nats-server (TLS, store encrypted): one server per test. */
class EventServiceTest {
  @RegisterExtension final NatsServerExtension nats = NatsServerExtension.builder().tls().encryptedAtRest().build();

  private static final ConnectionId BOB = ConnectionId.of("conn-bob");

  private Connection nc;
  private RuleStore rules;
  private RuntimeCounters counters;
  private TestHandlers.Recorder recorder;
  private final List<String> replies = new CopyOnWriteArrayList<>();
  private EventService service;

  @BeforeEach
  void setUp() throws Exception {
    nc = nats.connect();
    JetStreamLayout.builder().build().ensureVault(nc);
    rules = RuleStore.open(nc);
    rules.awaitRevision(rules.put(TestHandlers.rules()), Duration.ofSeconds(5));
    counters = new RuntimeCounters();
    recorder = new TestHandlers.Recorder();
    service = newService();
  }

  private EventService newService() throws Exception {
    return EventService.builder(nc, "Manager")
        .handlers(HandlerRegistry.of(recorder))
        .rules(rules)
        .counters(counters)
        .replies((conn, type, id, payload, dedupe) -> replies.add(conn.value() + " " + type + " " + id + " "
            + payload.path("n").asText() + " " + dedupe))
        .ackWait(Duration.ofSeconds(2))
        .build();
  }

  @AfterEach
  void tearDown() {
    service.close();
    rules.close();
  }

  private InternalEvent event(EventType type, EventId id, Object n) {
    ObjectNode p = JsonNodeFactory.instance.objectNode().put("n", String.valueOf(n));
    return InternalEvent.builder().type(type).eventId(id).connectionId(BOB).payload(p).build();
  }

  private void publish(InternalEvent e) throws Exception {
    nc.jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(), InternalEventCodec.encode(e));
  }

  private void drain(int expected) throws Exception {
    int settled = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (settled < expected && System.nanoTime() < deadline) {
      settled += service.poll(100, Duration.ofMillis(200));
    }
    assertThat(settled).as("events settled").isEqualTo(expected);
  }

  /** The committed state of an eventId: its own record, or its entry in a group record. */
  private String state(EventId id) throws Exception {
    com.fasterxml.jackson.databind.JsonNode rec = record(id);
    assertThat(rec).as("handler record of %s", id).isNotNull();
    return new String(java.util.Base64.getDecoder().decode(rec.path("state").asText()), StandardCharsets.UTF_8);
  }

  private com.fasterxml.jackson.databind.JsonNode record(EventId id) throws Exception {
    KeyValue kv = nc.keyValue("EventHandlers");
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    KeyValueEntry e = kv.get("Manager.r." + BOB.value() + "." + id.value());
    if (e != null) {
      return json.readTree(e.getValue());
    }
    for (String k : kv.keys("Manager.g.>")) {
      for (com.fasterxml.jackson.databind.JsonNode x : json.readTree(kv.get(k).getValue()).path("entries")) {
        if (x.path("eventId").asText().equals(id.value()) && x.path("connectionId").asText().equals(BOB.value())) {
          return x;
        }
      }
    }
    return null;
  }

  /**
   * Low item of the review: handler state was keyed by eventId alone, so another connection that
   * chose the same eventId reached this connection's handler, wrote into its state and could
   * finish it.
   */
  @Test
  void anotherConnectionsEventWithTheSameEventIdGetsItsOwnHandlerAndState() throws Exception {
    EventId shared = EventId.random();
    ConnectionId mallory = ConnectionId.of("conn-mallory");
    publish(event(TestHandlers.COUNT, shared, 1));
    publish(InternalEvent.builder().type(TestHandlers.DONE).eventId(shared).connectionId(mallory)
        .payload(JsonNodeFactory.instance.objectNode().put("n", "666")).build());
    publish(event(TestHandlers.COUNT, shared, 2));
    drain(3);

    assertThat(state(shared)).as("bob's state").isEqualTo("1,2");
    assertThat(recorder.created.get()).as("one handler per connection and eventId").isEqualTo(2);
    assertThat(counters.snapshot().handled()).isEqualTo(3);
    assertThat(counters.snapshot().quarantinedTotal()).as("bob's handler was not finished by mallory").isZero();
  }

  @Test
  void eventsOfOneEventIdReachOneHandlerInOrderAndItsStateIsKept() throws Exception {
    EventId a = EventId.random();
    EventId b = EventId.random();
    for (int i = 1; i <= 3; i++) {
      publish(event(TestHandlers.COUNT, a, i));
      publish(event(TestHandlers.COUNT, b, 10 + i));
    }
    drain(6);
    assertThat(state(a)).isEqualTo("1,2,3");
    assertThat(state(b)).isEqualTo("11,12,13");
    assertThat(recorder.created.get()).as("one handler per eventId").isEqualTo(2);
    assertThat(counters.snapshot().handled()).isEqualTo(6);
    assertThat(counters.snapshot().quarantinedTotal()).isZero();
  }

  @Test
  void aPollSendsTheAcknowledgementsOfWhatItSettledBeforeItEnds() throws Exception {
    for (int i = 1; i <= 5; i++) {
      publish(event(TestHandlers.COUNT, EventId.random(), i));
    }
    drain(5);
    // the acknowledgements wait and go out together, at the latest when the poll ends: within the
    // 2 s acknowledgement wait nothing stays pending and nothing is delivered again
    io.nats.client.api.ConsumerInfo info = nc.jetStreamManagement().getConsumerInfo(Subjects.DATA_VAULT_STREAM,
        Subjects.consumer("Manager", "queue"));
    long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
    while (info.getNumAckPending() > 0 && System.nanoTime() < until) {
      Thread.sleep(10);
      info = nc.jetStreamManagement().getConsumerInfo(Subjects.DATA_VAULT_STREAM, Subjects.consumer("Manager", "queue"));
    }
    assertThat(info.getNumAckPending()).isZero();
    assertThat(info.getAckFloor().getStreamSequence()).isEqualTo(info.getDelivered().getStreamSequence());
    assertThat(info.getRedelivered()).isZero();
  }

  @Test
  void aRestartedServiceResumesTheHandlerFromItsSavedState() throws Exception {
    EventId a = EventId.random();
    publish(event(TestHandlers.COUNT, a, 1));
    drain(1);
    service.close();
    service = newService();
    publish(event(TestHandlers.COUNT, a, 2));
    drain(1);
    assertThat(state(a)).isEqualTo("1,2");
    assertThat(recorder.created.get()).as("a new handler instance after the restart").isEqualTo(2);
  }

  /**
   * A consumer's waiting pull requests live in the server's memory, so a server that restarts (or,
   * on a cluster, a consumer leader that moves) forgets them. The reader the service used before
   * (jnats' {@code JetStreamReader}, whose pull requests never expire) then waited for ever, with no
   * error; the service's pull requests now expire and ask for heartbeats, so it takes events again.
   */
  @Test
  void theServiceTakesEventsAgainAfterItsServerIsKilledAndRestarted() throws Exception {
    publish(event(TestHandlers.COUNT, EventId.random(), 1));
    drain(1);
    nats.server().kill();
    nats.server().restart();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (nc.getStatus() != Connection.Status.CONNECTED && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    EventId after = EventId.random();
    publish(event(TestHandlers.COUNT, after, 2));
    // (the first event may come again too: its acknowledgement may have died with the server)
    deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (record(after) == null && System.nanoTime() < deadline) {
      service.poll(100, Duration.ofMillis(200));
    }
    assertThat(record(after)).as("the event sent after the restart, handled within 30 s").isNotNull();
    assertThat(state(after)).isEqualTo("2");
  }

  @Test
  void aRedeliveredMessageIsHandledOnce() throws Exception {
    InternalEvent e = event(TestHandlers.COUNT, EventId.random(), 7);
    byte[] bytes = InternalEventCodec.encode(e);
    JetStream js = nc.jetStream();
    // two copies that JetStream's own duplicate window does not catch (different Nats-Msg-Id)
    js.publish(Subjects.DATA_VAULT_QUEUE.value(), new Headers().put("Nats-Msg-Id", "first"), bytes);
    js.publish(Subjects.DATA_VAULT_QUEUE.value(), new Headers().put("Nats-Msg-Id", "second"), bytes);
    drain(2);
    assertThat(state(e.eventId())).isEqualTo("7");
    assertThat(recorder.calls.get()).isEqualTo(1);
    assertThat(counters.snapshot().duplicates()).isEqualTo(1);
  }

  @Test
  void theEventsOfABatchAreSettledOneByOneAndTheBatchIsAcknowledgedOnce() throws Exception {
    EventId a = EventId.random();
    EventId b = EventId.random();
    byte[] bad = "{not json".getBytes(StandardCharsets.UTF_8);
    List<byte[]> events = List.of(InternalEventCodec.encode(event(TestHandlers.COUNT, a, 1)),
        InternalEventCodec.encode(event(TestHandlers.COUNT, b, 5)), bad,
        InternalEventCodec.encode(event(TestHandlers.UNHANDLED, EventId.random(), 1)),
        InternalEventCodec.encode(event(TestHandlers.COUNT, a, 2)));
    byte[] batch = InternalEventBatch.encode(events);
    JetStream js = nc.jetStream();
    js.publish(Subjects.DATA_VAULT_QUEUE.value(), new Headers().put(InternalEventBatch.HEADER, "5"), batch);
    drain(5);

    assertThat(state(a)).as("two events of one eventId in one batch, in order").isEqualTo("1,2");
    assertThat(state(b)).isEqualTo("5");
    RuntimeCounters.Snapshot s = counters.snapshot();
    assertThat(s.handled()).isEqualTo(3);
    assertThat(s.quarantined().get(FailureReason.MALFORMED)).isEqualTo(1);
    assertThat(s.quarantined().get(FailureReason.UNKNOWN_EVENT_TYPE)).isEqualTo(1);
    // each bad event is kept alone, as it was inside the batch
    assertThat(service.quarantine().list(100)).filteredOn(e -> e.reason() == FailureReason.MALFORMED)
        .singleElement().satisfies(e -> assertThat(e.data()).isEqualTo(bad));

    // the same batch again (a redelivery): nothing is handled twice
    js.publish(Subjects.DATA_VAULT_QUEUE.value(), new Headers().put(InternalEventBatch.HEADER, "5"), batch);
    drain(5);
    assertThat(state(a)).isEqualTo("1,2");
    assertThat(counters.snapshot().duplicates()).isEqualTo(3);
    assertThat(counters.snapshot().handled()).isEqualTo(3);
    // every message was acknowledged: the work queue is empty
    assertThat(nc.jetStreamManagement().getStreamInfo(Subjects.DATA_VAULT_STREAM).getStreamState().getMsgCount())
        .isZero();
  }

  @Test
  void eventIdsHandledInOneEventAreCommittedTogetherAndStayCommittedAcrossARestart() throws Exception {
    List<EventId> ids = new java.util.ArrayList<>();
    List<byte[]> events = new java.util.ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(EventId.random());
      events.add(InternalEventCodec.encode(event(TestHandlers.DONE, ids.get(i), i)));
    }
    byte[] batch = InternalEventBatch.encode(events);
    JetStream js = nc.jetStream();
    js.publish(Subjects.DATA_VAULT_QUEUE.value(), new Headers().put(InternalEventBatch.HEADER, "20"), batch);
    drain(20);
    assertThat(counters.snapshot().handled()).isEqualTo(20);

    // one group record (or a few) holds them all; none has a record of its own
    KeyValue kv = nc.keyValue("EventHandlers");
    List<String> groups = kv.keys("Manager.g.>");
    assertThat(groups).isNotEmpty().hasSizeLessThan(20);
    for (int i = 0; i < 20; i++) {
      assertThat(kv.get("Manager.r." + BOB.value() + "." + ids.get(i).value())).isNull();
      assertThat(state(ids.get(i))).as("state kept in the group entry").isEqualTo(Integer.toString(i));
      assertThat(record(ids.get(i)).path("finished").asBoolean()).isTrue();
    }

    // a restarted service reads the groups: the same batch again is all duplicates, and a further
    // event of one of those eventIds meets a finished handler
    service.close();
    service = newService();
    int calls = recorder.calls.get();
    js.publish(Subjects.DATA_VAULT_QUEUE.value(), new Headers().put(InternalEventBatch.HEADER, "20"), batch);
    publish(event(TestHandlers.COUNT, ids.get(3), 99));
    drain(21);
    assertThat(recorder.calls.get()).as("no handler ran again").isEqualTo(calls);
    assertThat(counters.snapshot().duplicates()).isEqualTo(20);
    assertThat(counters.snapshot().quarantined().get(FailureReason.HANDLER_FINISHED)).isEqualTo(1);
  }

  @Test
  void aServiceDoesNotStartOnAGroupRecordItCannotRead() throws Exception {
    KeyValue kv = nc.keyValue("EventHandlers");
    kv.put("Manager.g.0123456789abcdef0123456789abcdef", "{not json".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(this::newService).isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("Manager.g.0123456789abcdef0123456789abcdef").hasMessageContaining("not readable");
    kv.put("Manager.g.0123456789abcdef0123456789abcdef", "{\"v\":1,\"entries\":[{\"handler\":\"x\"}]}"
        .getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(this::newService).as("an entry without its eventId").isInstanceOf(java.io.IOException.class);
  }

  @Test
  void aHandlerThatTimesOutInsideABatchIsQuarantinedAndTheEventsAfterItStillRun() throws Exception {
    EventId a = EventId.random();
    EventId c = EventId.random();
    EventId d = EventId.random();
    byte[] batch = InternalEventBatch.encode(List.of(InternalEventCodec.encode(event(TestHandlers.COUNT, a, 1)),
        InternalEventCodec.encode(event(TestHandlers.SLOW, EventId.random(), 2)),
        InternalEventCodec.encode(event(TestHandlers.BOOM, EventId.random(), 3)),
        InternalEventCodec.encode(event(TestHandlers.COUNT, c, 4)),
        InternalEventCodec.encode(event(TestHandlers.COUNT, d, 5))));
    nc.jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(), new Headers().put(InternalEventBatch.HEADER, "5"), batch);
    drain(5);

    RuntimeCounters.Snapshot s = counters.snapshot();
    assertThat(s.quarantined().get(FailureReason.HANDLER_TIMEOUT)).isEqualTo(1);
    assertThat(s.quarantined().get(FailureReason.HANDLER_FAILED)).isEqualTo(1);
    assertThat(s.handled()).isEqualTo(3);
    assertThat(state(a)).isEqualTo("1");
    assertThat(state(c)).isEqualTo("4");
    assertThat(state(d)).isEqualTo("5");
    assertThat(nc.jetStreamManagement().getStreamInfo(Subjects.DATA_VAULT_STREAM).getStreamState().getMsgCount())
        .as("the batch was acknowledged").isZero();
  }

  @Test
  void aBatchWhoseFramingIsBrokenIsQuarantinedWhole() throws Exception {
    byte[] batch = InternalEventBatch.encode(List.of(InternalEventCodec.encode(event(TestHandlers.COUNT,
        EventId.random(), 1)), InternalEventCodec.encode(event(TestHandlers.COUNT, EventId.random(), 2))));
    JetStream js = nc.jetStream();
    byte[] truncated = java.util.Arrays.copyOf(batch, batch.length - 3);
    js.publish(Subjects.DATA_VAULT_QUEUE.value(), new Headers().put(InternalEventBatch.HEADER, "2"), truncated);
    // a count that disagrees with the framing
    js.publish(Subjects.DATA_VAULT_QUEUE.value(), new Headers().put(InternalEventBatch.HEADER, "3"), batch);
    // a batch cannot carry an owner's approval
    js.publish(Subjects.DATA_VAULT_QUEUE.value(), new Headers().put(InternalEventBatch.HEADER, "2")
        .put(HeldEvents.APPROVED_HEADER, "x"), batch);
    drain(3);

    assertThat(counters.snapshot().handled()).isZero();
    assertThat(counters.snapshot().quarantined().get(FailureReason.MALFORMED)).isEqualTo(3);
    assertThat(service.quarantine().list(100)).extracting(Quarantine.Entry::detail).satisfiesExactlyInAnyOrder(
        d -> assertThat(d).contains("truncated"), d -> assertThat(d).contains("says 3 events"),
        d -> assertThat(d).contains("approval"));
  }

  @Test
  void everyFailedCheckEndsInQuarantineWithItsReasonAndTheServiceGoesOn() throws Exception {
    rules.awaitRevision(rules.put(TestHandlers.rules()
        .replace("{\"id\":\"count\",\"eventType\":\"test.count\"", "{\"id\":\"count\",\"eventType\":\"test.count\","
            + "\"when\":[{\"field\":\"/n\",\"op\":\"ne\",\"value\":\"forbidden\"}]")), Duration.ofSeconds(5));
    publish(event(TestHandlers.UNHANDLED, EventId.random(), 1));          // no handler declares it
    publish(event(TestHandlers.COUNT, EventId.random(), "forbidden"));    // no rule matches
    publish(event(TestHandlers.BOOM, EventId.random(), 1));               // handler throws
    publish(event(TestHandlers.SLOW, EventId.random(), 1));               // handler times out
    nc.jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(), "{not json".getBytes(StandardCharsets.UTF_8));
    EventId fine = EventId.random();
    publish(event(TestHandlers.COUNT, fine, 42));                         // still handled afterwards
    drain(6);

    RuntimeCounters.Snapshot s = counters.snapshot();
    assertThat(s.quarantined().get(FailureReason.UNKNOWN_EVENT_TYPE)).isEqualTo(1);
    assertThat(s.quarantined().get(FailureReason.NO_MATCHING_RULE)).isEqualTo(1);
    assertThat(s.quarantined().get(FailureReason.HANDLER_FAILED)).isEqualTo(1);
    assertThat(s.quarantined().get(FailureReason.HANDLER_TIMEOUT)).isEqualTo(1);
    assertThat(s.quarantined().get(FailureReason.MALFORMED)).isEqualTo(1);
    assertThat(s.handled()).isEqualTo(1);
    assertThat(state(fine)).isEqualTo("42");

    List<Quarantine.Entry> kept = service.quarantine().list(100);
    assertThat(kept).extracting(Quarantine.Entry::reason).containsExactlyInAnyOrder(
        FailureReason.UNKNOWN_EVENT_TYPE, FailureReason.NO_MATCHING_RULE, FailureReason.HANDLER_FAILED,
        FailureReason.HANDLER_TIMEOUT, FailureReason.MALFORMED);
    assertThat(kept).allSatisfy(e -> assertThat(e.source()).isEqualTo("DataVault.Queue"));
    assertThat(kept).filteredOn(e -> e.reason() == FailureReason.MALFORMED)
        .singleElement().satisfies(e -> assertThat(new String(e.data(), StandardCharsets.UTF_8)).isEqualTo("{not json"));
    assertThat(kept).allSatisfy(e -> assertThat(e.detail()).doesNotContain("forbidden"));
  }

  @Test
  void aHeldEventWaitsForTheOwnerThenIsHandledOrDenied() throws Exception {
    rules.awaitRevision(rules.put(TestHandlers.rules(
        "{\"id\":\"ask-me\",\"eventType\":\"test.count\",\"when\":[{\"field\":\"/n\",\"op\":\"in\",\"value\":[\"100\",\"200\"]}],\"action\":\"hold\"}")),
        Duration.ofSeconds(5));
    EventId approveMe = EventId.random();
    EventId denyMe = EventId.random();
    publish(event(TestHandlers.COUNT, approveMe, 100));
    publish(event(TestHandlers.COUNT, denyMe, 200));
    drain(2);
    assertThat(counters.snapshot().held()).isEqualTo(2);
    assertThat(recorder.calls.get()).as("nothing handled while held").isZero();

    List<HeldEvents.Held> held = service.inbox().list();
    assertThat(held).extracting(h -> h.event().eventId()).containsExactlyInAnyOrder(approveMe, denyMe);
    assertThat(held).allSatisfy(h -> assertThat(h.rule()).isEqualTo("ask-me"));
    String approveId = held.stream().filter(h -> h.event().eventId().equals(approveMe)).findFirst().orElseThrow().id();
    String denyId = held.stream().filter(h -> h.event().eventId().equals(denyMe)).findFirst().orElseThrow().id();

    assertThat(service.inbox().approve(approveId)).isTrue();
    assertThat(service.inbox().deny(denyId)).isTrue();
    assertThat(service.inbox().approve("no-such-entry")).isFalse();
    drain(1);

    assertThat(state(approveMe)).isEqualTo("100");
    assertThat(counters.snapshot().approved()).isEqualTo(1);
    assertThat(counters.snapshot().quarantined().get(FailureReason.DENIED_BY_OWNER)).isEqualTo(1);
    assertThat(service.inbox().list()).isEmpty();
    assertThat(nc.keyValue("EventHandlers").get("Manager.r." + BOB.value() + "." + denyMe.value())).isNull();
  }

  @Test
  void anApprovalMarkWithoutAnApprovedEntryIsRefused() throws Exception {
    InternalEvent e = event(TestHandlers.COUNT, EventId.random(), 5);
    byte[] bytes = InternalEventCodec.encode(e);
    nc.jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(),
        new Headers().put(HeldEvents.APPROVED_HEADER, MessageKeys.of(e.eventId(), bytes)), bytes);
    drain(1);
    assertThat(counters.snapshot().quarantined().get(FailureReason.DENIED_BY_RULE)).isEqualTo(1);
    assertThat(recorder.calls.get()).isZero();
  }

  @Test
  void rulesChangeAtRuntimeAndInvalidRulesAreRefusedBeforeTheyAreWritten() throws Exception {
    EventId id = EventId.random();
    publish(event(TestHandlers.COUNT, id, 1));
    drain(1);
    assertThat(state(id)).isEqualTo("1");

    rules.awaitRevision(rules.put("[{\"id\":\"stop\",\"eventType\":\"test.count\",\"action\":\"drop\"}]"),
        Duration.ofSeconds(5));
    publish(event(TestHandlers.COUNT, id, 2));
    drain(1);
    assertThat(counters.snapshot().dropped()).isEqualTo(1);
    assertThat(state(id)).isEqualTo("1");

    String before = rules.text();
    assertThatThrownBy(() -> rules.put("[{\"id\":\"bad\",\"eventType\":\"test.count\",\"action\":\"handle\"}]"))
        .isInstanceOf(RuleValidationException.class).hasMessageContaining("bad").hasMessageContaining("handler");
    assertThat(rules.text()).isEqualTo(before);

    // rules written around the validation (straight into the bucket) deny everything
    KeyValue vault = nc.keyValue("Vault");
    long rev = vault.put(RuleStore.KEY, "[{\"id\":\"x\",\"action\":\"explode\"}]".getBytes(StandardCharsets.UTF_8));
    rules.awaitRevision(rev, Duration.ofSeconds(5));
    publish(event(TestHandlers.COUNT, id, 3));
    drain(1);
    assertThat(counters.snapshot().quarantined().get(FailureReason.NO_MATCHING_RULE)).isEqualTo(1);
  }

  @Test
  void aFinishedHandlerTakesNoFurtherEvents() throws Exception {
    EventId id = EventId.random();
    publish(event(TestHandlers.DONE, id, 1));
    publish(event(TestHandlers.COUNT, id, 2));
    drain(2);
    assertThat(state(id)).isEqualTo("1");
    assertThat(counters.snapshot().quarantined().get(FailureReason.HANDLER_FINISHED)).isEqualTo(1);
  }

  @Test
  void repliesGoToTheTransportAndEmittedEventsComeBackThroughTheQueue() throws Exception {
    EventId id = EventId.random();
    publish(event(TestHandlers.ECHO, id, 9));
    drain(2); // the echo, then the emitted count
    assertThat(replies).singleElement().satisfies(r -> assertThat(r).startsWith("conn-bob test.echo " + id + " 9 "));
    assertThat(state(id)).isEqualTo("9,emitted-9");
  }

  @Test
  void theBuilderRefusesBadArguments() {
    assertThatThrownBy(() -> EventService.builder(nc, "manager")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> EventService.builder(nc, "Manager").ackWait(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    TestHandlers.Recorder slow = new TestHandlers.Recorder() {
      @Override
      public Duration timeout() {
        return Duration.ofMinutes(2);
      }
    };
    assertThatThrownBy(() -> EventService.builder(nc, "Manager").handlers(HandlerRegistry.of(slow)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("recorder").hasMessageContaining("ack wait");
    assertThatThrownBy(() -> service.poll(0, Duration.ofMillis(1))).isInstanceOf(IllegalArgumentException.class);
  }
}
