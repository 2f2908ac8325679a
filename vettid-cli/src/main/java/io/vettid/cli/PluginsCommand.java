package io.vettid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.profile.TrustedResource;
import io.vettid.runtime.client.VaultClientException;
import io.vettid.runtime.resources.Plugins;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vettid plugins list | trust | rule-engine}: the jars in {@code <home>/plugins/} and which
 * of them the owner trusts (kept in {@code vault.sealed}, so these commands need the passphrase and
 * a stopped vault; the next start loads them).
 */
@Command(name = "plugins", mixinStandardHelpOptions = true,
    description = "Plugins: jars in <home>/plugins/ that load at the vault's start only when their SHA-256 is trusted,"
        + " each in a class loader that sees vettid-api only; their event handlers and rule engine run in the vault.",
    subcommands = {PluginsCommand.ListAll.class, PluginsCommand.Trust.class, PluginsCommand.RuleEngine.class})
final class PluginsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** The sealed secrets of a stopped vault, opened with the passphrase, for a change. */
  abstract static class SealedChange implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin PassphraseFile passphraseFile;

    @Option(names = "--passphrase-stdin", hidden = true)
    boolean passphraseStdin;

    /** Reads (and perhaps changes) the secrets; returns whether to write them back. */
    abstract boolean change(VaultHome home, ObjectNode secrets) throws Exception;

    @Override
    public Integer call() throws Exception {
      VaultHome home = VettidCli.root(spec).vaultHome();
      if (!home.initialized()) {
        throw new VaultClientException("no vault at " + home.dir + "; see: vettid init", VettidCli.ENVIRONMENT);
      }
      char[] pass = Inputs.passphrase(false, passphraseStdin, passphraseFile.path);
      try {
        ObjectNode secrets;
        try {
          secrets = home.readSecrets(pass);
        } catch (java.security.GeneralSecurityException e) {
          throw new VaultClientException("the vault's secrets do not open with this passphrase", VettidCli.PROBLEM);
        }
        try {
          if (change(home, secrets)) {
            if (ServerCommand.running(home)) {
              throw new VaultClientException("the vault at " + home.dir + " is running; stop it first (vettid --home "
                  + home.dir + " server stop), then start it again to load its plugins", VettidCli.PROBLEM);
            }
            home.writeSecrets(secrets, pass);
          }
        } finally {
          secrets.removeAll();
        }
      } finally {
        java.util.Arrays.fill(pass, '\0');
      }
      return VettidCli.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the jars in <home>/plugins/ with their SHA-256 and whether each is trusted.")
  static final class ListAll extends SealedChange {
    @Override
    boolean change(VaultHome home, ObjectNode secrets) throws Exception {
      List<TrustedResource> trusted = VaultPlugins.trusted(secrets);
      List<Path> jars = VaultPlugins.jars(home);
      for (Path jar : jars) {
        byte[] bytes = VaultPlugins.read(jar);
        String sha = Plugins.sha256(bytes);
        java.util.Optional<TrustedResource> match = trusted.stream().filter(t -> t.sha256().equals(sha)).findFirst();
        System.out.println(jar.getFileName() + "  " + sha + "  " + match.map(t -> "trusted as " + t.name() + " "
            + t.version()).orElse("NOT trusted: it will not load"));
        if (match.isPresent()) {
          System.out.println("  " + provides(match.get(), bytes));
        }
      }
      if (jars.isEmpty()) {
        System.out.println("(no jar in " + home.dir.resolve("plugins") + ")");
      }
      for (TrustedResource t : trusted) {
        System.out.println("trusted: " + t.name() + ":" + t.version() + ":" + t.sha256());
      }
      VaultPlugins.ruleEngine(secrets).ifPresent(r -> System.out.println("rule engine: " + r));
      return false;
    }

    /** What a trusted jar provides, loaded as the vault loads it (its own class loader, vettid-api only). */
    private static String provides(TrustedResource t, byte[] bytes) {
      try {
        Plugins.Plugin p = Plugins.load(t, bytes);
        return "provides: handlers " + p.handlers().stream().map(h -> h.name()).toList()
            + ", rule engines " + p.ruleEngines().stream().map(r -> r.name()).toList()
            + ", key algorithms " + p.keyAlgorithms().stream().map(a -> a.name()).toList()
            + ", suites " + p.suites().stream().map(d -> d.name() + " (id " + d.id() + ": " + d.wrapAlgorithm()
                + " and " + d.signatureAlgorithm() + ")").toList();
      } catch (Exception | LinkageError e) {
        return "does not load: " + e.getMessage();
      }
    }
  }

  @Command(name = "trust", mixinStandardHelpOptions = true,
      description = "Trust a plugin by its SHA-256 (vettid plugins list shows it); the vault loads it at its next start."
          + " Example: vettid plugins trust poll-handler:1.0.0:<64 hex digits>")
  static final class Trust extends SealedChange {
    @Parameters(paramLabel = "NAME:VERSION:SHA256", description = "The plugin's name, version and SHA-256.")
    String spec256;

    @Override
    boolean change(VaultHome home, ObjectNode secrets) {
      TrustedResource t = VaultPlugins.parse(spec256);
      VaultPlugins.trust(secrets, t);
      System.out.println("trusted " + t.name() + " " + t.version() + " (SHA-256 " + t.sha256() + "); it loads at the"
          + " vault's next start");
      return true;
    }
  }

  @Command(name = "rule-engine", mixinStandardHelpOptions = true,
      description = "Let a trusted plugin's rule engine decide in place of the owner's rules (by its provider name),"
          + " or --default for the owner's rules again. A name no trusted plugin provides denies every event.")
  static final class RuleEngine extends SealedChange {
    @Parameters(paramLabel = "PROVIDER", arity = "0..1", description = "The rule engine provider's name.")
    String provider;

    @Option(names = "--default", description = "The owner's declarative rules (vettid rules ...).")
    boolean useDefault;

    @Override
    boolean change(VaultHome home, ObjectNode secrets) {
      if (useDefault == (provider != null)) {
        throw new IllegalArgumentException("give a rule engine provider's name, or --default");
      }
      VaultPlugins.useRuleEngine(secrets, provider);
      System.out.println(provider == null ? "the owner's rules decide from the next start"
          : "rule engine " + provider + " decides from the next start");
      return true;
    }
  }
}
