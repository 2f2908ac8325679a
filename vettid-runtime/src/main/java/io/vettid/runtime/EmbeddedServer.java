package io.vettid.runtime;

import io.nats.client.Options;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.tls.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;

/**
 * The embedded default's server: its own {@code nats-server} under the data directory, on
 * loopback, with TLS that requires a client certificate only this runtime holds, in operator mode
 * with the vault's accounts ({@link EmbeddedAccounts}), and JetStream encrypted at rest under a key
 * derived from the vault secret (it reaches the server only through its environment). With it, the
 * options of the runtime's three connections: the vault's owner, the watcher in the deposit
 * account, and the responder in the EventSpace account.
 *
 * @param server the running server
 * @param guid the subscriber guid of the vault's accounts
 * @param apps the account of the vault's apps
 * @param vault options of the runtime's own connection (the internal account)
 * @param deposits options of the watchers' connection (the deposit account)
 * @param peers options of the responder's connection (the EventSpace account)
 */
record EmbeddedServer(NatsServer server, String guid, NatsAccount apps, Options.Builder vault,
    Options.Builder deposits, Options.Builder peers) {

  /**
   * Starts the server of a data directory (its accounts made at the first start, kept sealed).
   *
   * @param dataDirectory the vault's data directory
   * @param vaultSecret the vault secret
   * @param subscriberGuid the guid to make the accounts with at the first start, or null for a new one
   * @return the server and the connections' options
   */
  static EmbeddedServer start(Path dataDirectory, byte[] vaultSecret, String subscriberGuid)
      throws IOException, GeneralSecurityException {
    Path dir = Files.createDirectories(dataDirectory);
    EmbeddedAccounts embedded = EmbeddedAccounts.openOrCreate(dir, vaultSecret, subscriberGuid);
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
              Files.createDirectories(dir.resolve("nats").resolve("jwt")), embedded.accounts().all()))
          .build());
    } finally {
      Arrays.fill(storeKey, '\0');
    }
    try {
      Options base = new Options.Builder().server(server.clientUrl()).sslContext(tls.clientContext("vettid-runtime"))
          .build();
      return new EmbeddedServer(server, embedded.accounts().guid(), embedded.accounts().apps(),
          new Options.Builder(base).authHandler(embedded.accounts().issueOwner("vault").authHandler()),
          new Options.Builder(base).authHandler(embedded.accounts().issueWatcher("watcher").authHandler()),
          new Options.Builder(base).authHandler(embedded.accounts().issueResponder("responder").authHandler()));
    } catch (GeneralSecurityException | RuntimeException e) {
      server.close();
      throw e;
    }
  }
}
