package io.vettid.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.nats.subjects.Subjects;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.testkit.StoreScan;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default: an EventSpace server where the vault registers and its deposit streams are,
 * and the vault's own server with its internal accounts only, with mutual TLS; both stores
 * encrypted under keys from the vault secret.
 */
class VettIdRuntimeTest {
  @TempDir Path dir;

  private static byte[] secret() {
    byte[] s = new byte[32];
    new SecureRandom().nextBytes(s);
    return s;
  }

  @Test
  void anEventSpaceIsWatchedByOneWatcherAtATime() throws Exception {
    try (VettIdRuntime rt = VettIdRuntime.embedded(dir, secret()).start()) {
      String g1 = rt.subscriberGuid().orElseThrow();
      assertThat(g1).as("named by the Concierge").matches("[0-9a-f]{16}");
      assertThatThrownBy(() -> rt.watch("0123456789abcdef", "home", (envelope, destination) -> null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not 0123456789abcdef");
      io.vettid.crypto.envelope.Opener opener = io.vettid.crypto.envelope.Opener.builder(
          id -> java.util.Optional.empty(), id -> java.util.Optional.empty()).build();
      io.vettid.runtime.service.EventWatcher home = rt.watch(g1, "home", opener);
      // its consumer acknowledges cumulatively: a second reader's deposits would be covered unread
      assertThatThrownBy(() -> rt.watch(g1, "home", opener)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already watched");
      io.vettid.runtime.service.EventWatcher work = rt.watch(g1, "work", opener);
      assertThat(work.isOpen()).isTrue();
      home.close();
      assertThat(home.isOpen()).isFalse();
      assertThat(rt.watch(g1, "home", opener).isOpen()).as("watched again once closed").isTrue();

      // the deposit streams are on the EventSpace server, another process; the vault's own server
      // holds its internal namespace only
      var es = rt.embeddedEventSpaceServer().orElseThrow();
      assertThat(es.server().pid()).isNotEqualTo(rt.embeddedServer().orElseThrow().pid());
      assertThat(rt.depositConnection().orElseThrow().getConnectedUrl()).isIn(es.urls().toArray());
      assertThat(rt.depositConnection().orElseThrow().jetStreamManagement().getStreamNames())
          .contains(Subjects.depositStream(g1, "home"), Subjects.depositStream(g1, "work"));
      assertThat(rt.connection().jetStreamManagement().getStreamNames()).as("the vault's own server")
          .noneMatch(n -> n.startsWith("EventSpace_")).contains("DataVault");
    }
  }

  @Test
  void theEmbeddedServerNeedsTheRuntimesCertificateAndKeepsNoPlaintext() throws Exception {
    byte[] secret = secret();
    String marker = "VETTID-MARKER-" + System.nanoTime();
    String url;
    try (VettIdRuntime rt = VettIdRuntime.embedded(dir, secret).start()) {
      url = rt.embeddedServer().orElseThrow().clientUrl();
      assertThat(url).startsWith("tls://127.0.0.1:");
      // trusting the CA is not enough: the server wants a client certificate only the runtime has
      Options noCert = new Options.Builder().server(url).sslContext(TlsMaterial.trusting(dir.resolve("tls/ca.pem")))
          .connectionTimeout(Duration.ofSeconds(2)).maxReconnects(0).build();
      assertThatThrownBy(() -> Nats.connect(noCert)).isInstanceOf(Exception.class);

      // no rules yet, so the event is denied and kept in quarantine (with the marker inside)
      InternalEvent e = InternalEvent.builder().type(EventType.of("demo.hello")).connectionId(ConnectionId.random())
          .payload(JsonNodeFactory.instance.objectNode().put("secret", marker)).build();
      rt.connection().jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(), InternalEventCodec.encode(e));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (rt.counters().snapshot().quarantinedTotal() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(rt.counters().snapshot().quarantinedTotal()).isEqualTo(1);
    }
    assertThat(StoreScan.filesContaining(dir.resolve("nats"), marker)).as("files holding the marker").isEmpty();
    assertThat(StoreScan.filesContaining(dir.resolve("eventspace"), marker)).as("files holding the marker").isEmpty();

    // the same secret reopens the same stores and the same registration
    String guid;
    try (VettIdRuntime rt = VettIdRuntime.embedded(dir, secret).start()) {
      assertThat(rt.quarantine().list(10)).hasSize(1);
      guid = rt.subscriberGuid().orElseThrow();
    }
    try (VettIdRuntime rt = VettIdRuntime.embedded(dir, secret).start()) {
      assertThat(rt.subscriberGuid()).contains(guid);
      assertThat(rt.embeddedEventSpaceServer().orElseThrow().concierge().subscribers()).isEqualTo(1);
    }
  }

  @Test
  void aThirdPartyRuleEngineFromServiceLoaderReplacesTheOwnersRules() throws Exception {
    java.util.concurrent.atomic.AtomicInteger chats = new java.util.concurrent.atomic.AtomicInteger();
    io.vettid.api.spi.EventHandlerFactory chat = new io.vettid.api.spi.EventHandlerFactory() {
      @Override
      public String name() {
        return "chat";
      }

      @Override
      public java.util.Set<EventType> eventTypes() {
        return java.util.Set.of(EventType.of("chat.message"), EventType.of("payment.request"));
      }

      @Override
      public io.vettid.api.spi.EventHandler create(io.vettid.api.spi.EventHandlerContext ctx) {
        return event -> chats.incrementAndGet();
      }
    };
    try (VettIdRuntime rt = VettIdRuntime.embedded(dir, secret())
        .ruleEngineProvider("allow-chat").handler(chat).start()) {
      assertThat(rt.rules()).isEmpty();
      for (String type : new String[] {"chat.message", "payment.request", "chat.message"}) {
        rt.connection().jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(), InternalEventCodec.encode(
            InternalEvent.builder().type(EventType.of(type)).connectionId(ConnectionId.random())
                .payload(JsonNodeFactory.instance.objectNode()).build()));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (rt.counters().snapshot().handled() + rt.counters().snapshot().quarantinedTotal() < 3
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(chats.get()).isEqualTo(2);
      assertThat(rt.counters().snapshot().quarantined().get(io.vettid.api.FailureReason.DENIED_BY_RULE)).isEqualTo(1);
    }
    assertThatThrownBy(() -> VettIdRuntime.embedded(dir, secret()).ruleEngineProvider("no-such-engine"))
        .isInstanceOf(io.vettid.api.spi.ProviderLookupException.class);
  }

  @Test
  void theEntryPointsAndTheBuilderSayWhatIsWrong() {
    assertThatThrownBy(() -> VettIdRuntime.embedded(null, secret())).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("dataDirectory");
    assertThatThrownBy(() -> VettIdRuntime.embedded(dir, null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("vaultSecret");
    assertThatThrownBy(() -> VettIdRuntime.embedded(dir, new byte[16]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 32 bytes");
    assertThatThrownBy(() -> VettIdRuntime.connect((Options.Builder) null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> VettIdRuntime.embedded(dir, secret()).replicas(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VettIdRuntime.embedded(dir, secret()).account(null))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not to the embedded default");
    assertThatThrownBy(() -> VettIdRuntime.embedded(dir, secret()).eventSpaceNats(new Options.Builder(),
        new Options.Builder())).isInstanceOf(IllegalStateException.class).hasMessageContaining("your own users");
  }
}
