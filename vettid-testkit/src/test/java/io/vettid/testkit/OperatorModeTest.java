package io.vettid.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.PublishAck;
import io.vettid.api.ConnectionId;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserLimits;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Operator mode on a real nats-server with TLS and encryption at rest: a vault's accounts (one per
 * trust zone, {@link VaultAccounts}), the permission matrix of a connection user, the replies a
 * depositor can aim, user limits, accounts and revocations applied to the running server, and NKey
 * rotation.
 */
class OperatorModeTest {
  static final String GUID = "a1";
  static final String ES = "home";
  static final ConnectionId CONN_A = ConnectionId.of("conn-a");
  static final ConnectionId CONN_B = ConnectionId.of("conn-b");

  static final ShiftedClock CLOCK = new ShiftedClock();
  static final NatsOperator OPERATOR = NatsOperator.create("vettid-test", CLOCK);
  static final VaultAccounts ALICE = VaultAccounts.create(OPERATOR, GUID, JetStreamLimits.subscriberDefault());
  static final NatsAccount PEERS = ALICE.eventSpace();

  @RegisterExtension
  static final NatsServerExtension NATS =
      NatsServerExtension.builder().tls().encryptedAtRest().operatorMode(OPERATOR, ALICE).build();

  static UserCredentials owner;
  static UserCredentials userA;
  static Connection ownerConnection;
  static Connection watcherConnection;

  static UserCredentials connectionUser(ConnectionId id) {
    return PEERS.issueUser(id.value(), UserPermissions.forConnection(GUID, ES, id), UserLimits.CONNECTION, null);
  }

  @BeforeAll
  static void layout() throws Exception {
    owner = ALICE.issueOwner("owner");
    userA = connectionUser(CONN_A);
    ownerConnection = NATS.connect(owner, Options.builder());
    watcherConnection = NATS.connect(ALICE.issueWatcher("watcher"), Options.builder());
    JetStreamLayout layout = JetStreamLayout.builder().build();
    layout.ensureVault(ownerConnection);
    layout.ensureEventSpace(watcherConnection, GUID, ES);
    watcherConnection.jetStreamManagement().addOrUpdateConsumer(Subjects.depositStream(GUID, ES),
        io.nats.client.api.ConsumerConfiguration.builder().durable(Subjects.consumer("Watcher", ES))
            .ackPolicy(io.nats.client.api.AckPolicy.All).build());
    ownerConnection.keyValue("Vault").put("secret", "owner-only".getBytes(StandardCharsets.UTF_8));
    ownerConnection.keyValue("Vault").put("rules", "[]".getBytes(StandardCharsets.UTF_8));
    ownerConnection.objectStore("Files").put("note", "owner-only".getBytes(StandardCharsets.UTF_8));
    // the responder answers profile requests, which connections may make
    Connection responder = NATS.connect(ALICE.issueResponder("responder"), Options.builder());
    responder.createDispatcher(m -> responder.publish(m.getReplyTo(), "profile-v1".getBytes(StandardCharsets.UTF_8)))
        .subscribe(Subjects.profilesOf(GUID, ES));
    responder.flush(Duration.ofSeconds(2));
  }

  /** A connection as connection user A, collecting the server's permission errors. */
  static final class Client {
    final Refusals errors = new Refusals();
    final Connection nc;

    Client(UserCredentials user, ConnectionId id) throws Exception {
      nc = NATS.connect(user, Options.builder().inboxPrefix(Subjects.inbox(GUID, ES, id).value()).errorListener(errors));
    }

    void expectRefusal(String kind, String subject) throws InterruptedException {
      errors.expect(kind, subject);
    }

    void expectRefusalOf(String kind, String subjectStart) throws InterruptedException {
      errors.expectStartingWith(kind, subjectStart);
    }
  }

