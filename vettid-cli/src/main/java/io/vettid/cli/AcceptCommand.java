package io.vettid.cli;

import static io.vettid.cli.Inputs.orStdin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vettid accept} and {@code accept complete}: the invited side of the handshake. */
@Command(name = "accept", mixinStandardHelpOptions = true,
    description = "Accept an invitation: generates this side's connection keys and prints the acceptance to send"
        + " to the inviter; finish with 'accept complete' and their confirmation.",
    subcommands = {AcceptCommand.Complete.class})
final class AcceptCommand extends VaultRequest {
  AcceptCommand() {
    super(Duration.ofMinutes(3), true);
  }

  @Parameters(paramLabel = "INVITATION", arity = "0..1",
      description = "The vettid:invite?... text, or - to read it from stdin.")
  String uri;

  @Option(names = "--eventspace", paramLabel = "EVENTSPACE",
      description = "Your EventSpace the inviter will deposit on (default: the first).")
  String eventSpace;

  @Override
  ObjectNode request() throws IOException {
    if (uri == null) {
      throw new IllegalArgumentException("give the invitation: vettid accept 'vettid:invite?...'");
    }
    return VaultRequest.verb("accept").put("uri", orStdin(uri)).put("eventSpace", eventSpace);
  }

  @Override
  void print(JsonNode a, PrintStream out) {
    out.println(a.path("message").asText());
    System.err.println("accepted the invitation of " + a.path("inviter").asText() + " to its EventSpace "
        + a.path("theirEventSpace").asText() + "; send the line above to the inviter, then: vettid accept complete"
        + " <their confirmation>");
  }

  @Command(name = "complete", mixinStandardHelpOptions = true,
      description = "Finish accepting with the inviter's confirmation.")
  static final class Complete extends VaultRequest {
    @Parameters(paramLabel = "CONFIRMATION", description = "The vettid-confirm:... text, or - to read it from stdin.")
    String message;

    @Override
    ObjectNode request() throws IOException {
      return VaultRequest.verb("accept.complete").put("message", orStdin(message));
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println("connected to " + a.path("peer").asText() + " (connection " + a.path("connection").asText() + ")");
      out.println("safety number: " + a.path("safetyNumber").asText() + " (compare it with theirs)");
    }
  }
}
