package io.vettid.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StreamInfo;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The VettID JetStream layout on a 3-node cluster with replicas 3 (operator mode, TLS on clients and
 * routes, encrypted at rest): with one node stopped, deposits are still accepted and consumed,
 * none lost and none twice.
 */
class ClusterLayoutTest {
  static final NatsOperator OPERATOR = NatsOperator.create("vettid-cluster");
  static final NatsAccount ACCOUNT = OPERATOR.createAccount("subscriber-c3", JetStreamLimits.subscriberDefault());

  @RegisterExtension static final NatsClusterExtension CLUSTER = NatsClusterExtension.builder(OPERATOR, ACCOUNT).build();

  @Test
  void theLayoutWorksWithReplicasThreeAndSurvivesANodeStopping() throws Exception {
    UserCredentials owner = ACCOUNT.issueUser("owner", UserPermissions.ACCOUNT_OWNER);
    Connection nc = CLUSTER.connect(owner);
    JetStreamLayout layout = JetStreamLayout.builder().replicas(3).build();
    List<String> vault = layout.ensureVault(nc);
    String stream = layout.ensureEventSpace(nc, "c3", "home");
    layout.ensureVault(nc); // idempotent

    StreamInfo info = nc.jetStreamManagement().getStreamInfo(stream);
    assertThat(info.getConfiguration().getReplicas()).isEqualTo(3);
    assertThat(nc.keyValueManagement().getStatus("Vault").getReplicas()).isEqualTo(3);
    assertThat(vault).contains(Subjects.DATA_VAULT_STREAM, Subjects.QUARANTINE_STREAM, "Files");

    JetStream js = nc.jetStream();
    String subject = Subjects.deposit("c3", "home", ConnectionId.of("conn-a")).value();
    int n = 50;
    for (int i = 0; i < n; i++) {
      publish(js, subject, i);
    }
    // stop the node this client is on: it reconnects to another, and the stream keeps quorum
    String connectedTo = nc.getConnectedUrl();
    int stopped = -1;
    for (int i = 0; i < 3; i++) {
      if (connectedTo != null && connectedTo.endsWith(":" + CLUSTER.node(i).port())) {
        stopped = i;
      }
    }
    stopped = stopped < 0 ? 0 : stopped;
    CLUSTER.node(stopped).stop();
    for (int i = n; i < 2 * n; i++) {
      publish(js, subject, i);
    }
    // a re-sent event (same Nats-Msg-Id) is stored once
    PublishAck again = publish(js, subject, 7);
    assertThat(again.isDuplicate()).isTrue();

    JetStreamSubscription sub = retry(() -> js.subscribe(subject,
        PullSubscribeOptions.builder().durable(Subjects.consumer("Watcher", "home")).build()));
    Set<String> seen = new HashSet<>();
    int duplicates = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (seen.size() < 2 * n && System.nanoTime() < deadline) {
      for (Message m : retry(() -> sub.fetch(50, Duration.ofSeconds(2)))) {
        if (!seen.add(new String(m.getData(), StandardCharsets.UTF_8))) {
          duplicates++;
        }
        retry(() -> {
          m.ackSync(Duration.ofSeconds(5));
          return null;
        });
      }
    }
    assertThat(seen).hasSize(2 * n);
    assertThat(duplicates).isZero();
  }

  interface Step<T> {
    T run() throws Exception;
  }

  /** Retries a step while the cluster elects new leaders after a node stops (up to 30 s). */
  private static <T> T retry(Step<T> step) throws Exception {
    Exception last = null;
    for (int attempt = 0; attempt < 60; attempt++) {
      try {
        return step.run();
      } catch (Exception e) {
        last = e;
        Thread.sleep(500);
      }
    }
    throw last;
  }

  /** Publishes with a retry while the cluster elects a new stream leader after a node stops. */
  private static PublishAck publish(JetStream js, String subject, int i) throws Exception {
    Headers h = new Headers().put("Nats-Msg-Id", "event-" + i);
    Exception last = null;
    for (int attempt = 0; attempt < 60; attempt++) {
      try {
        return js.publish(subject, h, ("event-" + i).getBytes(StandardCharsets.UTF_8));
      } catch (Exception e) {
        last = e;
        Thread.sleep(500);
      }
    }
    throw last;
  }
}