  @Test
  void aConnectionDepositsToItsOwnSubjectAndReadsTheProfile() throws Exception {
    Client a = new Client(userA, CONN_A);

    PublishAck ack = a.nc.jetStream().publish(Subjects.deposit(GUID, ES, CONN_A).value(), new byte[] {1, 2, 3});
    Message profile = a.nc.request(Subjects.profile(GUID, ES, CONN_A).value(), new byte[0], Duration.ofSeconds(3));

    assertThat(ack.getStream()).isEqualTo(Subjects.depositStream(GUID, ES));
    assertThat(ack.hasError()).isFalse();
    assertThat(profile).isNotNull();
    assertThat(new String(profile.getData(), StandardCharsets.UTF_8)).isEqualTo("profile-v1");
    assertThat(a.errors.isEmpty()).as("nothing refused").isTrue();
  }

  /**
   * JetStream sends a deposit's acknowledgement to the reply subject the depositor chose; in a
   * single account that is a purge of every waiting deposit, a write to the owner's rules, an
   * injection into the vault's queue. Here the acknowledgement comes back to the EventSpace
   * account, where nothing listens.
   */
  @Test
  void aDepositorsChosenReplySubjectChangesNothingInAnyAccount() throws Exception {
    ConnectionId victim = ConnectionId.of("conn-v");
    Client v = new Client(connectionUser(victim), victim);
    for (int i = 0; i < 3; i++) {
      v.nc.jetStream().publish(Subjects.deposit(GUID, ES, victim).value(), new byte[] {(byte) i});
    }
    String stream = Subjects.depositStream(GUID, ES);
    String consumer = Subjects.consumer("Watcher", ES);
    io.nats.client.JetStreamManagement vault = ownerConnection.jetStreamManagement();
    long firstBefore = watcherConnection.jetStreamManagement().getStreamInfo(stream).getStreamState().getFirstSequence();
    long queuedBefore = vault.getStreamInfo(Subjects.DATA_VAULT_STREAM).getStreamState().getMsgCount();
    long quarantinedBefore = vault.getStreamInfo(Subjects.QUARANTINE_STREAM).getStreamState().getMsgCount();
    List<String> replies = List.of("$JS.API.STREAM.PURGE." + stream, "$JS.API.STREAM.MSG.DELETE." + stream,
        "$JS.API.CONSUMER.DELETE." + stream + "." + consumer, "$JS.API.STREAM.DELETE." + stream,
        "$JS.API.STREAM.UPDATE." + stream, "$KV.Vault.rules", "$JS.API.STREAM.PURGE." + Subjects.QUARANTINE_STREAM,
        "$JS.API.STREAM.PURGE.KV_EventHandlers", Subjects.DATA_VAULT_QUEUE.value(), Subjects.MANAGER_CONTROL.value(),
        Subjects.deposit(GUID, ES, victim).value(), Subjects.inbox(GUID, ES, victim).value() + ".x");
    Client a = new Client(userA, CONN_A);
    long aBefore = depositsOf(CONN_A);
    for (String reply : replies) {
      a.nc.publish(io.nats.client.impl.NatsMessage.builder().subject(Subjects.deposit(GUID, ES, CONN_A).value())
          .replyTo(reply).data(new byte[] {42}).build());
    }
    a.nc.flush(Duration.ofSeconds(2));
    awaitDeposits(CONN_A, aBefore + replies.size());

    assertThat(depositsOf(victim)).as("the victim's waiting deposits").isEqualTo(3);
    io.nats.client.api.StreamInfo after = watcherConnection.jetStreamManagement().getStreamInfo(stream);
    assertThat(after.getStreamState().getFirstSequence()).isEqualTo(firstBefore);
    assertThat(watcherConnection.jetStreamManagement().getConsumerInfo(stream, consumer)).isNotNull();
    assertThat(after.getConfiguration().getMaxBytes()).isEqualTo(JetStreamLayout.builder().build().depositCap());
    assertThat(new String(ownerConnection.keyValue("Vault").get("rules").getValue(), StandardCharsets.UTF_8))
        .isEqualTo("[]");
    assertThat(vault.getStreamInfo(Subjects.DATA_VAULT_STREAM).getStreamState().getMsgCount()).isEqualTo(queuedBefore);
    assertThat(vault.getStreamInfo(Subjects.QUARANTINE_STREAM).getStreamState().getMsgCount())
        .isEqualTo(quarantinedBefore);
    assertThat(vault.getStreamInfo("KV_EventHandlers")).isNotNull();
  }

