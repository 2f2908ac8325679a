package io.vettid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.Suite;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.eventspace.ConciergeClient;
import io.vettid.runtime.eventspace.RegistrationToken;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates a vault's home: the identity key (the suite's signature algorithm, RSA-4096 by
 * default), a 256-bit vault secret, the vault's own NATS operator, its accounts (one per trust zone)
 * and owner user, the server's CA and certificate, and a fixed port for its server. Registered
 * with an EventSpace server, the vault also makes its two external accounts' keys and registers
 * them there ({@link ConciergeClient#register}); its own server then listens on loopback only and
 * peers reach the vault on the EventSpace server. Otherwise peers reach its own server.
 */
final class VaultInit {
  private VaultInit() {}

  /**
   * Where a vault registers: an EventSpace server and the one-time token its operator gave.
   *
   * @param server the server's address and CA pin
   * @param token the token
   */
  record Registration(ServerAddress server, RegistrationToken token) {}

  static VaultHome.Config run(VaultHome home, String name, OptionalInt age, OptionalInt ageOver, String location,
      Suite suite, String host, int port, Registration registration, char[] passphrase, PrintStream progress)
      throws IOException, GeneralSecurityException, InterruptedException {
    return run(home, name, age, ageOver, location, suite, host, port, registration, passphrase, List.of(), progress);
  }

  /** Creates a vault's home that trusts plugins from the start (a plugin's suite may be its suite). */
  static VaultHome.Config run(VaultHome home, String name, OptionalInt age, OptionalInt ageOver, String location,
      Suite suite, String host, int port, Registration registration, char[] passphrase,
      List<io.vettid.profile.TrustedResource> plugins, PrintStream progress)
      throws IOException, GeneralSecurityException, InterruptedException {
    if (location == null || location.isBlank()) {
      throw new IllegalArgumentException("a vault needs a generalized location, such as \"Berlin area\": give --location");
    }
    if (home.initialized()) {
      throw new IllegalStateException("a vault exists at " + home.dir + " already");
    }
    Files.createDirectories(home.dir);
    KeyAlgorithm alg = suite.signature();
    progress.print("Generating the identity key (" + alg.name() + ")");
    progress.flush();
    long t0 = System.nanoTime();
    KeyPair identity = withDots(() -> alg.generateKeyPair(new SecureRandom()), progress);
    progress.printf(" %.1f s%n", (System.nanoTime() - t0) / 1e9);

    SecureRandom random = new SecureRandom();
    SubscriberAccounts external = null;
    int replicas = 0;
    String guid;
    if (registration != null) {
      progress.print("Registering with the EventSpace server " + registration.server().hostPort());
      progress.flush();
      ConciergeClient.Registration r = ConciergeClient.register(registration.server(), registration.token(),
          SubscriberAccounts.create(JetStreamLimits.subscriberDefault()));
      external = r.accounts();
      replicas = r.replicas();
      guid = external.guid();
      progress.println(" as " + guid);
    } else {
      byte[] id = new byte[8];
      random.nextBytes(id);
      guid = HexFormat.of().formatHex(id);
    }
    byte[] vaultSecret = new byte[32];
    random.nextBytes(vaultSecret);
    NatsOperator operator = NatsOperator.create("vault-" + guid);
    VaultAccounts accounts = VaultAccounts.create(operator, guid, JetStreamLimits.subscriberDefault());

    List<String> dns = new ArrayList<>(List.of("localhost"));
    List<String> ips = new ArrayList<>(List.of("127.0.0.1"));
    if (host.matches("[0-9.]+")) {
      if (!ips.contains(host)) {
        ips.add(host);
      }
    } else if (!dns.contains(host)) {
      dns.add(host);
    }
    TlsMaterial.generate(home.tlsDir(), dns, ips, vaultSecret); // the CA key kept sealed, to renew
    int chosen = port == 0 ? NatsServerConfig.freePort(host) : port;

    ObjectNode s = VaultHome.JSON.createObjectNode().put("v", VaultHome.SECRETS_VERSION);
    Base64.Encoder b = Base64.getEncoder();
    IdentityKeeper.put(s.putObject("identity").put("algorithm", alg.name()), identity);
    s.put("vaultSecret", b.encodeToString(vaultSecret));
    plugins.forEach(t -> VaultPlugins.trust(s, t));
    Arrays.fill(vaultSecret, (byte) 0);
    byte[] op = operator.export();
    byte[] acc = accounts.export();
    s.set("operator", VaultHome.JSON.readTree(op));
    s.set("accounts", VaultHome.JSON.readTree(acc));
    Arrays.fill(op, (byte) 0);
    Arrays.fill(acc, (byte) 0);
    if (external != null) {
      byte[] ext = external.export();
      s.set("subscriber", VaultHome.JSON.readTree(ext));
      Arrays.fill(ext, (byte) 0);
    }
    progress.print("Sealing the vault's secrets under the passphrase (scrypt)");
    progress.flush();
    withDots(() -> {
      home.writeSecrets(s, passphrase);
      return null;
    }, progress);
    progress.println();
    s.removeAll();
    VaultHome.Config c = new VaultHome.Config(name, age, ageOver, location, guid, suite.name(),
        alg.keyId(identity.getPublic()).value(), host, chosen, List.of(),
        registration == null ? null : registration.server(), replicas);
    home.writeConfig(c);
    return c;
  }

  private interface Work<T> {
    T run() throws Exception;
  }

  /** Runs slow work, printing a dot each half second so that the wait shows. */
  private static <T> T withDots(Work<T> work, PrintStream progress)
      throws IOException, GeneralSecurityException, InterruptedException {
    CompletableFuture<T> f = CompletableFuture.supplyAsync(() -> {
      try {
        return work.run();
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    while (true) {
      try {
        return f.get(500, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        progress.print('.');
        progress.flush();
      } catch (ExecutionException e) {
        Throwable c = e.getCause() instanceof java.util.concurrent.CompletionException ce ? ce.getCause() : e.getCause();
        if (c instanceof IOException io) {
          throw io;
        }
        if (c instanceof GeneralSecurityException g) {
          throw g;
        }
        throw new IllegalStateException(c);
      }
    }
  }
}
