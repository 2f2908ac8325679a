package io.vettid.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A server per test (instance field): restarts, crashes, and clean-up. */
class NatsServerLifecycleTest {

  @RegisterExtension final NatsServerExtension nats = NatsServerExtension.builder().build();

  private static final int N = 50;

  @Test
  void acknowledgedMessagesSurviveACrashAndRestart() throws Exception {
    Connection nc = nats.connect();
    nc.jetStreamManagement().addStream(StreamConfiguration.builder()
        .name("Durable").subjects("Durable.Queue").storageType(StorageType.File).build());
    JetStream js = nc.jetStream();
    for (int i = 0; i < N; i++) {
      js.publish("Durable.Queue", ("m" + i).getBytes(StandardCharsets.UTF_8));
    }

    nats.server().kill();
    nats.server().restart();

    Connection after = nats.connect();
    JetStreamSubscription sub = after.jetStream()
        .subscribe("Durable.Queue", PullSubscribeOptions.builder().durable("after-restart").build());
    Set<String> seen = new HashSet<>();
    int received = 0;
    while (received < N) {
      List<Message> batch = sub.fetch(N, Duration.ofSeconds(3));
      assertThat(batch).as("lost after restart: %d", N - received).isNotEmpty();
      for (Message m : batch) {
        seen.add(new String(m.getData(), StandardCharsets.UTF_8));
        m.ack();
        received++;
      }
    }
    assertThat(received).isEqualTo(N);
    assertThat(seen).hasSize(N);
  }

  @Test
  void keepsPortsAcrossRestart() {
    NatsServer server = nats.server();
    int port = server.port();

    server.stop();
    assertThat(server.isRunning()).isFalse();
    server.restart();

    assertThat(server.isRunning()).isTrue();
    assertThat(server.port()).isEqualTo(port);
  }

  @Test
  void closeStopsTheProcessAndDeletesItsTemporaryDirectory() throws Exception {
    NatsServer own = NatsServer.start(NatsServerConfig.builder().build());
    Path workDir = own.workDir();
    ProcessHandle process = ProcessHandle.of(own.pid()).orElseThrow();

    own.close();

    assertThat(process.isAlive()).isFalse();
    assertThat(Files.exists(workDir)).isFalse();
  }

  @Test
  void aServerThatCannotStartReportsItsLog() {
    NatsServerConfig broken = NatsServerConfig.builder().extraConfig("this is { not valid config").build();

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> NatsServer.start(broken))
        .isInstanceOf(io.vettid.nats.server.NatsServerException.class)
        .hasMessageContaining("Log tail");
  }

}
