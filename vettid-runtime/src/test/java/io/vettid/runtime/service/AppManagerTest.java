package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.JetStreamOptions;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.testkit.NatsServerExtension;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Apps registered to a vault, on a real server in operator mode with TLS. */
class AppManagerTest {
  static final NatsOperator OP = NatsOperator.create("apps-test");
  static final NatsAccount VAULT = OP.createAccount("vault", JetStreamLimits.subscriberDefault());
  static final EventType INVITE = EventType.of("calendar.invite");
  static final EventType PAY = EventType.of("payment.request");

  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest().operatorMode(OP, VAULT)
      .build();

  @Test
  void anAppSpeaksOnlyForItselfOnlyInItsTypesAndOnlyUntilRevoked() throws Exception {
    Connection owner = NATS.connect(VAULT.issueUser("owner", UserPermissions.ACCOUNT_OWNER), NATS.options());
    JetStreamLayout.builder().build().ensureVault(owner);
    AppManager apps = new AppManager(owner, VAULT);
    AppManager.App calendar = apps.register("calendar", Set.of(INVITE));
    AtomicInteger handled = new AtomicInteger();
    EventHandlerFactory cal = new EventHandlerFactory() {
      @Override
      public String name() {
        return "cal";
      }

      @Override
      public Set<EventType> eventTypes() {
        return Set.of(INVITE, PAY);
      }

      @Override
      public EventHandler create(EventHandlerContext ctx) {
        return event -> handled.incrementAndGet();
      }
    };
    RuntimeCounters counters = new RuntimeCounters();
    EventService service = apps.service().handlers(HandlerRegistry.of(cal)).counters(counters)
        .rules(e -> Decision.handle("apps", "cal")).build();

    Connection app = NATS.connect(calendar.credentials(),
        NATS.options().inboxPrefix(Subjects.appInbox(calendar.id()).value()));
    String queue = Subjects.appQueue(calendar.id()).value();
    ConnectionId self = ConnectionId.of(calendar.id());
    publish(app, queue, INVITE, self);                          // fine
    publish(app, queue, INVITE, ConnectionId.of("someone-else")); // speaks for another
    publish(app, queue, PAY, self);                             // not its type
    int settled = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (settled < 3 && System.nanoTime() < deadline) {
      settled += service.poll(10, Duration.ofMillis(200));
    }
    assertThat(handled.get()).isEqualTo(1);
    assertThat(counters.snapshot().quarantined().get(FailureReason.MALFORMED)).isEqualTo(1);
    assertThat(counters.snapshot().quarantined().get(FailureReason.DENIED_BY_RULE)).isEqualTo(1);

    // the server refuses what its permissions do not allow
    long before = owner.jetStreamManagement().getStreamInfo(Subjects.DATA_VAULT_STREAM).getStreamState().getMsgCount();
    Connection appShortWait = NATS.connect(calendar.credentials(), NATS.options()
        .inboxPrefix(Subjects.appInbox(calendar.id()).value()));
    assertThatThrownBy(() -> appShortWait.jetStream(JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(1))
        .build()).publish(Subjects.DATA_VAULT_QUEUE.value(), new byte[] {1})).isInstanceOf(Exception.class);
    assertThat(owner.jetStreamManagement().getStreamInfo(Subjects.DATA_VAULT_STREAM).getStreamState().getMsgCount())
        .isEqualTo(before);

    assertThat(apps.revoke(calendar.id())).isTrue();
    assertThat(apps.revoke(calendar.id())).isFalse();
    publish(app, queue, INVITE, self);
    settled = 0;
    while (settled < 1 && System.nanoTime() < deadline + Duration.ofSeconds(10).toNanos()) {
      settled += service.poll(10, Duration.ofMillis(200));
    }
    assertThat(counters.snapshot().quarantined().get(FailureReason.CONNECTION_REVOKED)).isEqualTo(1);
    assertThat(handled.get()).isEqualTo(1);
    assertThat(VAULT.isRevoked(calendar.credentials().publicKey())).isTrue();
    service.close();

    assertThatThrownBy(() -> apps.register("bad name", Set.of(INVITE))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> apps.register("empty", Set.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRuntimeGivenItsAccountRunsTheAppManager() throws Exception {
    AtomicInteger handled = new AtomicInteger();
    EventHandlerFactory cal = new EventHandlerFactory() {
      @Override
      public String name() {
        return "calendar";
      }

      @Override
      public Set<EventType> eventTypes() {
        return Set.of(INVITE);
      }

      @Override
      public EventHandler create(EventHandlerContext ctx) {
        return event -> handled.incrementAndGet();
      }
    };
    try (io.vettid.runtime.VettIdRuntime rt = io.vettid.runtime.VettIdRuntime.connect(NATS.options().authHandler(VAULT.issueUser("owner2", UserPermissions.ACCOUNT_OWNER).authHandler()))
        .account(VAULT).discoverHandlers(false).handler(cal)
        .ruleEngine(e -> Decision.handle("apps", "calendar")).start()) {
      AppManager.App app = rt.apps().orElseThrow().register("planner", Set.of(INVITE));
      Connection c = NATS.connect(app.credentials(), NATS.options().inboxPrefix(Subjects.appInbox(app.id()).value()));
      publish(c, Subjects.appQueue(app.id()).value(), INVITE, ConnectionId.of(app.id()));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      // the handler runs first; the runtime counts the event as handled once its commit is settled
      while ((handled.get() < 1 || rt.counters().snapshot().handled() < 1) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(handled.get()).isEqualTo(1);
      assertThat(rt.counters().snapshot().handled()).isEqualTo(1);
    }
  }

  private static void publish(Connection app, String queue, EventType type, ConnectionId from) throws Exception {
    app.jetStream().publish(queue, InternalEventCodec.encode(InternalEvent.builder().type(type).connectionId(from)
        .payload(JsonNodeFactory.instance.objectNode()).build()));
  }

}
