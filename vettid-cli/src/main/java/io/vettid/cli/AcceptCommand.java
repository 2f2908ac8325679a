package io.vettid.cli;

import static io.vettid.cli.Inputs.orStdin;

import io.vettid.runtime.client.AcceptanceEndpoints;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vettid accept} and {@code accept complete}: the invited side of the handshake. */
@Command(name = "accept", mixinStandardHelpOptions = true,
    description = "Accept an invitation: generates this side's connection keys and delivers the acceptance to the"
        + " inviter's EventSpace server, which completes the connection (an invitation shown in person at once, a"
        + " remote one once the inviter approves it). For an invitation without a bootstrap user it prints the"
        + " acceptance to send instead; finish then with 'accept complete' and their confirmation.",
    subcommands = {AcceptCommand.Complete.class})
final class AcceptCommand extends VaultRequest<AcceptanceEndpoints.Start, AcceptanceEndpoints.Started> {
  AcceptCommand() {
    super(AcceptanceEndpoints.START, Duration.ofMinutes(3), true);
  }

  @Parameters(paramLabel = "INVITATION", arity = "0..1",
      description = "The vettid:invite?... text, or - to read it from stdin.")
  String uri;

  @Option(names = "--eventspace", paramLabel = "EVENTSPACE",
      description = "Your EventSpace the inviter will deposit on (default: the first).")
  String eventSpace;

  @Option(names = "--suite", paramLabel = "NAME",
      description = "The suite to connect with, one the invitation lists (default: the vault's own).")
  String suite;

  @Override
  AcceptanceEndpoints.Start request() throws IOException {
    if (uri == null) {
      throw new IllegalArgumentException("give the invitation: vettid accept 'vettid:invite?...'");
    }
    return new AcceptanceEndpoints.Start(orStdin(uri), eventSpace, suite);
  }

  @Override
  void print(AcceptanceEndpoints.Started a, PrintStream out) {
    if (a.connected() != null) {
      out.println("connected to " + a.connected().peer() + " (connection " + a.connected().connection() + ")");
      out.println("safety number: " + a.connected().safetyNumber() + " (compare it with theirs)");
      return;
    }
    if (a.delivered()) {
      out.println("acceptance delivered to the inviter's EventSpace server; the connection completes by itself once"
          + " they approve it (see: vettid connections list)");
      return;
    }
    out.println(a.message());
    System.err.println("accepted the invitation of " + a.inviter() + " to its EventSpace "
        + a.theirEventSpace() + "; send the line above to the inviter, then: vettid accept complete"
        + " <their confirmation>");
  }

  @Command(name = "complete", mixinStandardHelpOptions = true,
      description = "Finish accepting with the inviter's confirmation.")
  static final class Complete extends VaultRequest<AcceptanceEndpoints.Complete, AcceptanceEndpoints.Connected> {
    Complete() {
      super(AcceptanceEndpoints.COMPLETE);
    }

    @Parameters(paramLabel = "CONFIRMATION", description = "The vettid-confirm:... text, or - to read it from stdin.")
    String message;

    @Override
    AcceptanceEndpoints.Complete request() throws IOException {
      return new AcceptanceEndpoints.Complete(orStdin(message));
    }

    @Override
    void print(AcceptanceEndpoints.Connected a, PrintStream out) {
      out.println("connected to " + a.peer() + " (connection " + a.connection() + ")");
      out.println("safety number: " + a.safetyNumber() + " (compare it with theirs)");
    }
  }
}
