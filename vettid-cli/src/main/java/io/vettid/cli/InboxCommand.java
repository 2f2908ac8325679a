package io.vettid.cli;

import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.InboxEndpoints;
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
      super(InboxEndpoints.APPROVE);
    }
  }

  @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny a held event: it is quarantined.")
  static final class Deny extends Decision {
    Deny() {
      super(InboxEndpoints.DENY);
    }
  }

  /** The owner's decision on one held event: the endpoint that carries it. */
  abstract static class Decision extends VaultRequest<ControlEndpoint.ById, InboxEndpoints.Decided> {
    @Parameters(paramLabel = "ID", description = "Its id (vettid inbox list).")
    String id;

    Decision(ControlEndpoint<ControlEndpoint.ById, InboxEndpoints.Decided> endpoint) {
      super(endpoint);
    }

    @Override
    ControlEndpoint.ById request() {
      return new ControlEndpoint.ById(id);
    }

    @Override
    void print(InboxEndpoints.Decided a, PrintStream out) {
      out.println(a.decision() + " " + a.id());
    }
  }
}
