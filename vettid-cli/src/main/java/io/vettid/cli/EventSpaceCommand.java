package io.vettid.cli;

import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.EventSpaceEndpoints;
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
  static final class Create extends VaultRequest<EventSpaceEndpoints.Create, EventSpaceEndpoints.Created> {
    Create() {
      super(EventSpaceEndpoints.CREATE);
    }

    @Parameters(paramLabel = "NAME", description = "Lowercase name, such as home.")
    String name;

    @Override
    EventSpaceEndpoints.Create request() {
      return new EventSpaceEndpoints.Create(name);
    }

    @Override
    void print(EventSpaceEndpoints.Created a, PrintStream out) {
      out.println("EventSpace " + a.eventSpace() + " created; deposits on " + a.deposits() + "; profile signed by "
          + a.profileSignedBy());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the EventSpaces.")
  static final class ListAll extends VaultRequest<ControlEndpoint.None, EventSpaceEndpoints.EventSpaces> {
    ListAll() {
      super(EventSpaceEndpoints.LIST);
    }

    @Override
    ControlEndpoint.None request() {
      return new ControlEndpoint.None();
    }

    @Override
    void print(EventSpaceEndpoints.EventSpaces a, PrintStream out) {
      a.eventSpaces().forEach(out::println);
    }
  }
}
