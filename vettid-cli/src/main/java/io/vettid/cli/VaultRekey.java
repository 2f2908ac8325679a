package io.vettid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.crypto.SecretBox;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserLimits;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.jetstream.BucketReseal;
import io.vettid.nats.jetstream.StreamCopy;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.subjects.Subjects;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.connection.ConnectionStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces a stopped vault's secret, and with it the JetStream store key and every key derived
 * from it ({@code vettid keys rekey-vault}). nats-server 2.9 cannot re-key a store in place, so:
 *
 * <ol>
 *   <li>the vault's server is started on its current store, and a second on a new, empty store
 *       directory under the store key of the new secret, both on loopback ports of their own (TLS,
 *       the vault's own certificate), so no peer reaches either while it runs;
 *   <li>every stream of every account the vault's server holds is copied into the new store by the
 *       servers' own snapshot and restore ({@link StreamCopy}): the same messages at the same
 *       sequences, the consumers with their state;
 *   <li>in the new store, everything sealed under a key derived from the vault secret is sealed
 *       again under the new secret and its history purged: the connections' records, rings and
 *       sessions ({@link ConnectionStore#reseal}), the identity pairs, the saved accounts, the open
 *       invitations ({@link #SEALED});
 *   <li>the TLS CA key is sealed under the new secret beside the current one;
 *   <li>the commit: {@code vault.sealed} is written with the new secret and the new store's name,
 *       in one atomic move;
 *   <li>then (and at every start, for a re-key interrupted after its commit) the staged CA key takes
 *       the current one's place and the stores {@code vault.sealed} does not name are deleted.
 * </ol>
 *
 * <p>Interrupted before the commit, the vault is as it was (the next re-key or start drops what
 * was staged); after it, the vault starts from the new store. Peers are not involved: their keys,
 * sessions and users are unchanged, and what they send while the vault is stopped waits with them
 * or on the EventSpace server's deposit stream.
 */
final class VaultRekey {
  private static final Logger LOG = LoggerFactory.getLogger(VaultRekey.class);
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** The entries of the {@code Vault} bucket sealed under a key derived from the vault secret, and its purpose. */
  static final Map<String, String> SEALED = Map.of(
      IdentityKeeper.KEY, IdentityKeeper.PURPOSE,
      AccountKeeper.KEY, AccountKeeper.PURPOSE,
      AccountKeeper.EXTERNAL_KEY, AccountKeeper.PURPOSE,
      HandshakeControl.KEY, HandshakeControl.SEAL_PURPOSE);

  /** What a re-key did. */
  record Result(String store, List<String> streams, long messages, int resealed, Duration took) {}

  private VaultRekey() {}

  /**
   * Re-keys a stopped vault.
   *
   * @param home the vault's home
   * @param passphrase its passphrase (not kept)
   * @param progress where to tell what is being done
   * @return what was done
   * @throws Exception if the secrets do not open, a server does not start, or a copy or seal fails
   *     (before the commit: the vault is as it was)
   */
  static Result rekey(VaultHome home, char[] passphrase, PrintStream progress) throws Exception {
    Path lock = lockFile(home);
    if (inProgress(home)) {
      throw new IOException("a re-key of this vault is running (" + lock + ")");
    }
    Files.writeString(lock, Long.toString(ProcessHandle.current().pid()));
    try {
      return rekeyLocked(home, passphrase, progress);
    } finally {
      Files.deleteIfExists(lock);
    }
  }

  /** The file a running re-key holds (its pid): the vault does not start while it runs. */
  static Path lockFile(VaultHome home) {
    return home.dir.resolve("rekey.lock");
  }

  /**
   * Whether a re-key of this vault is running (a lock whose process lives; a stale one is removed).
   *
   * @param home the vault's home
   * @return true while a re-key runs
   * @throws IOException if the lock cannot be read or removed
   */
  static boolean inProgress(VaultHome home) throws IOException {
    Path lock = lockFile(home);
    if (!Files.isRegularFile(lock)) {
      return false;
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(lock).trim());
    } catch (NumberFormatException e) {
      pid = -1;
    }
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return true;
    }
    Files.deleteIfExists(lock);
    return false;
  }

  private static Result rekeyLocked(VaultHome home, char[] passphrase, PrintStream progress) throws Exception {
    long t0 = System.nanoTime();
    VaultHome.Config config = home.readConfig();
    ObjectNode secrets = home.readSecrets(passphrase);
    byte[] oldSecret = Base64.getDecoder().decode(secrets.path("vaultSecret").asText());
    byte[] newSecret = new byte[32];
    new SecureRandom().nextBytes(newSecret);
    try {
      Path from = home.natsDir(secrets);
      String next = nextStore(from.getFileName().toString());
      Path to = home.dir.resolve(next);
      settle(home, oldSecret, from); // what an interrupted re-key left
      io.vettid.nats.server.FileTrees.delete(to); // staged by a re-key that stopped before its commit
      NatsOperator operator = NatsOperator.restore(VaultHome.JSON.writeValueAsBytes(secrets.get("operator")));
      VaultAccounts accounts = VaultAccounts.restore(operator, VaultHome.JSON.writeValueAsBytes(secrets.get("accounts")));
      SubscriberAccounts external = secrets.path("subscriber").isObject()
          ? SubscriberAccounts.restore(VaultHome.JSON.writeValueAsBytes(secrets.get("subscriber"))) : null;
      List<NatsAccount> local = new AccountKeeper(operator, accounts, external, oldSecret).local();
      TlsMaterial tls = TlsMaterial.load(home.tlsDir(), oldSecret);

      List<String> streams = new ArrayList<>();
      long messages = 0;
      int resealed = 0;
      Files.createDirectories(to.resolve("jwt"));
      copyJwts(from.resolve("jwt"), to.resolve("jwt")); // the accounts as last pushed, revocations included
      try (NatsServer old = start(config, from, oldSecret, tls, operator, local);
          NatsServer fresh = start(config, to, newSecret, tls, operator, local)) {
        progress.println("copying the store into " + next + " under the new store key");
        for (NatsAccount a : local) {
          UserCredentials user = a.issueUser("rekey", UserPermissions.ACCOUNT_OWNER, UserLimits.UNLIMITED,
              Duration.ofHours(1));
          try (Connection src = connect(old, tls, user); Connection dst = connect(fresh, tls, user)) {
            for (String name : streamNames(src)) {
              long n = StreamCopy.copy(src, dst, name, WAIT).getStreamState().getMsgCount();
              long was = src.jetStreamManagement().getStreamInfo(name).getStreamState().getMsgCount();
              if (n != was) {
                throw new IOException("stream " + name + " of account " + a.name() + ": " + n + " messages copied of "
                    + was);
              }
              streams.add(a.name() + "/" + name);
              messages += n;
            }
            if (a == accounts.vault()) {
              resealed += reseal(dst, oldSecret, newSecret);
              progress.println("sealed again under the new vault secret: " + resealed + " value(s)");
            }
          } finally {
            user.destroy();
          }
        }
      }
      TlsMaterial.stageCaKey(home.tlsDir(), oldSecret, newSecret);
      // the commit
      secrets.put("vaultSecret", Base64.getEncoder().encodeToString(newSecret)).put("store", next);
      home.writeSecrets(secrets, passphrase);
      settle(home, newSecret, to);
      return new Result(next, streams, messages, resealed, Duration.ofNanos(System.nanoTime() - t0));
    } finally {
      Arrays.fill(oldSecret, (byte) 0);
      Arrays.fill(newSecret, (byte) 0);
      secrets.removeAll();
    }
  }

  /**
   * Settles what a re-key leaves once {@code vault.sealed} names the secret in effect: a CA key
   * staged under it is taken (one staged under another is dropped), and the stores older than the
   * one in use are deleted (a newer one, which only a {@code vault.sealed} restored from a backup
   * would leave, is left alone). Called at every start and at the end of a re-key.
   *
   * @param home the vault's home
   * @param secret the vault secret in effect
   * @param store the store directory in use
   * @throws IOException if a file cannot be moved or deleted
   */
  static void settle(VaultHome home, byte[] secret, Path store) throws IOException {
    if (TlsMaterial.settleStagedCaKey(home.tlsDir(), secret)) {
      LOG.info("the TLS CA key is now sealed under the new vault secret");
    }
    long current = generation(store.getFileName().toString());
    try (Stream<Path> entries = Files.list(home.dir)) {
      for (Path p : entries.filter(p -> Files.isDirectory(p) && VaultHome.isStore(p)).toList()) {
        long g = generation(p.getFileName().toString());
        if (g < current) {
          io.vettid.nats.server.FileTrees.delete(p);
          LOG.info("store {} deleted: the vault secret it was under is replaced", p.getFileName());
        } else if (g > current) {
          LOG.warn("store {} is newer than the one vault.sealed names ({}); left as it is", p.getFileName(),
              store.getFileName());
        }
      }
    }
  }

  /** The Vault and Connections buckets' sealed values, sealed again under the new secret, history purged. */
  private static int reseal(Connection vault, byte[] oldSecret, byte[] newSecret)
      throws IOException, GeneralSecurityException, JetStreamApiException {
    int n = 0;
    List<String> names = vault.jetStreamManagement().getStreamNames();
    if (names.contains("KV_" + Subjects.name("Connections"))) {
      n += ConnectionStore.reseal(vault, oldSecret, newSecret);
    }
    if (names.contains("KV_" + Subjects.name("Vault"))) {
      SecureRandom random = new SecureRandom();
      n += BucketReseal.reseal(vault, Subjects.name("Vault"), SEALED::containsKey, (k, sealed) -> {
        byte[] oldKey = SecretBox.derive(oldSecret, SEALED.get(k), 32);
        byte[] newKey = SecretBox.derive(newSecret, SEALED.get(k), 32);
        byte[] aad = k.getBytes(StandardCharsets.US_ASCII);
        byte[] plain = SecretBox.open(oldKey, aad, sealed);
        try {
          return SecretBox.seal(newKey, aad, plain, random);
        } finally {
          Arrays.fill(plain, (byte) 0);
          Arrays.fill(oldKey, (byte) 0);
          Arrays.fill(newKey, (byte) 0);
        }
      });
    }
    return n;
  }

  /** A store directory's generation: 0 for {@code nats}, n for {@code nats.<n>}. */
  static long generation(String store) {
    int dot = store.indexOf('.');
    return dot < 0 ? 0 : Long.parseLong(store.substring(dot + 1));
  }

  /** The next store directory's name: {@code nats} → {@code nats.1} → {@code nats.2} … */
  static String nextStore(String current) {
    long n = generation(current);
    if (n >= 999_999_999) {
      throw new IllegalStateException("no store name after " + current);
    }
    return VaultHome.FIRST_STORE + "." + (n + 1);
  }

  private static List<String> streamNames(Connection nc) throws IOException, JetStreamApiException {
    try {
      return nc.jetStreamManagement().getStreamNames();
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == 10039) { // JetStream not enabled for the account: nothing to copy
        return List.of();
      }
      throw e;
    }
  }

  /** A maintenance server: the vault's, on a loopback port of its own, its store under the secret's key. */
  private static NatsServer start(VaultHome.Config config, Path store, byte[] secret, TlsMaterial tls,
      NatsOperator operator, List<NatsAccount> local) throws IOException {
    return VaultDaemon.startServer(config, "127.0.0.1", NatsServerConfig.freePort("127.0.0.1"), store, secret, tls,
        operator, local);
  }

  private static Connection connect(NatsServer server, TlsMaterial tls, UserCredentials user)
      throws IOException, InterruptedException, GeneralSecurityException {
    ServerAddress a = ServerAddress.parse(server.clientUrl().replaceFirst("^[a-z]+://", ""), tls.caPin());
    return Nats.connect(new Options.Builder().server(a.url()).sslContext(a.sslContext()).authHandler(user.authHandler())
        .connectionTimeout(Duration.ofSeconds(10)).build());
  }

  private static void copyJwts(Path from, Path to) throws IOException {
    if (!Files.isDirectory(from)) {
      return;
    }
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

}
