package io.vettid.cli;

import static io.vettid.cli.Inputs.passphrase;
import static io.vettid.cli.VettidCli.OK;
import static io.vettid.cli.VettidCli.PROBLEM;
import static io.vettid.cli.VettidCli.USAGE;
import static io.vettid.cli.VettidCli.root;

import io.vettid.crypto.Suite;
import io.vettid.nats.server.ServerAddress;
import io.vettid.profile.TrustedResource;
import io.vettid.runtime.client.VaultClientException;
import io.vettid.runtime.eventspace.RegistrationToken;
import java.io.IOException;
import java.util.Arrays;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vettid init}: creates a vault in its home directory, sealed under the passphrase. */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = "Create a vault: an identity key (RSA-4096 by default; this takes a few seconds), a vault"
        + " secret, the vault's own NATS operator and account, TLS certificates, all sealed under the passphrase.")
final class InitCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--name", required = true, description = "Your first name, as your profiles show it.")
  String name;

  @Option(names = "--age", description = "Your age, if you want profiles to show it.")
  Integer age;

  @Option(names = "--age-over", description = "An age claim instead of the age, such as 18.")
  Integer ageOver;

  @Option(names = "--location", required = true,
      description = "A generalized location, such as \"Berlin area\" (required: every profile shows one).")
  String location;

  @Option(names = "--suite", defaultValue = "VETTID-RSA4096-V1",
      description = "Key suite for the identity and new connections (default ${DEFAULT-VALUE}; one of: "
          + "VETTID-RSA4096-V1, VETTID-MLKEM768-MLDSA65-V1, VETTID-MLKEM1024-MLDSA65-V1, VETTID-ELGAMAL3072-RSA4096-V1,"
          + " or a suite a plugin given with --plugin defines).")
  String suite;

  @Option(names = "--plugin", paramLabel = "NAME:VERSION:SHA256",
      description = "Trust a plugin jar already put in <home>/plugins/ (repeat for several), as 'vettid plugins trust'"
          + " would: it loads at every start, and --suite may name a suite it defines.")
  java.util.List<String> plugins;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Where the vault's server listens, and what peers connect to (default ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "0", description = "The server's port (default: a free one, kept).")
  int port;

  @Option(names = "--eventspace-server", paramLabel = "HOST:PORT",
      description = "Register with this EventSpace server (with --pin and --token): peers reach the vault there, and"
          + " the vault's own server listens on loopback only.")
  String eventSpaceServer;

  @Option(names = "--pin", description = "The EventSpace server's CA pin, as its operator gave it.")
  String pin;

  @Option(names = "--token", description = "The one-time registration token its operator gave (vettid-token:...).")
  String token;

  @Mixin PassphraseFile passphraseFile;

  /** The EventSpace server to register with, or null; all three options or none. */
  private VaultInit.Registration registration() throws VaultClientException {
    if (eventSpaceServer == null && pin == null && token == null) {
      return null;
    }
    if (eventSpaceServer == null || pin == null || token == null) {
      throw new VaultClientException("registering with an EventSpace server takes --eventspace-server, --pin and"
          + " --token together", USAGE);
    }
    if (!"127.0.0.1".equals(host)) {
      throw new VaultClientException("a vault registered with an EventSpace server listens on loopback only; leave"
          + " out --host", USAGE);
    }
    try {
      return new VaultInit.Registration(ServerAddress.parse(eventSpaceServer, pin), RegistrationToken.parse(token));
    } catch (IllegalArgumentException e) {
      throw new VaultClientException(e.getMessage(), USAGE);
    }
  }

  /**
   * Loads the plugins given with {@code --plugin} from the home's {@code plugins/} directory (their
   * suites become known), each of which must load: the owner trusts these bytes now.
   */
  private VaultPlugins.Loaded loadPlugins(VaultHome home, java.util.List<TrustedResource> trusted)
      throws IOException, VaultClientException {
    com.fasterxml.jackson.databind.node.ObjectNode list = VaultHome.JSON.createObjectNode();
    trusted.forEach(t -> VaultPlugins.trust(list, t));
    if (trusted.isEmpty()) { // nothing in plugins/ is looked at
      return VaultPlugins.Loaded.none();
    }
    VaultPlugins.Loaded loaded = VaultPlugins.load(home, list, System.err);
    for (TrustedResource t : trusted) {
      if (loaded.plugins().stream().noneMatch(x -> x.trusted().sha256().equals(t.sha256()))) {
        throw new VaultClientException("plugin " + t.name() + " " + t.version() + " did not load: no jar in "
            + home.dir.resolve("plugins") + " has the SHA-256 " + t.sha256() + ", or it does not load (see above)",
            USAGE);
      }
    }
    return loaded;
  }

  @Override
  public Integer call() throws Exception {
    VaultHome home = root(spec).vaultHome();
    if (home.initialized()) {
      throw new VaultClientException("a vault exists at " + home.dir + " already", PROBLEM);
    }
    if (age == null && ageOver == null) {
      throw new IllegalArgumentException("a profile needs an age or an age claim: give --age or --age-over");
    }
    java.util.List<TrustedResource> trusted = new java.util.ArrayList<>();
    for (String p : plugins == null ? java.util.List.<String>of() : plugins) {
      trusted.add(VaultPlugins.parse(p));
    }
    VaultPlugins.Loaded loaded = loadPlugins(home, trusted);
    Suite s = loaded.suite(suite).orElseThrow(() -> new IllegalArgumentException("unknown suite " + suite
        + "; one of " + loaded.suites().stream().map(Suite::name).toList()));
    VaultInit.Registration registration = registration();
    char[] pass = passphrase(true, false, passphraseFile.path);
    try {
      VaultHome.Config c = VaultInit.run(home, name, age == null ? OptionalInt.empty() : OptionalInt.of(age),
          ageOver == null ? OptionalInt.empty() : OptionalInt.of(ageOver), location, s,
          registration == null ? host : "127.0.0.1", port, registration, pass, trusted, System.err);
      System.out.println("vault created in " + home.dir);
      System.out.println("  owner     " + c.name());
      System.out.println("  identity  " + c.identityKeyId());
      if (c.eventSpaceServer() != null) {
        System.out.println("  registered on the EventSpace server " + c.eventSpaceServer().hostPort() + " as " + c.guid());
      }
      System.out.println("  server    tls://" + c.host() + ":" + c.port() + (c.eventSpaceServer() != null
          ? " (loopback only)" : "") + " (start it: vettid --home " + home.dir + " server start --detach)");
      return OK;
    } finally {
      Arrays.fill(pass, '\0');
    }
  }
}