  @Test
  void aConnectionUserHasItsLimits() throws Exception {
    ConnectionId id = ConnectionId.of("conn-l");
    Client l = new Client(connectionUser(id), id);
    // nats-server 2.9 sends the INFO with the user's max payload right after its first PONG, so a
    // client may return from connecting before it has read it: one more round trip, and it has
    l.nc.flush(Duration.ofSeconds(2));
    assertThat(l.nc.getServerInfo().getMaxPayload()).isEqualTo(UserLimits.CONNECTION.payloadBytes());
    assertThatThrownBy(() -> l.nc.publish(Subjects.deposit(GUID, ES, id).value(),
        new byte[(int) UserLimits.CONNECTION.payloadBytes() + 1])).isInstanceOf(IllegalArgumentException.class);
    for (int i = 0; i <= UserLimits.CONNECTION.subscriptions(); i++) {
      l.nc.subscribe(Subjects.inbox(GUID, ES, id).value() + ".s" + i);
    }
    l.nc.flush(Duration.ofSeconds(2));
    l.errors.expectError("maximum subscriptions"); // subscription 17 is refused
  }

  @Test
  void aConnectionMayHaveOnlyItsShareOfDepositsWaiting() throws Exception {
    ConnectionId flooder = ConnectionId.of("conn-f");
    Client f = new Client(connectionUser(flooder), flooder);
    String subject = Subjects.deposit(GUID, ES, flooder).value();
    List<java.util.concurrent.CompletableFuture<PublishAck>> acks = new java.util.ArrayList<>();
    for (long i = 0; i < JetStreamLayout.DEPOSITS_PER_CONNECTION; i++) {
      acks.add(f.nc.jetStream().publishAsync(subject, new byte[] {1}));
      if (acks.size() >= 512) {
        for (var ack : acks) {
          ack.get(10, TimeUnit.SECONDS);
        }
        acks.clear();
      }
    }
    for (var ack : acks) {
      ack.get(10, TimeUnit.SECONDS);
    }

    assertThatThrownBy(() -> f.nc.jetStream().publish(subject, new byte[] {1}))
        .hasMessageContaining("maximum messages per subject exceeded");
    assertThat(depositsOf(flooder)).isEqualTo(JetStreamLayout.DEPOSITS_PER_CONNECTION);
    Client a = new Client(userA, CONN_A);
    assertThat(a.nc.jetStream().publish(Subjects.deposit(GUID, ES, CONN_A).value(), new byte[] {2}).hasError())
        .as("another connection still deposits").isFalse();
  }

  @Test
  void aConnectionCannotPublishToAnotherConnectionsDeposit() throws Exception {
    Client a = new Client(userA, CONN_A);
    String other = Subjects.deposit(GUID, ES, CONN_B).value();
    long before = depositsOf(CONN_B);

    a.nc.publish(other, new byte[] {9});
    a.nc.flush(Duration.ofSeconds(2));

    a.expectRefusal("publish", other);
    assertThat(depositsOf(CONN_B)).isEqualTo(before);
  }

  @Test
  void aConnectionCannotSubscribeToDepositsOrInternalSubjects() throws Exception {
    for (String subject : new String[] {
        Subjects.depositsOf(GUID, ES), Subjects.deposit(GUID, ES, CONN_A).value(),
        Subjects.DATA_VAULT_QUEUE.value(), Subjects.QUARANTINE.value(), "Manager.>", "$JS.API.>", ">"}) {
      Client a = new Client(userA, CONN_A);
      a.nc.subscribe(subject);
      a.nc.flush(Duration.ofSeconds(2));
      a.expectRefusal("subscription", subject);
    }
  }

