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

/** {@code vettid keys list | rotate}: the vault's keys by keyID. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "The vault's keys by keyID.",
    subcommands = {KeysCommand.ListAll.class, KeysCommand.Rotate.class, KeysCommand.RotateIdentity.class})
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
}
