package io.vettid.cli;

import io.vettid.runtime.client.QuarantineEndpoints;
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
  static final class ListAll extends VaultRequest<QuarantineEndpoints.ListSome, QuarantineEndpoints.Listed> {
    ListAll() {
      super(QuarantineEndpoints.LIST);
    }

    @Option(names = "--limit", defaultValue = "20", description = "At most this many (default ${DEFAULT-VALUE}).")
    int limit;

    @Override
    QuarantineEndpoints.ListSome request() {
      if (limit < 1 || limit > 10_000) {
        throw new IllegalArgumentException("--limit must be 1..10000");
      }
      return new QuarantineEndpoints.ListSome(limit);
    }

    @Override
    void print(QuarantineEndpoints.Listed a, PrintStream out) {
      if (a.quarantined().isEmpty()) {
        out.println("the quarantine is empty");
      }
      a.quarantined().forEach(q -> out.println(q.sequence() + "  " + q.reason() + "  from " + q.source() + "  "
          + q.time() + "  " + q.bytes() + " bytes" + (q.detail().isEmpty() ? "" : "\n    " + q.detail())));
    }
  }

  @Command(name = "replay", mixinStandardHelpOptions = true,
      description = "Put quarantined events back where they came from, after you fixed the cause (such as a"
          + " missing rule); each goes through every check again. Name one by its sequence, or all of a reason.")
  static final class Replay extends VaultRequest<QuarantineEndpoints.Replay, QuarantineEndpoints.Replayed> {
    Replay() {
      super(QuarantineEndpoints.REPLAY);
    }

    @Parameters(paramLabel = "SEQUENCE", arity = "0..1", description = "Its sequence (vettid quarantine list).")
    Long sequence;

    @Option(names = "--reason", description = "Every quarantined event with this reason, such as NO_MATCHING_RULE.")
    String reason;

    @Override
    QuarantineEndpoints.Replay request() {
      if ((sequence == null) == (reason == null)) {
        throw new IllegalArgumentException("name a sequence or a --reason (vettid quarantine list)");
      }
      return new QuarantineEndpoints.Replay(sequence, reason);
    }

    @Override
    void print(QuarantineEndpoints.Replayed a, PrintStream out) {
      a.replayed().forEach(q -> out.println("replayed " + q.sequence() + " (" + q.reason() + ") to " + q.to()));
    }
  }
}