  @Test
  void aConnectionCannotReadTheVaultsKeyValueOrObjectStore() throws Exception {
    Client a = new Client(userA, CONN_A);

    io.nats.client.JetStreamOptions fast =
        io.nats.client.JetStreamOptions.builder().requestTimeout(Duration.ofMillis(500)).build();
    assertThatThrownBy(() -> a.nc.keyValue("Vault",
        io.nats.client.KeyValueOptions.builder().jetStreamOptions(fast).build()).get("secret"))
        .isInstanceOf(Exception.class);
    a.expectRefusal("publish", "$JS.API.STREAM.INFO.KV_Vault");
    assertThatThrownBy(() -> a.nc.objectStore("Files",
        io.nats.client.ObjectStoreOptions.builder().jetStreamOptions(fast).build()).get("note", new java.io.ByteArrayOutputStream()))
        .isInstanceOf(Exception.class);
    a.expectRefusalOf("publish", "$JS.API.");
    a.nc.publish("$JS.API.DIRECT.GET.KV_Vault", new byte[0]);
    a.nc.flush(Duration.ofSeconds(2));
    a.expectRefusal("publish", "$JS.API.DIRECT.GET.KV_Vault");
  }

  @Test
  void accountsAreIsolatedAndOneAddedAtRunTimeWorksWithoutARestart() throws Exception {
    long pid = NATS.server().pid();
    NatsAccount bob = OPERATOR.createAccount("subscriber-b2", JetStreamLimits.subscriberDefault());
    UserCredentials bobOwner = bob.issueUser("owner", UserPermissions.ACCOUNT_OWNER);
    // not yet known to the server: refused
    assertRefused(bobOwner);

    NATS.push(bob);
    Connection bobConnection = NATS.connect(bobOwner, Options.builder());
    BlockingQueue<Message> seenByBob = new LinkedBlockingQueue<>();
    bobConnection.createDispatcher(seenByBob::add).subscribe(">");
    bobConnection.flush(Duration.ofSeconds(2));
    Client a = new Client(userA, CONN_A);
    a.nc.jetStream().publish(Subjects.deposit(GUID, ES, CONN_A).value(), new byte[] {7});
    a.nc.publish("$SYS.REQ.CLAIMS.UPDATE", new byte[0]);
    a.nc.flush(Duration.ofSeconds(2));

    a.expectRefusal("publish", "$SYS.REQ.CLAIMS.UPDATE");
    assertThat(seenByBob.poll(500, TimeUnit.MILLISECONDS)).as("a message crossed accounts").isNull();
    assertThat(NATS.server().pid()).isEqualTo(pid);
  }

  @Test
  void aRevokedUserIsRefusedWithinOneSecondWithoutARestart() throws Exception {
    long pid = NATS.server().pid();
    UserCredentials doomed = connectionUser(ConnectionId.of("conn-c"));
    CountDownLatch dropped = new CountDownLatch(1);
    Connection nc = NATS.connect(doomed, Options.builder()
        .inboxPrefix(Subjects.inbox(GUID, ES, ConnectionId.of("conn-c")).value())
        .connectionListener((conn, event) -> {
          if (event == ConnectionListener.Events.DISCONNECTED || event == ConnectionListener.Events.CLOSED) {
            dropped.countDown();
          }
        }));
    assertThat(nc.getStatus()).isEqualTo(Connection.Status.CONNECTED);

    long start = System.nanoTime();
    PEERS.revoke(doomed.publicKey());
    NATS.push(PEERS);
    boolean refusedInTime = dropped.await(1, TimeUnit.SECONDS);
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(refusedInTime).as("dropped within 1 s of the revocation (took %d ms)", elapsedMs).isTrue();
    assertRefused(doomed);
    assertThat(NATS.server().pid()).isEqualTo(pid);
  }

