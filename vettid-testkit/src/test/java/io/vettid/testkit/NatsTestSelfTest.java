package io.vettid.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.vettid.nats.server.NatsServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The testkit starts a real nats-server with JetStream, and messages really flow through it. */
@NatsTest
class NatsTestSelfTest {

  @Test
  void startsARealServerOnALoopbackPort(NatsServer server) {
    assertThat(server.isRunning()).isTrue();
    assertThat(server.clientUrl()).startsWith("nats://127.0.0.1:");
    assertThat(server.port()).isPositive();
    assertThat(server.storeDir()).exists();
  }

  @Test
  void publishesAndConsumesThroughAJetStreamStream(Connection nc) throws Exception {
    nc.jetStreamManagement().addStream(StreamConfiguration.builder()
        .name("SelfTest").subjects("SelfTest.Queue").storageType(StorageType.File).build());
    JetStream js = nc.jetStream();

    for (int i = 0; i < 20; i++) {
      PublishAck ack = js.publish("SelfTest.Queue", ("event-" + i).getBytes(StandardCharsets.UTF_8),
          PublishOptions.builder().messageId("e" + i).build());
      assertThat(ack.getSeqno()).isEqualTo(i + 1);
    }
    JetStreamSubscription sub = js.subscribe("SelfTest.Queue", PullSubscribeOptions.builder().durable("reader").build());
    List<String> received = new ArrayList<>();
    while (received.size() < 20) {
      List<Message> batch = sub.fetch(20, Duration.ofSeconds(2));
      assertThat(batch).as("messages still expected: %d", 20 - received.size()).isNotEmpty();
      for (Message m : batch) {
        received.add(new String(m.getData(), StandardCharsets.UTF_8));
        m.ack();
      }
    }

    assertThat(received).hasSize(20).first().isEqualTo("event-0");
    assertThat(received).last().isEqualTo("event-19");
  }

  @Test
  void deduplicatesByMessageId(Connection nc) throws Exception {
    nc.jetStreamManagement().addStream(StreamConfiguration.builder()
        .name("Dedupe").subjects("Dedupe.Queue").storageType(StorageType.File).build());
    JetStream js = nc.jetStream();
    PublishOptions sameId = PublishOptions.builder().messageId("event-42").build();

    PublishAck first = js.publish("Dedupe.Queue", new byte[] {1}, sameId);
    PublishAck second = js.publish("Dedupe.Queue", new byte[] {1}, sameId);

    assertThat(first.isDuplicate()).isFalse();
    assertThat(second.isDuplicate()).isTrue();
    assertThat(nc.jetStreamManagement().getStreamInfo("Dedupe").getStreamState().getMsgCount()).isEqualTo(1);
  }
}
