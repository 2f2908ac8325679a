package io.vettid.runtime.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.EventType;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.server.ServerAddress;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.testkit.NatsServerExtension;
import io.vettid.testkit.ShiftedClock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two vaults, each the operator of its own nats-server (TLS, own CA): the invitation and the
 * acceptance say where each server listens and pin its CA, and each side deposits on the other's
 * server trusting nothing but that pin.
 */
class OwnServersTest {
  static final NatsOperator ALICE_OP = NatsOperator.create("alice-vault");
  static final NatsOperator BOB_OP = NatsOperator.create("bob-vault");
  static final VaultAccounts ALICE_VAULT = VaultAccounts.create(ALICE_OP, "alice", JetStreamLimits.subscriberDefault());
  static final VaultAccounts BOB_VAULT = VaultAccounts.create(BOB_OP, "bob", JetStreamLimits.subscriberDefault());
  static final NatsAccount ALICE = ALICE_VAULT.eventSpace();
  static final NatsAccount BOB = BOB_VAULT.eventSpace();
  static final EventType CHAT = EventType.of("chat.message");

  @RegisterExtension
  static final NatsServerExtension ALICE_NATS = NatsServerExtension.builder().tls().encryptedAtRest()
      .operatorMode(ALICE_OP, ALICE_VAULT).build();
  @RegisterExtension
  static final NatsServerExtension BOB_NATS = NatsServerExtension.builder().tls().encryptedAtRest()
      .operatorMode(BOB_OP, BOB_VAULT).build();

  /** Connects to whatever server the handshake named, trusting only its pinned CA. */
  static final PeerConnector PINNED = new PeerConnector() {
    @Override
    public io.nats.client.Connection connect(io.vettid.nats.auth.UserCredentials creds, String inbox) {
      throw new AssertionError("every peer here names its own server");
    }

    @Override
    public io.nats.client.Connection connect(io.vettid.nats.auth.UserCredentials creds, String inbox,
        ServerAddress server) throws java.io.IOException, InterruptedException {
      try {
        return Nats.connect(new Options.Builder().server(server.url()).sslContext(server.sslContext())
            .authHandler(creds.authHandler()).inboxPrefix(inbox).connectionTimeout(Duration.ofSeconds(5))
            .maxReconnects(0).build());
      } catch (java.security.GeneralSecurityException e) {
        throw new java.io.IOException(e);
      }
    }
  };

  static ServerAddress address(NatsServerExtension nats) {
    return new ServerAddress("127.0.0.1", nats.server().port(), nats.tlsMaterial().caPin());
  }

  static VettIdRuntime vault(NatsServerExtension nats, VaultAccounts accounts, String guid, Connections connections,
      Set<String> seen) throws Exception {
    VettIdRuntime r = VettIdRuntime.connect(accounts, nats.options())
        .connections(connections).discoverHandlers(false).handler(InvitationFlowTest.chat(seen, new java.util.concurrent.atomic.AtomicInteger())).start();
    r.rules().orElseThrow().put("[{\"id\": \"chat\", \"eventType\": \"chat.message\", \"action\": \"handle\","
        + " \"handler\": \"chat\"}]");
    r.watch(guid, "home");
    return r;
  }

  @Test
  void vaultsOnTheirOwnServersReachEachOtherThroughTheAddressesTheHandshakeCarries() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    Identity aliceId = InvitationFlowTest.identity("alice");
    Identity bobId = InvitationFlowTest.identity("bob");
    Set<String> atAlice = ConcurrentHashMap.newKeySet();
    Set<String> atBob = ConcurrentHashMap.newKeySet();
    Connections aliceConnections = new Connections(clock);
    Connections bobConnections = new Connections(clock);
    try (VettIdRuntime alice = vault(ALICE_NATS, ALICE_VAULT, "alice", aliceConnections, atAlice);
        VettIdRuntime bob = vault(BOB_NATS, BOB_VAULT, "bob", bobConnections, atBob)) {
      Invitations inviter = new Invitations(aliceId, "alice", ALICE, InvitationFlowTest.SUITE, new BlockList(), clock);
      inviter.advertise(address(ALICE_NATS));
      Invitation inv = Invitation.parse(inviter.create("home", false).toUri());
      assertThat(inv.serverAddress()).contains(address(ALICE_NATS));

      Invitee invitee = Invitee.accept(inv, bobId, "bob", "home", BOB, InvitationFlowTest.SUITE, clock,
          new BlockList(), address(BOB_NATS));
      Invitations.Result r = inviter.accept(invitee.message());
      Established a = r.established().orElseThrow();
      Established b = invitee.complete(r.confirm().orElseThrow());
      assertThat(a.peerServer()).isEqualTo(address(BOB_NATS));
      assertThat(b.peerServer()).isEqualTo(address(ALICE_NATS));
      aliceConnections.add(a, PINNED);
      bobConnections.add(b, PINNED);

      for (int i = 0; i < 3; i++) {
        aliceConnections.send(a.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "a" + i));
        bobConnections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "b" + i));
      }
      InvitationFlowTest.await(() -> atAlice.size() == 3 && atBob.size() == 3, "3 chats each way across servers");
      assertThat(atAlice).containsExactlyInAnyOrder("b0", "b1", "b2");
      assertThat(atBob).containsExactlyInAnyOrder("a0", "a1", "a2");
    }
  }

  @Test
  void aPinThatIsNotTheServersCaIsRefusedAtTheTlsHandshake() throws Exception {
    ServerAddress wrong = new ServerAddress("127.0.0.1", ALICE_NATS.server().port(), BOB_NATS.tlsMaterial().caPin());
    io.vettid.nats.auth.UserCredentials user = ALICE.issueUser("someone", UserPermissions.ACCOUNT_OWNER);
    assertThatThrownBy(() -> PINNED.connect(user, "_INBOX", wrong).close()).isInstanceOf(Exception.class);
    // the right pin with the same user connects: the pin, not the user, was refused
    PINNED.connect(user, "_INBOX", address(ALICE_NATS)).close();
  }

  @Test
  void anInvitationNamesItsServerOnlyWithAWellFormedAddressAndPin() {
    String pin = ALICE_NATS.tlsMaterial().caPin();
    String base = "vettid:invite?v=2&g=g1&e=home&i=AAAAAAAAAAAAAAAAAAAAAA&s=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        + "&p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        + "&k=" + InvitationUriTest.KEY + "&x=1764066000&m=p";
    assertThat(Invitation.parse(base + "&n=127.0.0.1:4222&c=" + pin).serverAddress()).isPresent();
    assertThat(Invitation.parse(base).serverAddress()).isEmpty();
    assertThatThrownBy(() -> Invitation.parse(base + "&n=127.0.0.1:4222")).hasMessageContaining("come together");
    assertThatThrownBy(() -> Invitation.parse(base + "&n=127.0.0.1&c=" + pin)).hasMessageContaining("server");
    assertThatThrownBy(() -> Invitation.parse(base + "&n=127.0.0.1:4222&c=short")).hasMessageContaining("pin");
  }
}