  /**
   * Issue #20: account signing keys on a real server. A user signed by the account's signing key is
   * taken once the account JWT listing the key is pushed; once that key is retired (its users'
   * validity over on the account's clock) and the JWT pushed again, its user is refused though its
   * own expiry has not come for the server, while a user of the current key, or of the account's
   * own key, is still taken.
   */
  @Test
  void aUserOfARetiredSigningKeyIsRefusedAndOneOfTheCurrentKeyTaken() throws Exception {
    NatsAccount vault = OPERATOR.createAccount("vault-sk1", JetStreamLimits.subscriberDefault());
    UserCredentials byAccountKey = vault.issueUser("owner", UserPermissions.ACCOUNT_OWNER);
    String first = vault.rotateSigningKey();
    UserCredentials early = vault.issueUser("control", UserPermissions.ACCOUNT_OWNER, UserLimits.UNLIMITED,
        Duration.ofMinutes(5));
    assertRefused(early); // the account is not on the server yet
    NATS.push(vault);
    Connection nc = NATS.connect(early, Options.builder().noReconnect());
    assertThat(nc.getStatus()).isEqualTo(Connection.Status.CONNECTED);
    nc.close();

    vault.rotateSigningKey();
    CLOCK.advance(Duration.ofMinutes(6)); // on the account's clock the first key's users expired
    UserCredentials late = vault.issueUser("control", UserPermissions.ACCOUNT_OWNER, UserLimits.UNLIMITED,
        Duration.ofMinutes(5));
    assertThat(vault.retireSigningKeys()).containsExactly(first);
    NATS.push(vault);
    assertRefused(early);
    assertThat(NATS.connect(late, Options.builder().noReconnect()).getStatus()).isEqualTo(Connection.Status.CONNECTED);
    assertThat(NATS.connect(byAccountKey, Options.builder().noReconnect()).getStatus())
        .isEqualTo(Connection.Status.CONNECTED);
  }

  @Test
  void rotationKeepsTheOldUserDuringGraceThenRevokesIt() throws Exception {
    ConnectionId id = ConnectionId.of("conn-r");
    UserPermissions perms = UserPermissions.forConnection(GUID, ES, id);
    UserCredentials old = PEERS.issueUser("conn-r", perms);
    UserCredentials fresh = PEERS.rotateUser(old, "conn-r2", perms, Duration.ofMinutes(10));
    assertThat(PEERS.applyDueRevocations()).isFalse();
    NATS.push(PEERS);
    assertThat(NATS.connect(old, Options.builder().noReconnect()).getStatus()).isEqualTo(Connection.Status.CONNECTED);

    CLOCK.advance(Duration.ofMinutes(11));
    assertThat(PEERS.applyDueRevocations()).isTrue();
    NATS.push(PEERS);

    assertRefused(old);
    assertThat(NATS.connect(fresh, Options.builder().noReconnect()).getStatus()).isEqualTo(Connection.Status.CONNECTED);
  }

  @Test
  void acknowledgedDepositsSurviveARestartAndNoPlaintextReachesTheStore() throws Exception {
    ConnectionId id = ConnectionId.of("conn-d");
    UserCredentials user = connectionUser(id);
    Client d = new Client(user, id);
    String marker = "VETTID-PLAINTEXT-MARKER-" + java.util.UUID.randomUUID();
    int n = 200;
    for (int i = 0; i < n; i++) {
      io.nats.client.impl.Headers h = new io.nats.client.impl.Headers().put("Nats-Msg-Id", "event-d-" + i);
      PublishAck ack = d.nc.jetStream().publish(Subjects.deposit(GUID, ES, id).value(), h,
          (marker + "#" + i).getBytes(StandardCharsets.UTF_8));
      assertThat(ack.isDuplicate()).isFalse();
    }
    ownerConnection.keyValue("Connections").put("conn-d", marker.getBytes(StandardCharsets.UTF_8));
    ownerConnection.objectStore("Files").put("conn-d", marker.getBytes(StandardCharsets.UTF_8));

    NATS.server().stop();
    assertThat(StoreScan.fileCount(NATS.server().storeDir())).isPositive();
    assertThat(StoreScan.filesContaining(NATS.server().storeDir(), marker)).as("files holding the marker").isEmpty();
    NATS.server().restart();

    Connection fresh = NATS.connect(owner, Options.builder());
    Connection freshWatcher = NATS.connect(ALICE.issueWatcher("watcher-after-restart"), Options.builder());
    io.nats.client.JetStreamSubscription sub = freshWatcher.jetStream().subscribe(Subjects.deposit(GUID, ES, id).value(),
        io.nats.client.PullSubscribeOptions.builder().durable(Subjects.consumer("Watcher", "conn-d")).build());
    java.util.Set<String> seen = new java.util.HashSet<>();
    int twice = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (seen.size() < n && System.nanoTime() < deadline) {
      for (Message m : sub.fetch(100, Duration.ofSeconds(1))) {
        twice += seen.add(new String(m.getData(), StandardCharsets.UTF_8)) ? 0 : 1;
        m.ackSync(Duration.ofSeconds(5));
      }
    }
    assertThat(seen).as("lost").hasSize(n);
    assertThat(twice).as("delivered twice").isZero();
    assertThat(sub.fetch(1, Duration.ofMillis(500))).as("nothing beyond the %d published", n).isEmpty();
    assertThat(new String(fresh.keyValue("Connections").get("conn-d").getValue(), StandardCharsets.UTF_8))
        .isEqualTo(marker);
  }

