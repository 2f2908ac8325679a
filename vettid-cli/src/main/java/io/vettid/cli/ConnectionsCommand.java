package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vettid connections list | revoke}. */
@Command(name = "connections", mixinStandardHelpOptions = true, description = "List or revoke connections.",
    subcommands = {ConnectionsCommand.ListAll.class, ConnectionsCommand.Revoke.class})
final class ConnectionsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List connections.")
  static final class ListAll extends VaultRequest {
    @Override
    ObjectNode request() {
      return VaultRequest.verb("connections.list");
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      if (a.path("connections").isEmpty()) {
        out.println("no connections yet: vettid invite, or vettid accept <invitation>");
      }
      a.path("connections").forEach(c -> out.println(c.path("id").asText() + "  " + c.path("peer").asText() + "  "
          + c.path("suite").asText() + "  identity " + c.path("identity").asText("?") + "\n    safety number "
          + c.path("safetyNumber").asText()));
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke a connection: tells the peer, destroys its keys, revokes its NATS user on the server.")
  static final class Revoke extends VaultRequest {
    @Parameters(paramLabel = "CONNECTION", description = "The connection id, or the peer's name.")
    String connection;

    @Override
    ObjectNode request() {
      return VaultRequest.verb("connections.revoke").put("connection", connection);
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println("revoked " + a.path("revoked").asText() + (a.path("peerTold").asBoolean() ? " (peer told)"
          : " (the peer could not be told)"));
    }
  }
}
