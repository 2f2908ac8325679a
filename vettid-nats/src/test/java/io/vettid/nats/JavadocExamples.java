package io.vettid.nats;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.ConnectionId;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.RenewingUser;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserLimits;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.jetstream.StreamCopy;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerBinary;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.server.NatsServerConfig.Cipher;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.subjects.Subject;
import io.vettid.nats.subjects.Subjects;
import io.vettid.nats.tls.TlsMaterial;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The javadoc examples of vettid-nats, compiled with its tests (never run): each stands between a
 * line {@code // example: <Class>} and a line {@code // end}, exactly as the javadoc of that class
 * shows it (vettid-runtime's {@code DocumentationExamplesTest} holds the two together).
 */
@SuppressWarnings({"unused", "resource"})
final class JavadocExamples {
  private JavadocExamples() {}

  void natsServerBinary() {
    // example: NatsServerBinary
    Path binary = NatsServerBinary.locate();       // throws with install advice if missing
    // end
  }

  void serverAddress(TlsMaterial tls) throws Exception {
    // example: ServerAddress
    ServerAddress a = ServerAddress.parse("127.0.0.1:4222", tls.caPin());
    Connection nc = Nats.connect(new Options.Builder().server(a.url()).sslContext(a.sslContext()).build());
    // end
  }

  void natsServerConfig(char[] storeKey) throws Exception {
    // example: NatsServerConfig
    NatsServerConfig config = NatsServerConfig.builder()
        .jetStreamEncryption(Cipher.CHACHAPOLY, storeKey)   // key reaches the server by environment
        .build();
    try (NatsServer server = NatsServer.start(config)) {
      Connection nc = Nats.connect(server.clientUrl());
    }
    // end
  }

  void natsServer() throws Exception {
    // example: NatsServer
    try (NatsServer server = NatsServer.start(NatsServerConfig.builder().build())) {
      try (Connection nc = Nats.connect(server.clientUrl())) {
        nc.publish("Example.Subject", new byte[] {1});
      }
    }   // stops the process and deletes its temporary directory
    // end
  }

  void natsOperator(Path jwtDir, String guid, ConnectionId id, Connection systemConnection) throws Exception {
    // example: NatsOperator
    NatsOperator op = NatsOperator.create("vettid");
    NatsAccount alice = op.createAccount("subscriber-3f7a9c", JetStreamLimits.subscriberDefault());
    NatsServerConfig config = NatsServerConfig.builder()
        .extraConfig(op.serverConfig(NatsOperator.ServerRole.EVENTSPACE_SERVER, jwtDir, List.of(alice)))
        .build();
    // later, on the running server:
    UserCredentials conn = alice.issueUser("conn-1", UserPermissions.forConnection(guid, "home", id));
    alice.revoke(conn.publicKey());
    op.push(systemConnection, alice);   // the server drops conn-1 at once
    // end
  }

  void vaultAccounts(ConnectionId bobId) {
    // example: VaultAccounts
    NatsOperator op = NatsOperator.create("vettid");
    VaultAccounts alice = VaultAccounts.create(op, "3f7a9c", JetStreamLimits.subscriberDefault());
    // server: op.serverConfig(role, jwtDir, alice.all())
    UserCredentials owner = alice.vault().issueUser("owner", UserPermissions.ACCOUNT_OWNER);
    UserCredentials bob = alice.eventSpace().issueUser("conn-bob",
        UserPermissions.forConnection("3f7a9c", "home", bobId), UserLimits.CONNECTION, null);
    // end
  }

  void jetStreamLayout(Connection nc, String guid) throws Exception {
    // example: JetStreamLayout
    JetStreamLayout layout = JetStreamLayout.builder().replicas(3).build();
    layout.ensureVault(nc);
    String stream = layout.ensureEventSpace(nc, guid, "home");
    // end
  }

  void renewingUser(VaultAccounts accounts, String url) throws Exception {
    // example: RenewingUser
    RenewingUser vault = RenewingUser.of(accounts.vault(), "vault", UserPermissions.ACCOUNT_OWNER,
        Duration.ofDays(7));
    Connection nc = Nats.connect(new Options.Builder().server(url).authHandler(vault).build());
    // end
  }

  void streamCopy(Connection oldServer, Connection newServer) throws Exception {
    // example: StreamCopy
    for (String name : StreamCopy.copyAll(oldServer, newServer, Duration.ofSeconds(30))) {
      System.out.println("copied " + name);
    }
    // end
  }

  void subjects(ConnectionId connectionId) {
    // example: Subjects
    Subject deposit = Subjects.deposit("3f7a9c", "home", connectionId);  // subscriber.3f7a9c.home.queue.<id>
    Subject queue = Subjects.DATA_VAULT_QUEUE;                           // DataVault.Queue
    // end
  }

  void tlsMaterial(Path dir) throws Exception {
    // example: TlsMaterial
    TlsMaterial tls = TlsMaterial.generate(dir, List.of("localhost"), List.of("127.0.0.1"));
    NatsServer server = NatsServer.start(NatsServerConfig.builder().tls(tls.serverTls(false)).build());
    Connection nc = Nats.connect(Options.builder().server(server.clientUrl()).sslContext(tls.clientContext()).build());
    // end
  }

  void tlsRenewal(java.nio.file.Path dir, byte[] vaultSecret, NatsServer server) throws Exception {
    // example: TlsMaterial#generate
    TlsMaterial tls = TlsMaterial.generate(dir, List.of("localhost"), List.of("127.0.0.1"), vaultSecret);
    TlsMaterial later = TlsMaterial.load(dir, vaultSecret);
    if (later.renewIfDue(Instant.now(), TlsMaterial.RENEW_BEFORE)) {
      server.reload();                                 // serves the new certificate
    }
    // end
  }
}
