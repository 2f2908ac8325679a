package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vettid inbox list | approve | deny}: events the rules held for the owner. */
@Command(name = "inbox", mixinStandardHelpOptions = true, description = "Events your rules held for your approval.",
    subcommands = {InboxCommand.ListAll.class, InboxCommand.Approve.class, InboxCommand.Deny.class})
final class InboxCommand extends InboxListing {
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List held events.")
  static final class ListAll extends InboxListing {}

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a held event: it is handled.")
  static final class Approve extends Decision {
    Approve() {
      super("inbox.approve", "approved");
    }
  }

  @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny a held event: it is quarantined.")
  static final class Deny extends Decision {
    Deny() {
      super("inbox.deny", "denied");
    }
  }

  /** The owner's decision on one held event: the verb that carries it and the field its answer names. */
  abstract static class Decision extends VaultRequest {
    private final String verb;
    private final String answered;

    @Parameters(paramLabel = "ID", description = "Its id (vettid inbox list).")
    String id;

    Decision(String verb, String answered) {
      this.verb = verb;
      this.answered = answered;
    }

    @Override
    ObjectNode request() {
      return VaultRequest.verb(verb).put("id", id);
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println(answered + " " + a.path(answered).asText());
    }
  }
}
