package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vettid quarantine list | replay}: events refused, with their reasons. */
@Command(name = "quarantine", mixinStandardHelpOptions = true,
    description = "Events that failed a check, kept as received with their reason.",
    subcommands = {QuarantineCommand.ListAll.class, QuarantineCommand.Replay.class})
final class QuarantineCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List quarantined events.")
  static final class ListAll extends VaultRequest {
    @Option(names = "--limit", defaultValue = "20", description = "At most this many (default ${DEFAULT-VALUE}).")
    int limit;

    @Override
    ObjectNode request() {
      return VaultRequest.verb("quarantine.list").put("limit", limit);
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      if (a.path("quarantined").isEmpty()) {
        out.println("the quarantine is empty");
      }
      a.path("quarantined").forEach(q -> out.println(q.path("sequence").asLong() + "  " + q.path("reason").asText()
          + "  from " + q.path("source").asText() + "  " + q.path("time").asText() + "  " + q.path("bytes").asInt()
          + " bytes" + (q.path("detail").asText().isEmpty() ? "" : "\n    " + q.path("detail").asText())));
    }
  }

  @Command(name = "replay", mixinStandardHelpOptions = true,
      description = "Put quarantined events back where they came from, after you fixed the cause (such as a"
          + " missing rule); each goes through every check again. Name one by its sequence, or all of a reason.")
  static final class Replay extends VaultRequest {
    @Parameters(paramLabel = "SEQUENCE", arity = "0..1", description = "Its sequence (vettid quarantine list).")
    Long sequence;

    @Option(names = "--reason", description = "Every quarantined event with this reason, such as NO_MATCHING_RULE.")
    String reason;

    @Override
    ObjectNode request() {
      if ((sequence == null) == (reason == null)) {
        throw new IllegalArgumentException("name a sequence or a --reason (vettid quarantine list)");
      }
      ObjectNode r = VaultRequest.verb("quarantine.replay");
      return sequence != null ? r.put("sequence", sequence) : r.put("reason", reason);
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      a.path("replayed").forEach(q -> out.println("replayed " + q.path("sequence").asLong() + " ("
          + q.path("reason").asText() + ") to " + q.path("to").asText()));
    }
  }
}
