package io.vettid.runtime.eventspace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.KeyId;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.envelope.Opener;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.UserLimits;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.service.EventService;
import io.vettid.testkit.NatsServerExtension;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An EventSpace server as a 3-node cluster (real nats-server processes, routes over TLS, JetStream
 * replicas 3) and a vault registered with it, whose own server (another process, in operator mode
 * with only its internal accounts) holds its queue: a peer deposits a stream of events while the
 * node everyone first connected to is killed ({@code kill -9}) and later restarted. The vault's
 * remote Event Watcher brings every event over: none lost, none handled twice.
 */
class EventSpaceClusterTest {
  static final NatsOperator OP = NatsOperator.create("vault-cluster-test");
  static final Suite SUITE = Suites.MLKEM768_MLDSA65_V1;
  static final int EVENTS = 240;
  static final String ES = "home";

  @RegisterExtension
  static final NatsServerExtension OWN = NatsServerExtension.builder().tls().encryptedAtRest().operatorMode(OP).build();

  @TempDir static Path dir;
  static EventSpaceServer cluster;
  static final List<AutoCloseable> OPENED = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    cluster = EventSpaceServer.builder(dir.resolve("es"), secret).nodes(3).start();
  }

  @AfterAll
  static void stop() throws Exception {
    for (int i = OPENED.size() - 1; i >= 0; i--) {
      OPENED.get(i).close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  static Options.Builder clusterOptions() throws Exception {
    return cluster.clientOptions().connectionTimeout(Duration.ofSeconds(5)).maxReconnects(-1)
        .reconnectWait(Duration.ofMillis(200)).errorListener(new ErrorListener() { });
  }

  @Test
  void eventsFlowThroughTheRemoteWatcherWhileANodeIsKilledAndRestarted() throws Exception {
    ConciergeClient.Registration reg = ConciergeClient.register(cluster.address(),
        cluster.concierge().issueToken(Duration.ofMinutes(5)), SubscriberAccounts.create(JetStreamLimits.subscriberDefault()));
    assertThat(reg.replicas()).as("a cluster's").isEqualTo(3);
    SubscriberAccounts external = reg.accounts();
    String guid = external.guid();
    VaultAccounts accounts = VaultAccounts.create(OP, guid, JetStreamLimits.subscriberDefault());
    try (Connection sys = Nats.connect(OWN.options().authHandler(OP.systemUser().authHandler()).build())) {
      for (var a : accounts.internal()) {
        OP.push(sys, a);
      }
    }

    // bob, a peer: his signing key and alice's wrapping key for him
    SecureRandom random = new SecureRandom();
    KeyPair sign = SUITE.signature().generateKeyPair(random);
    KeyPair wrap = SUITE.wrap().generateKeyPair(random);
    PublicKeyEntry bobPublic = PublicKeyEntry.of(SUITE.signature(), sign.getPublic());
    PrivateKeyEntry bobSigning = new PrivateKeyEntry(bobPublic.keyId(), SUITE.signature(), sign.getPrivate());
    PublicKeyEntry aliceWrapPublic = PublicKeyEntry.of(SUITE.wrap(), wrap.getPublic());
    PrivateKeyEntry aliceWrap = new PrivateKeyEntry(aliceWrapPublic.keyId(), SUITE.wrap(), wrap.getPrivate());
    Opener opener = Opener.builder(
        (KeyId id) -> id.equals(aliceWrap.keyId()) ? Optional.of(aliceWrap) : Optional.empty(),
        (KeyId id) -> id.equals(bobPublic.keyId()) ? Optional.of(bobPublic) : Optional.empty()).build();

    Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();
    EventHandlerFactory counting = new EventHandlerFactory() {
      @Override
      public String name() {
        return "count";
      }

      @Override
      public Set<EventType> eventTypes() {
        return Set.of(EventType.of("chat.message"));
      }

      @Override
      public EventHandler create(EventHandlerContext ctx) {
        return event -> handled.computeIfAbsent(event.eventId().value(), k -> new AtomicInteger()).incrementAndGet();
      }
    };
    Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    VettIdRuntime vault = VettIdRuntime.connect(accounts, OWN.options())
        .eventSpaceServer(external, clusterOptions(), reg.replicas())
        .builtInHandlers(false).discoverHandlers(false).handler(counting)
        .ruleEngine(event -> Decision.handle("test", "count"))
        .listener(s -> outcomes.computeIfAbsent(s.outcome().name(), k -> new AtomicInteger()).incrementAndGet())
        .start();
    OPENED.add(vault);
    io.vettid.runtime.service.EventWatcher watcher = vault.watch(guid, ES, opener);

    ConnectionId bob = ConnectionId.random();
    Connection depositor = Nats.connect(clusterOptions().inboxPrefix(Subjects.inbox(guid, ES, bob).value())
        .authHandler(external.eventSpace().issueUser("bob", UserPermissions.forConnection(guid, ES, bob),
            UserLimits.CONNECTION, null).authHandler()).build());
    OPENED.add(depositor);
    JetStream js = depositor.jetStream(io.nats.client.JetStreamOptions.builder()
        .requestTimeout(Duration.ofSeconds(2)).build());
    String subject = Subjects.deposit(guid, ES, bob).value();
    Sealer sealer = Sealer.builder(SUITE, bobSigning, aliceWrapPublic, subject).build();
    NatsServer killed = cluster.nodes().get(0);
    List<EventId> sent = new ArrayList<>();
    int retries = 0;
    for (int i = 0; i < EVENTS; i++) {
      if (i == EVENTS / 3) {
        killed.kill();
      }
      if (i == 2 * EVENTS / 3) {
        killed.restart();
      }
      EventId id = EventId.random();
      InternalEvent e = InternalEvent.builder().type(EventType.of("chat.message")).eventId(id).connectionId(bob)
          .payload(JsonNodeFactory.instance.objectNode().put("n", i)).build();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        try {
          PublishAck ack = js.publish(subject, new Headers().put("Nats-Msg-Id", "send-" + id.value()),
              sealer.seal(e).sealed());
          assertThat(ack.hasError()).isFalse();
          break;
        } catch (Exception failed) {
          // the node went away under the publish: the next try starts a fresh session key block
          // and keeps the Nats-Msg-Id, so a deposit stored before the failure is kept once
          assertThat(System.nanoTime()).as("deposit %d within a minute", i).isLessThan(deadline);
          retries++;
          sealer.resendKeyBlock();
          Thread.sleep(200);
        }
      }
      sent.add(id);
    }

    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (handled.size() < EVENTS && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    Thread.sleep(1000); // anything handled twice would show by now
    assertThat(handled.keySet()).as("every event handled (%d publishes retried, %d deliveries lost on the way,"
        + " %d second deliveries dropped)", retries, watcher.lostDeliveries(), watcher.duplicateDeliveries())
        .containsExactlyInAnyOrderElementsOf(sent.stream().map(EventId::value).toList());
    assertThat(handled.values()).as("each once").allMatch(n -> n.get() == 1);
    assertThat(outcomes.getOrDefault("QUARANTINED", new AtomicInteger()).get()).as("nothing quarantined").isZero();
    assertThat(killed.isRunning()).isTrue();
  }
}