  /**
   * Lists every stream, consumer and stream subject on the server after the layout and the tests
   * made theirs, and checks the naming rule: names Capitalized, subjects Capitalized (internal) or
   * all lowercase (external). {@code $KV.} and {@code $O.} subjects belong to NATS itself.
   */
  @Test
  void everyNameOnTheServerFollowsTheNamingRule() throws Exception {
    assertThat(ownerConnection.jetStreamManagement().getStreamNames()).contains(Subjects.DATA_VAULT_STREAM,
        Subjects.QUARANTINE_STREAM, "KV_Vault", "KV_Connections", "OBJ_Files")
        .doesNotContain(Subjects.depositStream(GUID, ES));
    assertThat(watcherConnection.jetStreamManagement().getStreamNames()).containsExactly(
        Subjects.depositStream(GUID, ES));
    checkNames(ownerConnection.jetStreamManagement());
    checkNames(watcherConnection.jetStreamManagement());
  }

  private static void checkNames(io.nats.client.JetStreamManagement jsm) throws Exception {
    for (String stream : jsm.getStreamNames()) {
      assertThat(Subjects.name(stream)).isEqualTo(stream);
      for (String consumer : jsm.getConsumerNames(stream)) {
        assertThat(Subjects.name(consumer)).isEqualTo(consumer);
      }
      for (String subject : jsm.getStreamInfo(stream).getConfiguration().getSubjects()) {
        if (subject.startsWith("$KV.") || subject.startsWith("$O.")) {
          continue;
        }
        String concrete = subject.endsWith(".*") || subject.endsWith(".>")
            ? subject.substring(0, subject.length() - 2) : subject;
        io.vettid.nats.subjects.Subject.Scope scope = Character.isUpperCase(concrete.charAt(0))
            ? io.vettid.nats.subjects.Subject.Scope.INTERNAL : io.vettid.nats.subjects.Subject.Scope.EXTERNAL;
        assertThat(new io.vettid.nats.subjects.Subject(concrete, scope).value()).isEqualTo(concrete);
      }
    }
  }

  @Test
  void aUserOfAnUnknownOperatorIsRefused() {
    NatsOperator stranger = NatsOperator.create("stranger");
    UserCredentials forged = stranger.createAccount("subscriber-a1", JetStreamLimits.subscriberDefault())
        .issueUser("owner", UserPermissions.ACCOUNT_OWNER);

    assertRefused(forged);
  }

  /** The server refuses the user at connect time. */
  private static void assertRefused(UserCredentials user) {
    Options options = NATS.options().authHandler(user.authHandler()).noReconnect()
        .connectionTimeout(Duration.ofSeconds(1)).errorListener(new ErrorListener() {}).build();
    assertThatThrownBy(() -> Nats.connect(options).close()).hasMessageContaining("Authorization Violation");
  }

  private static void awaitDeposits(ConnectionId id, long n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (depositsOf(id) < n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(depositsOf(id)).isEqualTo(n);
  }

  private static long depositsOf(ConnectionId id) throws Exception {
    return watcherConnection.jetStreamManagement()
        .getStreamInfo(Subjects.depositStream(GUID, ES),
            io.nats.client.api.StreamInfoOptions.filterSubjects(Subjects.deposit(GUID, ES, id).value()))
        .getStreamState().getSubjects().stream()
        .mapToLong(s -> s.getCount()).sum();
  }
}
