package io.vettid.runtime.eventspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.ConnectionId;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserLimits;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.testkit.Refusals;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The permission matrix of an EventSpace server with two registered vaults, A and B: A's
 * connection user, A's own users there (its watcher, which may do anything in A's deposit account)
 * and a registration's bootstrap user each try B's accounts, the Concierge and the internal
 * namespace of a vault. Everything is refused by the server, or reaches nothing: a vault's
 * internal namespace does not exist on the EventSpace server at all.
 */
class EventSpacePermissionMatrixTest {
  static final String ES = "home";
  @TempDir static Path dir;
  static EventSpaceServer es;
  static SubscriberAccounts a;
  static SubscriberAccounts b;
  static Connection bWatcher;
  static final List<Connection> OPENED = new ArrayList<>();
  static final List<String> INTERNAL = List.of(Subjects.DATA_VAULT_QUEUE.value(), Subjects.QUARANTINE.value(),
      Subjects.controlEndpoint("vault", "stop").value(), Subjects.MANAGER_EVENTS.value(), "$KV.Vault.rules",
      "$KV.Connections.x", "$JS.API.STREAM.INFO.DataVault");

  @BeforeAll
  static void twoVaults() throws Exception {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    es = EventSpaceServer.builder(dir, secret).start();
    a = register();
    b = register();
    bWatcher = connect(b.issueWatcher("watcher-b"), null, null);
    JetStreamLayout.builder().build().ensureEventSpace(bWatcher, b.guid(), ES);
    JetStreamLayout.builder().build().ensureHandshakes(bWatcher, b.guid());
    JetStreamLayout.builder().build().ensureEventSpace(connect(a.issueWatcher("watcher-a"), null, null), a.guid(), ES);
  }

  static SubscriberAccounts register() throws Exception {
    return ConciergeClient.register(es.address(), es.concierge().issueToken(Duration.ofMinutes(5)),
        SubscriberAccounts.create(JetStreamLimits.subscriberDefault())).accounts();
  }

  static Connection connect(UserCredentials user, String inbox, Refusals refusals) throws Exception {
    Options.Builder o = new Options.Builder().server(es.address().url()).sslContext(es.address().sslContext())
        .authHandler(user.authHandler()).connectionTimeout(Duration.ofSeconds(5)).noReconnect();
    if (inbox != null) {
      o.inboxPrefix(inbox);
    }
    if (refusals != null) {
      o.errorListener(refusals);
    }
    Connection c = Nats.connect(o.build());
    OPENED.add(c);
    return c;
  }

  @AfterAll
  static void stop() throws Exception {
    for (Connection c : OPENED) {
      c.close();
    }
    if (es != null) {
      es.close();
    }
  }

  /** Subjects of B a peer might aim at: its deposit, profile and handshake subjects, and its inbox. */
  static List<String> bsSubjects(ConnectionId c) {
    return List.of(Subjects.deposit(b.guid(), ES, c).value(), Subjects.profile(b.guid(), ES, c).value(),
        Subjects.handshake(b.guid(), ES, c.value()).value());
  }

  @Test
  void aConnectionUserOfAReachesNothingOfBNoConciergeAndNoInternalSubject() throws Exception {
    ConnectionId c = ConnectionId.random();
    Refusals refused = new Refusals();
    Connection peer = connect(a.eventSpace().issueUser("peer", UserPermissions.forConnection(a.guid(), ES, c),
        UserLimits.CONNECTION, null), Subjects.inbox(a.guid(), ES, c).value(), refused);
    List<String> targets = new ArrayList<>(bsSubjects(c));
    targets.addAll(List.of(Subjects.CONCIERGE_REGISTER.value(), Subjects.CONCIERGE_ACCOUNT_UPDATE.value()));
    targets.addAll(INTERNAL);
    for (String subject : targets) {
      peer.publish(subject, new byte[] {1});
      refused.expect("publish", subject);
    }
    peer.subscribe(Subjects.inbox(b.guid(), ES, c).value() + ".>");
    refused.expect("subscription", Subjects.inbox(b.guid(), ES, c).value() + ".>");
  }

  @Test
  void aVaultsOwnUserMayDoAnythingInItsAccountAndStillReachesNothingOfB() throws Exception {
    // A's watcher: all of A's deposit account; B's streams, B's subjects and the internal
    // namespace are not there
    Connection watcher = connect(a.issueWatcher("watcher"), null, null);
    var jsm = watcher.jetStreamManagement();
    assertThat(jsm.getStreamNames()).doesNotContain(Subjects.depositStream(b.guid(), ES),
        Subjects.handshakeStream(b.guid()), Subjects.DATA_VAULT_STREAM);
    assertThatThrownBy(() -> jsm.getStreamInfo(Subjects.depositStream(b.guid(), ES)))
        .isInstanceOf(JetStreamApiException.class).hasMessageContaining("stream not found");
    assertThatThrownBy(() -> jsm.getStreamInfo(Subjects.DATA_VAULT_STREAM))
        .isInstanceOf(JetStreamApiException.class).hasMessageContaining("stream not found");
    long before = depositsOfB();
    ConnectionId c = ConnectionId.random();
    for (String subject : bsSubjects(c)) {
      watcher.publish(subject, new byte[] {1}); // lands in A's account, where nothing takes it
    }
    for (String subject : INTERNAL) {
      assertThatThrownBy(() -> watcher.jetStream().publish(subject, new byte[] {1}))
          .as("no stream on the EventSpace server takes %s", subject).isInstanceOf(Exception.class);
    }
    watcher.flush(Duration.ofSeconds(2));
    assertThat(depositsOfB()).as("B's deposit stream is untouched").isEqualTo(before);
  }

  @Test
  void aRegistrationsBootstrapUserMayOnlyAskToRegister() throws Exception {
    RegistrationToken token = es.concierge().issueToken(Duration.ofMinutes(5));
    Refusals refused = new Refusals();
    Connection bootstrap = connect(token.bootstrap(), token.inboxPrefix(), refused);
    List<String> targets = new ArrayList<>(bsSubjects(ConnectionId.random()));
    targets.add(Subjects.CONCIERGE_ACCOUNT_UPDATE.value());
    targets.addAll(INTERNAL);
    for (String subject : targets) {
      bootstrap.publish(subject, new byte[] {1});
      refused.expect("publish", subject);
    }
    assertThat(es.concierge().revokeToken(token.secret())).isTrue();
  }

  private static long depositsOfB() throws Exception {
    return bWatcher.jetStreamManagement().getStreamInfo(Subjects.depositStream(b.guid(), ES)).getStreamState()
        .getMsgCount();
  }
}
