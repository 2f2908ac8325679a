package io.vettid.runtime;

import io.nats.client.Options;
import io.vettid.crypto.SecretBox;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.eventspace.ConciergeClient;
import io.vettid.runtime.eventspace.EventSpaceServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The embedded default's two servers, the topology of every vault on one machine: an {@link
 * EventSpaceServer} under {@code eventspace/} (its own operator, TLS CA and encrypted store, on
 * loopback; its secret derived from the vault secret), where the vault is registered through the
 * Concierge and its EventSpaces' deposit streams are; and the vault's own {@code nats-server} under
 * the data directory, on loopback, with TLS that requires a client certificate only this runtime
 * holds, in operator mode with the vault's internal accounts only ({@link EmbeddedAccounts}), and
 * JetStream encrypted at rest under a key derived from the vault secret (it reaches the server only
 * through its environment). With them, the options of the runtime's three connections: the vault's
 * owner on its own server, the watcher in the deposit account and the responder in the EventSpace
 * account on the EventSpace server.
 *
 * @param server the vault's own server
 * @param eventSpaceServer the EventSpace server
 * @param guid the subscriber guid the Concierge named
 * @param apps the account of the vault's apps
 * @param replicas the replicas of the deposit streams
 * @param vault options of the runtime's own connection (the internal account)
 * @param deposits options of the watchers' connection (the deposit account)
 * @param peers options of the responder's connection (the EventSpace account)
 */
record EmbeddedServer(NatsServer server, EventSpaceServer eventSpaceServer, String guid, NatsAccount apps,
    int replicas, Options.Builder vault, Options.Builder deposits, Options.Builder peers) {

  /** The purpose the EventSpace server's secret is derived from the vault secret under. */
  static final String EVENTSPACE_SECRET = "vettid/embedded/eventspace-server/v1";

  /**
   * Starts the servers of a data directory (the accounts made and registered at the first start,
   * kept sealed).
   *
   * @param dataDirectory the vault's data directory
   * @param vaultSecret the vault secret
   * @return the servers and the connections' options
   */
  static EmbeddedServer start(Path dataDirectory, byte[] vaultSecret)
      throws IOException, GeneralSecurityException, InterruptedException {
    Path dir = Files.createDirectories(dataDirectory);
    byte[] esSecret = SecretBox.derive(vaultSecret, EVENTSPACE_SECRET, 32);
    EventSpaceServer es;
    try {
      es = EventSpaceServer.builder(dir.resolve("eventspace"), esSecret).start();
    } finally {
      Arrays.fill(esSecret, (byte) 0);
    }
    try {
      EmbeddedAccounts embedded = EmbeddedAccounts.openOrCreate(dir, vaultSecret, external ->
          ConciergeClient.register(es.address(), es.concierge().issueToken(Duration.ofMinutes(5)), external));
      Own own = startOwn(dir, vaultSecret, embedded);
      try {
        Options esBase = es.clientOptions().build();
        return new EmbeddedServer(own.server(), es, embedded.accounts().guid(), embedded.accounts().apps(),
            embedded.replicas(), own.options().authHandler(embedded.accounts().renewingOwner("vault",
                VettIdRuntime.OWN_USER_VALIDITY)),
            new Options.Builder(esBase).authHandler(embedded.external().renewingWatcher("watcher",
                VettIdRuntime.OWN_USER_VALIDITY)),
            new Options.Builder(esBase).authHandler(embedded.external().renewingResponder("responder",
                VettIdRuntime.OWN_USER_VALIDITY)));
      } catch (GeneralSecurityException | RuntimeException e) {
        own.server().close();
        throw e;
      }
    } catch (IOException | GeneralSecurityException | InterruptedException | RuntimeException e) {
      es.close();
      throw e;
    }
  }

  /** The vault's own server and options to reach it (without a user). */
  private record Own(NatsServer server, Options.Builder options) {}

  private static Own startOwn(Path dir, byte[] vaultSecret, EmbeddedAccounts embedded)
      throws IOException, GeneralSecurityException {
    // fresh TLS material on every start: the CA key lives in memory only, so last run's
    // certificates cannot be extended and are replaced
    Path tlsDir = Files.createDirectories(dir.resolve("tls"));
    for (String f : List.of("ca.pem", "server-cert.pem", "server-key.pem")) {
      Files.deleteIfExists(tlsDir.resolve(f));
    }
    TlsMaterial tls = TlsMaterial.generate(tlsDir, List.of("localhost"), List.of("127.0.0.1"));
    char[] storeKey = NatsServerConfig.deriveStoreKey(vaultSecret, VettIdRuntime.EMBEDDED_SERVER_NAME);
    NatsServer server;
    try {
      server = NatsServer.start(NatsServerConfig.builder()
          .serverName(VettIdRuntime.EMBEDDED_SERVER_NAME)
          .workDir(dir.resolve("nats"))
          .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, storeKey)
          .tls(tls.serverTls(true))
          .extraConfig(embedded.operator().serverConfig(NatsOperator.ServerRole.DATA_VAULT,
              Files.createDirectories(dir.resolve("nats").resolve("jwt")), embedded.accounts().internal()))
          .build());
    } finally {
      Arrays.fill(storeKey, '\0');
    }
    try {
      return new Own(server, new Options.Builder().server(server.clientUrl())
          .sslContext(tls.clientContext("vettid-runtime")));
    } catch (GeneralSecurityException | RuntimeException e) {
      server.close();
      throw e;
    }
  }
}
