package io.vettid.runtime.crash;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventBatch;
import io.vettid.api.InternalEventCodec;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.testkit.NatsServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The runtime's JVM is killed with SIGKILL (a child process, {@code kill -9}) in the middle of a
 * stream of events and started again: every event is handled, none twice. "Handled" is what the
 * runtime commits: the handler's state (each event appends its number to its eventId's state) and
 * its reply (one per event, on stream {@code CrashOut}). Real nats-server, TLS, store encrypted.
 */
class CrashRecoveryTest {
  @RegisterExtension final NatsServerExtension nats = NatsServerExtension.builder().tls().encryptedAtRest().build();

  private static final int EVENT_IDS = 40;
  private static final int PER_ID = 10;
  private static final int TOTAL = EVENT_IDS * PER_ID;

  /**
   * {@code kill-9}: the test kills the child once a quarter of the replies are out. {@code
   * in-handler} and {@code after-reply}: the child halts itself (no hooks, like SIGKILL) at a
   * chosen point, inside a handler or between sending a reply and committing, where a crash is
   * most likely to produce a duplicate.
   */
  @ParameterizedTest
  @ValueSource(strings = {"kill-9", "in-handler", "after-reply", "kill-9-batched", "after-reply-batched",
      "kill-9-one-shot", "after-reply-one-shot"})
  void aKilledRuntimeLosesNothingAndHandlesNothingTwice(String queueing) throws Exception {
    // "-batched": the events reach the queue in batch messages of 8, as the Event Watcher forwards
    // deposits opened in a row; a crash then leaves part of a batch committed. "-one-shot": batched,
    // and each eventId has one event whose handler finishes on it, so the commits are group records
    boolean oneShot = queueing.endsWith("-one-shot");
    boolean batched = oneShot || queueing.endsWith("-batched");
    String mode = queueing.replace("-batched", "").replace("-one-shot", "");
    int eventIds = oneShot ? TOTAL : EVENT_IDS;
    int perId = oneShot ? 1 : PER_ID;
    Connection nc = nats.connect();
    JetStreamLayout.builder().build().ensureVault(nc);
    nc.jetStreamManagement().addStream(StreamConfiguration.builder().name("CrashOut")
        .subjects(CrashChild.OUT_SUBJECT).storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(2)).build());

    List<EventId> ids = new ArrayList<>();
    for (int i = 0; i < eventIds; i++) {
      ids.add(EventId.random());
    }
    List<byte[]> batch = new ArrayList<>();
    for (int n = 1; n <= perId; n++) {
      for (EventId id : ids) {
        InternalEvent e = InternalEvent.builder().type(CrashChild.TALLY).eventId(id)
            .connectionId(ConnectionId.of("conn-crash"))
            .payload(JsonNodeFactory.instance.objectNode().put("n", String.valueOf(n)).put("finish", oneShot))
            .build();
        if (!batched) {
          nc.jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(), InternalEventCodec.encode(e));
          continue;
        }
        batch.add(InternalEventCodec.encode(e));
        if (batch.size() == 8) {
          nc.jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(),
              new Headers().put(InternalEventBatch.HEADER, "8"), InternalEventBatch.encode(batch));
          batch.clear();
        }
      }
    }

    Process first = startChild(mode, TOTAL / 4);
    long out;
    if (mode.equals("kill-9")) {
      out = Children.waitForReplies(nc, TOTAL / 4, Duration.ofSeconds(60));
      assertThat(out).as("replies before the kill").isGreaterThanOrEqualTo(TOTAL / 4).isLessThan(TOTAL);
      first.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no graceful close
    }
    assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("the first child died").isTrue();
    out = Children.waitForReplies(nc, 0, Duration.ZERO);
    assertThat(out).as("replies before the crash").isLessThan(TOTAL);
    assertThat(first.exitValue()).as("killed by SIGKILL").isEqualTo(137);

    Process second = startChild("none", 0);
    try {
      Children.waitForReplies(nc, TOTAL, Duration.ofSeconds(90));
      // every delivery acknowledged: nothing can come again, so anything handled twice is in by now
      assertThat(Children.awaitEverythingAcknowledged(nc, Duration.ofSeconds(60)))
          .as("every delivery acknowledged").isTrue();
    } finally {
      second.destroyForcibly();
      second.waitFor(10, TimeUnit.SECONDS);
    }

    // the committed state: every number exactly once per eventId
    KeyValue records = nc.keyValue("EventHandlers");
    ObjectMapper json = new ObjectMapper();
    int lost = 0;
    int twice = 0;
    // every commit of a one-event eventId is an entry of a group record: each eventId must be in
    // exactly one entry (in none: lost; in two: handled twice)
    Map<String, Integer> committed = new HashMap<>();
    for (String k : records.keys("Manager.g.>")) {
      for (var entry : json.readTree(records.get(k).getValue()).path("entries")) {
        committed.merge(entry.path("eventId").asText(), 1, Integer::sum);
      }
    }
    for (EventId id : ids) {
      KeyValueEntry e = records.get("Manager.r.conn-crash." + id.value());
      if (oneShot) {
        assertThat(e).as("no record of its own for the one-event %s", id).isNull();
        int c = committed.getOrDefault(id.value(), 0);
        lost += c == 0 ? 1 : 0;
        twice += Math.max(0, c - 1);
        continue;
      }
      assertThat(e).as("record of %s", id).isNotNull();
      String state = new String(Base64.getDecoder().decode(json.readTree(e.getValue()).path("state").asText()),
          StandardCharsets.UTF_8);
      List<String> seen = Arrays.asList(state.split(","));
      Set<String> distinct = new HashSet<>(seen);
      twice += seen.size() - distinct.size();
      lost += PER_ID - distinct.size();
    }
    assertThat(committed.keySet()).as("group entries only for one-event eventIds").hasSize(oneShot ? TOTAL : 0);
    // the replies: one per event
    Map<String, Integer> replies = Children.replies(nc);
    long repliedTwice = replies.values().stream().filter(c -> c > 1).count();
    long quarantined = nc.jetStreamManagement().getStreamInfo(Subjects.QUARANTINE_STREAM).getStreamState().getMsgCount();
    for (long q = 1; q <= quarantined; q++) {
      io.nats.client.api.MessageInfo mi = nc.jetStreamManagement().getMessage(Subjects.QUARANTINE_STREAM, q);
      System.out.println("quarantined: " + mi.getHeaders().getFirst("VettID-Reason") + " "
          + mi.getHeaders().getFirst("VettID-Detail"));
    }
    System.out.printf("crash test (" + queueing + "): events=%d replies-before-kill=%d lost=%d handled-twice=%d"
        + " replied-twice=%d quarantined=%d%n", TOTAL, out, lost, twice, repliedTwice, quarantined);
    assertThat(lost).as("events lost").isZero();
    assertThat(twice).as("events handled twice").isZero();
    assertThat(replies).as("distinct replies").hasSize(TOTAL);
    assertThat(repliedTwice).as("events replied twice").isZero();
    assertThat(nc.jetStreamManagement().getStreamInfo(Subjects.QUARANTINE_STREAM).getStreamState().getMsgCount())
        .as("quarantined").isZero();
  }

  private Process startChild(String mode, int haltAt) throws Exception {
    return Children.start(CrashChild.class, nats.url(), nats.tlsMaterial().caFile().toString(), mode,
        String.valueOf(haltAt));
  }
}
