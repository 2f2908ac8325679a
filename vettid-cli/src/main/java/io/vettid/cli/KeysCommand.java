package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vettid keys list | rotate}: the vault's keys by keyID. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "The vault's keys by keyID.",
    subcommands = {KeysCommand.ListAll.class, KeysCommand.Rotate.class})
final class KeysCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the identity key and each connection's current wrapping key (keyIDs only).")
  static final class ListAll extends VaultRequest {
    @Override
    ObjectNode request() {
      return VaultRequest.verb("keys.list");
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println("identity  " + a.path("identity").path("keyId").asText() + " ("
          + a.path("identity").path("algorithm").asText() + ")");
      a.path("connections").forEach(c -> out.println(c.path("connection").asText() + "  " + c.path("peer").asText()
          + "  wrapping " + c.path("wrapping").asText() + " (" + c.path("suite").asText() + ")"));
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Rotate a connection's key pair and NATS user now (they also rotate every 30 days); the peer"
          + " acknowledges, and the old key still opens events for 10 minutes after that.")
  static final class Rotate extends VaultRequest {
    Rotate() {
      super(Duration.ofMinutes(2), true);
    }

    @Parameters(paramLabel = "CONNECTION", description = "The connection id, or the peer's name.")
    String connection;

    @Override
    ObjectNode request() {
      return VaultRequest.verb("keys.rotate").put("connection", connection);
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println("connection " + a.path("connection").asText() + ": new wrapping key " + a.path("wrapping").asText()
          + "; rotation announced to the peer");
    }
  }
}
