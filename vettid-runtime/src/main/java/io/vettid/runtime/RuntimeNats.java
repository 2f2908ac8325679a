package io.vettid.runtime;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.server.NatsServer;
import io.vettid.runtime.eventspace.EventSpaceServer;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;

/**
 * Where a runtime's NATS is, opened: the embedded servers when it started them, the connection in
 * the vault's internal account, and those in its external accounts (the deposit account, the
 * EventSpace account) when it has them.
 *
 * @param server the embedded server, or null
 * @param eventSpaceServer the embedded EventSpace server, or null
 * @param depositReplicas the replicas of the deposit streams the embedded EventSpace server named, or 0
 * @param vault the connection in the vault's own account
 * @param deposits the connection in the deposit account, or null
 * @param peers the responder's connection in the EventSpace account, or null
 * @param guid the subscriber guid, when known
 * @param apps the apps' account, when known
 */
record RuntimeNats(NatsServer server, EventSpaceServer eventSpaceServer, int depositReplicas, Connection vault, Connection deposits, Connection peers, String guid,
    NatsAccount apps) {

  /** Starts the embedded server if the builder asks for it, and connects. */
  static RuntimeNats open(VettIdRuntimeBuilder b) throws IOException, GeneralSecurityException, InterruptedException {
    if (b.mode != VettIdRuntimeBuilder.Mode.EMBEDDED) {
      return connect(null, null, 0, b.options, b.depositOptions, b.peerOptions,
          b.accounts != null ? b.accounts.guid() : null, b.account);
    }
    EmbeddedServer e = EmbeddedServer.start(b.dataDirectory, b.vaultSecret);
    try {
      return connect(e.server(), e.eventSpaceServer(), e.replicas(), e.vault(), e.deposits(), e.peers(), e.guid(),
          e.apps());
    } catch (IOException | InterruptedException | RuntimeException x) {
      e.server().close();
      e.eventSpaceServer().close();
      throw x;
    }
  }

  private static RuntimeNats connect(NatsServer server, EventSpaceServer es, int replicas, Options.Builder vault,
      Options.Builder deposits, Options.Builder peers, String guid, NatsAccount apps)
      throws IOException, InterruptedException {
    Connection v = connect(vault);
    Connection d = null;
    try {
      d = deposits == null ? null : connect(deposits);
      return new RuntimeNats(server, es, replicas, v, d, deposits == null ? null : connect(peers), guid, apps);
    } catch (IOException | InterruptedException | RuntimeException x) {
      close(d);
      close(v);
      throw x;
    }
  }

  private static Connection connect(Options.Builder options) throws IOException, InterruptedException {
    return Nats.connect(options.connectionTimeout(Duration.ofSeconds(10)).maxReconnects(-1).build());
  }

  private static void close(Connection c) throws InterruptedException {
    if (c != null) {
      c.close();
    }
  }

  /** Closes the connections (side by side), then the embedded servers. */
  void close() {
    io.vettid.runtime.internal.Closing.inParallel(java.util.Arrays.asList(peers, deposits, vault));
    if (server != null) {
      server.close();
    }
    if (eventSpaceServer != null) {
      eventSpaceServer.close();
    }
  }
}
