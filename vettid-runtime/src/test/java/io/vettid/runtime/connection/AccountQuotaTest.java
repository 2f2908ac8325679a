package io.vettid.runtime.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.testkit.NatsServerExtension;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue #20's fault suite: the vault's account reaches its storage quota (the operator lowers it
 * below what the vault stores) while a peer keeps sending. Nothing the vault writes is taken: the
 * watcher cannot forward, the Manager cannot commit, the sessions cannot be kept, so no deposit is
 * acknowledged and each is given back with its reason (counted as deferred). When space returns
 * every event is handled once, none is lost, none quarantined.
 */
class AccountQuotaTest {
  static final Suite SUITE = Suites.MLKEM768_MLDSA65_V1;
  static final String GUID = "quota1";
  static final JetStreamLimits ROOMY = new JetStreamLimits(16L << 20, 256L << 20, 64, 1024);
  static final NatsOperator OP = NatsOperator.create("quota-test");
  static final VaultAccounts ALICE = VaultAccounts.create(OP, GUID, ROOMY);
  static final EventType CHAT = EventType.of("chat.message");

  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest()
      .operatorMode(OP, ALICE).build();

  @Test
  void eventsSentWhileTheQuotaIsReachedWaitAndAreEachHandledOnceWhenSpaceReturns() throws Exception {
    Set<String> chats = ConcurrentHashMap.newKeySet();
    AtomicInteger calls = new AtomicInteger();
    Connections alice = new Connections();
    SecureRandom random = new SecureRandom();
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    ConnectionId bobId = ConnectionId.of("bob");
    ConnectionKeys aliceForBob = ConnectionKeys.generate(SUITE, random);
    ConnectionKeys bobKeys = ConnectionKeys.generate(SUITE, random);
    PeerConnector none = (creds, inbox) -> {
      throw new java.io.IOException("nothing to restore here");
    };
    // the sessions are kept in the vault's store: their checkpoints meet the quota too
    try (VettIdRuntime vault = VettIdRuntime.connect(ALICE, NATS.options()).connections(alice, secret, none)
        .discoverHandlers(false).handler(InvitationFlowTest.chat(chats, calls)).start()) {
      vault.rules().orElseThrow().put("[{\"id\": \"chat\", \"eventType\": \"chat.message\", \"action\": \"handle\","
          + " \"handler\": \"chat\"}]");
      alice.add(bobId, ConnectionId.of("alice-at-bob"), "subscriber.bob1.home.queue.alice-at-bob",
          vault.depositConnection().orElseThrow(), aliceForBob, bobKeys.signingPublic(), bobKeys.wrappingPublic());
      vault.watch(GUID, "home");
      Connections bob = new Connections();
      bob.add(ConnectionId.of("alice-at-bob"), bobId, Subjects.deposit(GUID, "home", bobId).value(),
          StorageFloodTest.asConnection(NATS, ALICE, GUID, bobId), bobKeys, aliceForBob.signingPublic(), aliceForBob.wrappingPublic());
      int before = 20;
      int during = 40;
      for (int i = 0; i < before; i++) {
        bob.send(ConnectionId.of("alice-at-bob"), CHAT, JsonNodeFactory.instance.objectNode().put("n", "b" + i));
      }
      InvitationFlowTest.await(() -> chats.size() == before, "the chats before the quota");

      // the operator lowers the quota below what the vault stores: every write in its account is refused
      io.nats.client.JetStreamManagement jsm = vault.connection().jetStreamManagement();
      long used = jsm.getAccountStatistics().getStorage();
      assertThat(used).as("the vault stores something").isPositive();
      ALICE.vault().changeLimits(new JetStreamLimits(ROOMY.memoryBytes(), used / 2, ROOMY.streams(),
          ROOMY.consumers()));
      NATS.push(ALICE.vault());
      long handledBefore = vault.counters().snapshot().handled();
      for (int i = before; i < before + during; i++) { // the peer keeps sending: its deposits are taken
        bob.send(ConnectionId.of("alice-at-bob"), CHAT, JsonNodeFactory.instance.objectNode().put("n", "b" + i));
      }
      InvitationFlowTest.await(() -> vault.counters().snapshot().deferred() > 0, "writes refused and given back");
      Thread.sleep(3_000);
      assertThat(vault.counters().snapshot().handled()).as("nothing committed while the account is full")
          .isEqualTo(handledBefore);
      assertThat(vault.counters().snapshot().quarantinedTotal()).as("nothing quarantined for it").isZero();

      // space returns
      ALICE.vault().changeLimits(ROOMY);
      NATS.push(ALICE.vault());
      InvitationFlowTest.await(() -> chats.size() == before + during, "every chat sent while the account was full");
      InvitationFlowTest.await(() -> vault.counters().snapshot().handled() == before + during,
          "each committed once");
      Thread.sleep(1_000);
      assertThat(vault.counters().snapshot().handled()).as("handled twice").isEqualTo(before + during);
      assertThat(vault.counters().snapshot().quarantinedTotal()).as("quarantined").isZero();
      System.out.printf("[fault] account quota: %d chats, %d committed, %d handler calls, %d deferred%n",
          before + during, vault.counters().snapshot().handled(), calls.get(),
          vault.counters().snapshot().deferred());
    }
  }
}
