package io.vettid.runtime.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserLimits;
import io.vettid.nats.auth.UserPermissions;
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
 * Item 8 of the review: one connection floods a vault with junk, more than the vault's whole
 * storage, while another keeps talking to it. The junk is refused or quarantined (past the
 * flooder's share with its metadata only), the vault's account never fills, and every event of
 * the other connection is handled.
 */
class StorageFloodTest {
  static final Suite SUITE = Suites.MLKEM768_MLDSA65_V1;
  static final String GUID = "flood1";
  static final long DISK = 64L << 20;
  static final NatsOperator OP = NatsOperator.create("flood-test");
  static final VaultAccounts ALICE = VaultAccounts.create(OP, GUID, new JetStreamLimits(16L << 20, DISK, 64, 1024));
  static final EventType CHAT = EventType.of("chat.message");

  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest()
      .operatorMode(OP, ALICE).build();

  static Connection asConnection(ConnectionId id) throws Exception {
    return asConnection(NATS, ALICE, GUID, id);
  }

  /** A peer's NATS connection to a vault's EventSpace {@code home}, as the user the vault issued it. */
  static Connection asConnection(NatsServerExtension nats, VaultAccounts vault, String guid, ConnectionId id)
      throws Exception {
    return nats.connect(vault.eventSpace().issueUser(id.value(), UserPermissions.forConnection(guid, "home", id),
        UserLimits.CONNECTION, null), nats.options().inboxPrefix(Subjects.inbox(guid, "home", id).value()));
  }

  @Test
  void aFloodFromOneConnectionNeitherFillsTheVaultNorStopsAnother() throws Exception {
    Set<String> chats = ConcurrentHashMap.newKeySet();
    Connections alice = new Connections();
    SecureRandom random = new SecureRandom();
    ConnectionId bobId = ConnectionId.of("bob");
    ConnectionId malloryId = ConnectionId.of("mallory");
    ConnectionKeys aliceForBob = ConnectionKeys.generate(SUITE, random);
    ConnectionKeys bobKeys = ConnectionKeys.generate(SUITE, random);
    try (VettIdRuntime vault = VettIdRuntime.connect(ALICE, NATS.options()).connections(alice)
        .discoverHandlers(false).handler(InvitationFlowTest.chat(chats, new AtomicInteger())).start()) {
      vault.rules().orElseThrow().put("[{\"id\": \"chat\", \"eventType\": \"chat.message\", \"action\": \"handle\","
          + " \"handler\": \"chat\"}]");
      Connection unused = vault.depositConnection().orElseThrow(); // alice sends nothing here
      alice.add(bobId, ConnectionId.of("alice-at-bob"), "subscriber.bob1.home.queue.alice-at-bob", unused, aliceForBob,
          bobKeys.signingPublic(), bobKeys.wrappingPublic());
      vault.watch(GUID, "home");
      Connections bob = new Connections();
      bob.add(ConnectionId.of("alice-at-bob"), bobId, Subjects.deposit(GUID, "home", bobId).value(),
          asConnection(bobId), bobKeys, aliceForBob.signingPublic(), aliceForBob.wrappingPublic());

      // mallory: 160 deposits of 900 KiB of junk, 2.2 times the vault's whole storage
      Connection mallory = asConnection(malloryId);
      JetStream js = mallory.jetStream();
      byte[] junk = new byte[900 << 10];
      int floods = 160;
      AtomicInteger refused = new AtomicInteger();
      Thread flood = new Thread(() -> {
        for (int i = 0; i < floods; i++) {
          random.nextBytes(junk);
          try {
            PublishAck ack = js.publish(Subjects.deposit(GUID, "home", malloryId).value(),
                new Headers().put("Nats-Msg-Id", "junk-" + i), junk);
            if (ack.hasError()) {
              refused.incrementAndGet();
            }
          } catch (Exception e) {
            refused.incrementAndGet(); // the stream was full: she is told, nothing is lost unseen
          }
        }
      });
      flood.start();
      for (int i = 0; i < 10; i++) { // during the flood
        bob.send(ConnectionId.of("alice-at-bob"), CHAT, JsonNodeFactory.instance.objectNode().put("n", "b" + i));
      }
      flood.join();
      for (int i = 10; i < 20; i++) { // and after it
        bob.send(ConnectionId.of("alice-at-bob"), CHAT, JsonNodeFactory.instance.objectNode().put("n", "b" + i));
      }
      InvitationFlowTest.await(() -> chats.size() == 20, "every chat of bob handled, during the flood and after");
      InvitationFlowTest.await(() -> vault.counters().snapshot().quarantined().get(FailureReason.MALFORMED)
          + refused.get() == floods, "every junk deposit refused or quarantined");

      io.nats.client.JetStreamManagement jsm = vault.connection().jetStreamManagement();
      long used = jsm.getAccountStatistics().getStorage();
      long quarantine = jsm.getStreamInfo(Subjects.QUARANTINE_STREAM).getStreamState().getByteCount();
      assertThat(used).as("the vault's account storage in use").isLessThan(DISK / 2);
      assertThat(quarantine).isLessThanOrEqualTo(
          io.vettid.nats.jetstream.JetStreamLayout.builder().storageBytes(DISK).build().capOf("Quarantine"));
      assertThat(vault.counters().snapshot().quarantinedWithoutBody()).as("junk past mallory's share: metadata only")
          .isPositive();
      assertThat(vault.quarantine().list(1000)).extracting(q -> q.source())
          .allMatch(source -> source.endsWith(".mallory"));
    }
  }
}
