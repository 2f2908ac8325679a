package io.vettid.runtime;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.Suites;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserLimits;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.runtime.JavadocExamples.MyHandlerFactory;
import io.vettid.runtime.client.RuleEndpoints;
import io.vettid.runtime.client.VaultClient;
import io.vettid.runtime.connection.BlockList;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.connection.Established;
import io.vettid.runtime.connection.Identity;
import io.vettid.runtime.connection.Invitation;
import io.vettid.runtime.connection.Invitations;
import io.vettid.runtime.connection.Invitee;
import io.vettid.runtime.connection.PeerConnector;
import io.vettid.runtime.service.HeldEvents;
import io.vettid.testkit.NatsTest;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/**
 * The README's Java examples, compiled with the tests (never run): each stands between a line
 * {@code // example: README-<what>} and a line {@code // end}, exactly as the README shows it;
 * {@code DocumentationExamplesTest} holds the two together.
 */
@SuppressWarnings({"unused", "resource"})
final class ReadmeExamples {
  private ReadmeExamples() {}

  void codec(byte[] bytes) throws Exception {
    // example: README-codec
    InternalEvent event = InternalEventCodec.decode(bytes);
    // end
  }

  void providers() {
    // example: README-providers
    KeyAlgorithm rsa = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build().get("RSA-4096");
    // end
  }

  // example: README-testkit
  @NatsTest
  class MyIntegrationTest {
    @Test
    void works(Connection nc) throws Exception { /* a fresh connection to a real server */ }
  }
  // end

  void accounts(ConnectionId bobId, Connection systemConnection) throws Exception {
    // example: README-accounts
    NatsOperator op = NatsOperator.create("vettid");
    VaultAccounts alice = VaultAccounts.create(op, "3f7a9c", JetStreamLimits.subscriberDefault());
    // server: NatsServerConfig.builder().tls(...).extraConfig(op.serverConfig(ServerRole.EVENTSPACE_SERVER, jwtDir, alice.all()))
    UserCredentials bob = alice.eventSpace().issueUser("conn-bob",
        UserPermissions.forConnection("3f7a9c", "home", bobId), UserLimits.CONNECTION, null);
    // bob may publish only to subscriber.3f7a9c.home.queue.<bobId> and .profile.<bobId>, read only his inbox;
    // he is in the EventSpace account, which has no JetStream: what he sends can reach nothing the vault keeps
    alice.eventSpace().revoke(bob.publicKey());
    op.push(systemConnection, alice.eventSpace());   // the server drops bob's connections at once
    // end
  }

  void runtime(byte[] secret, Connections connections, String subscriberGuid) throws Exception {
    // example: README-runtime
    try (VettIdRuntime vault = VettIdRuntime.embedded(Path.of("vault"), secret) // or .connect(accounts, options)
        .connections(connections)                              // seals replies, opens deposits
        .handler(new MyHandlerFactory())                       // plus ServiceLoader and built-ins
        .start()) {
      vault.rules().orElseThrow().put("""
          [{"id": "chat", "eventType": "chat.message", "action": "handle", "handler": "chat"},
           {"id": "ask-me", "eventType": "contact.request", "action": "hold"}]""");
      vault.watch(subscriberGuid, "home");                     // Event Watcher on the EventSpace
      for (HeldEvents.Held h : vault.inbox().list()) {
        vault.inbox().approve(h.id());
      }
      System.out.println(vault.counters().snapshot());
    }
    // end
  }

  void handshake(Identity aliceIdentity, String aliceGuid, NatsAccount aliceAccount, BlockList blocks, Clock clock,
      String uri, Identity bobIdentity, String bobGuid, NatsAccount bobAccount, BlockList bobBlocks,
      Connections aliceConnections, Connections bobConnections, PeerConnector connector) throws Exception {
    // example: README-handshake
    Invitations invitations = new Invitations(aliceIdentity, aliceGuid, aliceAccount, Suites.DEFAULT, blocks, clock);
    Invitation inv = invitations.create("home", false);              // show inv.toUri() as a QR code
    Invitee bob = Invitee.accept(Invitation.parse(uri), bobIdentity, bobGuid, "home", bobAccount, Suites.DEFAULT, clock, bobBlocks);
    Invitations.Result r = invitations.accept(bob.message());        // in person: confirmed at once
    Established atBob = bob.complete(r.confirm().orElseThrow());
    aliceConnections.add(r.established().orElseThrow(), connector);  // connector: a NATS connection as the peer-issued user
    bobConnections.add(atBob, connector);
    System.out.println(atBob.safetyNumber());                        // the same on both sides
    // end
  }

  void client() throws Exception {
    // example: README-client
    try (VaultClient vault = VaultClient.open(Path.of("alice"))) {
      vault.send("Bob", EventType.of("chat.message"), JsonNodeFactory.instance.objectNode().put("text", "hi"));
      vault.onEvent(notice -> System.out.println(notice.path("outcome") + " " + notice.path("type")));
      RuleEndpoints.Verdict verdict = vault.call(RuleEndpoints.TEST, new RuleEndpoints.Test("chat.message", null, "Bob"));
    }
    // end
  }
}
