package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vettid eventspace create | list}: the vault's EventSpaces. */
@Command(name = "eventspace", mixinStandardHelpOptions = true, description = "Create and list EventSpaces.",
    subcommands = {EventSpaceCommand.Create.class, EventSpaceCommand.ListAll.class})
final class EventSpaceCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create an EventSpace: its deposit queue, its Event Watcher and a signed profile.")
  static final class Create extends VaultRequest {
    @Parameters(paramLabel = "NAME", description = "Lowercase name, such as home.")
    String name;

    @Override
    ObjectNode request() {
      return VaultRequest.verb("eventspace.create").put("name", name);
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println("EventSpace " + a.path("eventSpace").asText() + " created; deposits on "
          + a.path("deposits").asText() + "; profile signed by " + a.path("profileSignedBy").asText());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the EventSpaces.")
  static final class ListAll extends VaultRequest {
    @Override
    ObjectNode request() {
      return VaultRequest.verb("eventspace.list");
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      a.path("eventSpaces").forEach(e -> out.println(e.asText()));
    }
  }
}
