package io.vettid.cli;

import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.KeyEndpoints;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vettid keys list | rotate | rotate-identity | rekey-vault}: the vault's keys by keyID. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "The vault's keys by keyID.",
    subcommands = {KeysCommand.ListAll.class, KeysCommand.Rotate.class, KeysCommand.RotateIdentity.class,
        KeysCommand.RekeyVault.class})
final class KeysCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the identity key and each connection's current wrapping key (keyIDs only).")
  static final class ListAll extends VaultRequest<ControlEndpoint.None, KeyEndpoints.Listed> {
    ListAll() {
      super(KeyEndpoints.LIST);
    }

    @Override
    ControlEndpoint.None request() {
      return new ControlEndpoint.None();
    }

    @Override
    void print(KeyEndpoints.Listed a, PrintStream out) {
      out.println("identity  " + a.identity().keyId() + " (" + a.identity().algorithm() + ")");
      a.connections().forEach(c -> out.println(c.connection() + "  " + c.peer() + "  wrapping " + c.wrapping() + " ("
          + c.suite() + ")"));
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Rotate a connection's key pair and NATS user now (they also rotate every 30 days); the peer"
          + " acknowledges, and the old key still opens events for 10 minutes after that.")
  static final class Rotate extends VaultRequest<ControlEndpoint.ByConnection, KeyEndpoints.Rotated> {
    Rotate() {
      super(KeyEndpoints.ROTATE, Duration.ofMinutes(2), true);
    }

    @Parameters(paramLabel = "CONNECTION", description = "The connection id, or the peer's name.")
    String connection;

    @Override
    ControlEndpoint.ByConnection request() {
      return new ControlEndpoint.ByConnection(connection);
    }

    @Override
    void print(KeyEndpoints.Rotated a, PrintStream out) {
      out.println("connection " + a.connection() + ": new wrapping key " + a.wrapping()
          + "; rotation announced to the peer");
    }
  }

  @Command(name = "rotate-identity", mixinStandardHelpOptions = true,
      description = "Rotate the identity key now (it also rotates every 365 days): the profiles are re-signed with the"
          + " new key and every peer is told, in a statement signed by the old and the new key, and pins the new key."
          + " Invitations handed out before still work for 8 days.")
  static final class RotateIdentity extends VaultRequest<ControlEndpoint.None, KeyEndpoints.IdentityRotated> {
    RotateIdentity() {
      super(KeyEndpoints.ROTATE_IDENTITY, Duration.ofMinutes(2), true);
    }

    @Override
    ControlEndpoint.None request() {
      return new ControlEndpoint.None();
    }

    @Override
    void print(KeyEndpoints.IdentityRotated a, PrintStream out) {
      out.println("identity " + a.previous() + " -> " + a.identity() + " (rotation " + a.rotations() + "); "
          + a.peersTold() + " peer(s) told, the others when they can be reached");
    }
  }

  @Command(name = "rekey-vault", mixinStandardHelpOptions = true,
      description = "Replace the vault secret of a stopped vault, and with it the JetStream store key and every key"
          + " derived from it: the store is copied into a new one under the new key, everything sealed under the old"
          + " secret is sealed again, and the old store is deleted. Peers notice nothing.")
  static final class RekeyVault implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Spec CommandSpec spec;

    @picocli.CommandLine.Option(names = "--passphrase-stdin", hidden = true)
    boolean passphraseStdin;

    @picocli.CommandLine.Mixin PassphraseFile passphraseFile;

    @Override
    public Integer call() throws Exception {
      VaultHome home = VettidCli.root(spec).vaultHome();
      if (!home.initialized()) {
        throw new io.vettid.runtime.client.VaultClientException("no vault at " + home.dir, VettidCli.ENVIRONMENT);
      }
      if (ServerCommand.running(home)) {
        throw new io.vettid.runtime.client.VaultClientException("the vault at " + home.dir + " is running; stop it"
            + " first (vettid --home " + home.dir + " server stop)", VettidCli.PROBLEM);
      }
      char[] pass = Inputs.passphrase(false, passphraseStdin, passphraseFile.path);
      VaultRekey.Result r;
      try {
        r = VaultRekey.rekey(home, pass, System.out);
      } catch (java.security.GeneralSecurityException e) {
        throw new io.vettid.runtime.client.VaultClientException("the vault's secrets do not open, or a value sealed"
            + " under them does not: " + e.getMessage() + "; nothing was changed", VettidCli.PROBLEM);
      } finally {
        java.util.Arrays.fill(pass, '\0');
      }
      System.out.printf("vault secret replaced: %d stream(s), %d message(s) copied into %s under the new store key;"
          + " %d sealed value(s) sealed again; the old store deleted (%.1f s)%n", r.streams().size(), r.messages(),
          r.store(), r.resealed(), r.took().toMillis() / 1000.0);
      return VettidCli.OK;
    }
  }
}
