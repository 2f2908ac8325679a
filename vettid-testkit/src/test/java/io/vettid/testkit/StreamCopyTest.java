package io.vettid.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.KeyValue;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.api.StreamState;
import io.nats.client.impl.Headers;
import io.vettid.nats.jetstream.StreamCopy;
import io.vettid.nats.server.NatsServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A stream copied by snapshot and restore into a server with another store key: the same messages
 * at the same sequences with the same gaps, the same consumer state, a key-value bucket's values,
 * and none of it in plaintext in the new store; refusals leave both sides as they were.
 */
class StreamCopyTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension final NatsServerExtension source = NatsServerExtension.builder().encryptedAtRest().build();
  @RegisterExtension final NatsServerExtension target = NatsServerExtension.builder().encryptedAtRest().build();

  @Test
  void aStreamItsGapsItsConsumerAndABucketArriveAsTheyWereUnderTheNewKey() throws Exception {
    String marker = "VETTID-PLAINTEXT-MARKER-" + UUID.randomUUID();
    Connection from = source.connect();
    JetStreamManagement jsm = from.jetStreamManagement();
    JetStream js = from.jetStream();
    jsm.addStream(StreamConfiguration.builder().name("Events").subjects("Events.>").storageType(StorageType.File)
        .build());
    for (int i = 1; i <= 50; i++) {
      Headers h = new Headers().add("n", Integer.toString(i));
      js.publish(io.nats.client.impl.NatsMessage.builder().subject("Events." + (i % 3)).headers(h)
          .data((marker + " " + i).getBytes(StandardCharsets.UTF_8)).build());
    }
    jsm.purgeStream("Events", io.nats.client.PurgeOptions.builder().sequence(6).build()); // first is 6
    jsm.deleteMessage("Events", 10);
    jsm.deleteMessage("Events", 20, true);
    jsm.addOrUpdateConsumer("Events", ConsumerConfiguration.builder().durable("reader")
        .ackPolicy(AckPolicy.Explicit).ackWait(Duration.ofMinutes(5)).build());
    JetStreamSubscription sub = js.subscribe(null, PullSubscribeOptions.bind("Events", "reader"));
    List<Message> got = sub.fetch(10, WAIT);
    assertThat(got).hasSize(10);
    for (int i = 0; i < 7; i++) {
      got.get(i).ackSync(WAIT); // seven acknowledged, three pending
    }
    sub.unsubscribe();
    from.keyValueManagement().create(KeyValueConfiguration.builder().name("Kept").storageType(StorageType.File)
        .maxHistoryPerKey(4).build());
    KeyValue kv = from.keyValue("Kept");
    kv.put("a", "1");
    kv.put("a", "2");
    kv.put("b", marker);
    kv.delete("c");

    Connection to = target.connect();
    List<String> copied = StreamCopy.copyAll(from, to, WAIT);

    assertThat(copied).containsExactlyInAnyOrder("Events", "KV_Kept");
    StreamState was = jsm.getStreamInfo("Events").getStreamState();
    StreamState is = to.jetStreamManagement().getStreamInfo("Events").getStreamState();
    assertThat(is.getFirstSequence()).isEqualTo(was.getFirstSequence()).isEqualTo(6);
    assertThat(is.getLastSequence()).isEqualTo(was.getLastSequence()).isEqualTo(50);
    assertThat(is.getMsgCount()).isEqualTo(was.getMsgCount()).isEqualTo(43);
    for (long seq = 6; seq <= 50; seq++) {
      if (seq == 10 || seq == 20) {
        long gap = seq;
        assertThatThrownBy(() -> to.jetStreamManagement().getMessage("Events", gap))
            .isInstanceOf(JetStreamApiException.class);
        continue;
      }
      MessageInfo a = jsm.getMessage("Events", seq);
      MessageInfo b = to.jetStreamManagement().getMessage("Events", seq);
      assertThat(b.getSubject()).isEqualTo(a.getSubject());
      assertThat(b.getData()).isEqualTo(a.getData());
      assertThat(b.getHeaders().getFirst("n")).isEqualTo(Long.toString(seq));
    }
    ConsumerInfo reader = to.jetStreamManagement().getConsumerInfo("Events", "reader");
    ConsumerInfo readerWas = jsm.getConsumerInfo("Events", "reader");
    assertThat(reader.getAckFloor().getStreamSequence()).isEqualTo(readerWas.getAckFloor().getStreamSequence());
    assertThat(reader.getDelivered().getStreamSequence()).isEqualTo(readerWas.getDelivered().getStreamSequence());
    assertThat(reader.getNumAckPending()).isEqualTo(readerWas.getNumAckPending()).isEqualTo(3);
    KeyValue kvTo = to.keyValue("Kept");
    assertThat(kvTo.get("a").getValueAsString()).isEqualTo("2");
    assertThat(kvTo.history("a")).hasSize(2);
    assertThat(kvTo.get("b").getValueAsString()).isEqualTo(marker);
    assertThat(kvTo.get("c")).isNull();

    // the copy is written under the target's key: no plaintext in its store, and it reads back after a restart
    NatsServer server = target.server();
    to.close();
    server.stop();
    assertThat(StoreScan.filesContaining(server.storeDir(), marker)).as("files holding the plaintext marker").isEmpty();
    server.restart();
    Connection again = target.connect();
    assertThat(again.jetStreamManagement().getStreamInfo("Events").getStreamState().getMsgCount()).isEqualTo(43);
    JetStreamSubscription resumed = again.jetStream().subscribe(null, PullSubscribeOptions.bind("Events", "reader"));
    List<Message> next = resumed.fetch(40, Duration.ofSeconds(2));
    // the three pending wait their acknowledgement time; the next delivered is the first never delivered
    assertThat(next).isNotEmpty();
    assertThat(next.get(0).metaData().streamSequence()).isEqualTo(readerWas.getDelivered().getStreamSequence() + 1);
  }

  @Test
  void aStreamTheTargetHoldsOrTheSourceLacksIsRefusedAndChangesNothing() throws Exception {
    Connection from = source.connect();
    Connection to = target.connect();
    StreamConfiguration config = StreamConfiguration.builder().name("Twice").subjects("Twice.>")
        .storageType(StorageType.File).build();
    from.jetStreamManagement().addStream(config);
    from.jetStream().publish("Twice.a", "from".getBytes(StandardCharsets.UTF_8));
    to.jetStreamManagement().addStream(config);
    to.jetStream().publish("Twice.a", "to".getBytes(StandardCharsets.UTF_8));
    to.jetStream().publish("Twice.a", "to".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> StreamCopy.copy(from, to, "Twice", WAIT)).isInstanceOf(JetStreamApiException.class);
    assertThatThrownBy(() -> StreamCopy.copy(from, to, "Missing", WAIT)).isInstanceOf(JetStreamApiException.class);
    assertThatThrownBy(() -> StreamCopy.copy(from, to, "no.dots", WAIT)).isInstanceOf(IllegalArgumentException.class);

    StreamInfo source = from.jetStreamManagement().getStreamInfo("Twice");
    StreamInfo target = to.jetStreamManagement().getStreamInfo("Twice");
    assertThat(source.getStreamState().getMsgCount()).isEqualTo(1);
    assertThat(target.getStreamState().getMsgCount()).isEqualTo(2);
    assertThat(to.jetStreamManagement().getStreamNames()).containsExactly("Twice");
  }
}
