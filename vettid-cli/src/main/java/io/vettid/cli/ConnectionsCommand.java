package io.vettid.cli;

import io.vettid.runtime.client.ConnectionEndpoints;
import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.connection.SafetyNumber;
import java.io.IOException;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vettid connections list | safety | revoke | block | unblock}. */
@Command(name = "connections", mixinStandardHelpOptions = true,
    description = "List, revoke or move connections to another suite; compare a safety number; block or unblock a peer"
        + " identity.",
    subcommands = {ConnectionsCommand.ListAll.class, ConnectionsCommand.Safety.class, ConnectionsCommand.Revoke.class,
        ConnectionsCommand.Migrate.class,
        ConnectionsCommand.Block.class, ConnectionsCommand.Unblock.class})
final class ConnectionsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List connections.")
  static final class ListAll extends VaultRequest<ControlEndpoint.None, ConnectionEndpoints.Listed> {
    ListAll() {
      super(ConnectionEndpoints.LIST);
    }

    @Override
    ControlEndpoint.None request() {
      return new ControlEndpoint.None();
    }

    @Override
    void print(ConnectionEndpoints.Listed a, PrintStream out) {
      if (a.connections().isEmpty()) {
        out.println("no connections yet: vettid invite, or vettid accept <invitation>");
      }
      a.connections().forEach(c -> out.println(c.id() + "  " + c.peer() + "  " + c.suite()
          + (c.migratingTo() == null ? "" : " (moving to " + c.migratingTo() + ")") + "  identity "
          + (c.identity() == null ? "?" : c.identity()) + "\n    safety number " + c.safetyNumber()));
    }
  }

  @Command(name = "safety", mixinStandardHelpOptions = true,
      description = "Show a connection's safety number (as digits, or as a QR code to scan), or compare it with what"
          + " the peer shows: exit status 0 if they match, 1 if they do not.")
  static final class Safety extends VaultRequest<ControlEndpoint.ByConnection, ConnectionEndpoints.Peer> {
    @Parameters(paramLabel = "CONNECTION", description = "The connection id, or the peer's name.")
    String connection;

    @Mixin QrOptions qr;

    @Option(names = "--verify", paramLabel = "SHOWN",
        description = "What the peer shows: the text its QR code holds (vettid:safety?...) or its 60 digits; - reads it"
            + " from stdin.")
    String verify;

    Safety() {
      super(ConnectionEndpoints.SHOW);
    }

    @Override
    ControlEndpoint.ByConnection request() throws IOException {
      qr.check();
      if (verify != null) {
        verify = Inputs.orStdin(verify);
      }
      return new ControlEndpoint.ByConnection(connection);
    }

    /** The vault finds the connection (by id, or by its peer's name in any case), as every command's. */
    @Override
    void print(ConnectionEndpoints.Peer c, PrintStream out) {
      out.println(c.id() + "  " + c.peer() + "\n    safety number " + c.safetyNumber());
      qr.draw(SafetyNumber.scannable(c.safetyNumber()));
    }

    @Override
    int finish(ConnectionEndpoints.Peer c) throws IOException {
      qr.write(SafetyNumber.scannable(c.safetyNumber()));
      if (verify == null) {
        return VettidCli.OK;
      }
      if (SafetyNumber.matches(verify, c.safetyNumber())) {
        System.out.println("the safety numbers match: the keys of this connection are the ones " + c.peer()
            + " holds");
        return VettidCli.OK;
      }
      System.out.println("MISMATCH: the safety numbers differ. Do not trust this connection: a key was swapped on"
          + " the way, or you compared another connection. Revoke it (vettid connections revoke " + c.id() + ")"
          + " and connect again in person.");
      return VettidCli.PROBLEM;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke a connection: tells the peer, destroys its keys, revokes its NATS user on the server.")
  static final class Revoke extends VaultRequest<ControlEndpoint.ByConnection, ConnectionEndpoints.Revoked> {
    @Parameters(paramLabel = "CONNECTION", description = "The connection id, or the peer's name.")
    String connection;

    Revoke() {
      super(ConnectionEndpoints.REVOKE);
    }

    @Override
    ControlEndpoint.ByConnection request() {
      return new ControlEndpoint.ByConnection(connection);
    }

    @Override
    void print(ConnectionEndpoints.Revoked a, PrintStream out) {
      out.println("revoked " + a.revoked() + (a.peerTold() ? " (peer told)" : " (the peer could not be told)"));
    }
  }

  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = "Move a connection to another suite: this side's keys of it are announced to the peer, and the"
          + " connection moves once the peer answers with its own (a CLI vault accepts only its own suite); it stays"
          + " as it is if the peer refuses. See it with 'connections list'.")
  static final class Migrate extends VaultRequest<ConnectionEndpoints.Migrate, ConnectionEndpoints.Migrating> {
    @Parameters(paramLabel = "CONNECTION", description = "The connection id, or the peer's name.")
    String connection;

    @Option(names = "--suite", required = true, paramLabel = "NAME", description = "The suite to move to.")
    String suite;

    Migrate() {
      super(ConnectionEndpoints.MIGRATE);
    }

    @Override
    ConnectionEndpoints.Migrate request() {
      return new ConnectionEndpoints.Migrate(connection, suite);
    }

    @Override
    void print(ConnectionEndpoints.Migrating a, PrintStream out) {
      out.println("connection " + a.connection() + " moves from " + a.from() + " to " + a.to()
          + " once the peer answers (see: vettid connections list)");
    }
  }

  @Command(name = "block", mixinStandardHelpOptions = true,
      description = "Block a peer identity: its connections are revoked, its invitations and acceptances refused."
          + " Kept across restarts.")
  static final class Block extends VaultRequest<ConnectionEndpoints.Block, ConnectionEndpoints.Blocked> {
    @Parameters(paramLabel = "WHO", description = "A connection id, the peer's name, or an identity keyID.")
    String who;

    Block() {
      super(ConnectionEndpoints.BLOCK);
    }

    @Override
    ConnectionEndpoints.Block request() {
      return new ConnectionEndpoints.Block(who);
    }

    @Override
    void print(ConnectionEndpoints.Blocked a, PrintStream out) {
      out.println("blocked " + a.identity() + (a.revoked().isEmpty() ? "" : "; revoked " + String.join(", ",
          a.revoked())));
    }
  }

  @Command(name = "unblock", mixinStandardHelpOptions = true, description = "Unblock a peer identity.")
  static final class Unblock extends VaultRequest<ConnectionEndpoints.Unblock, ConnectionEndpoints.Unblocked> {
    @Parameters(paramLabel = "IDENTITY", description = "The identity keyID.")
    String identity;

    Unblock() {
      super(ConnectionEndpoints.UNBLOCK);
    }

    @Override
    ConnectionEndpoints.Unblock request() {
      return new ConnectionEndpoints.Unblock(identity);
    }

    @Override
    void print(ConnectionEndpoints.Unblocked a, PrintStream out) {
      out.println(a.wasBlocked() ? "unblocked " + a.identity() : a.identity() + " was not blocked");
    }
  }
}
