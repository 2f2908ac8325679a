package io.vettid.cli;

import static io.vettid.cli.Inputs.duration;
import static io.vettid.cli.Inputs.orStdin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vettid invite}, and its {@code confirm}, {@code pending}, {@code approve} and {@code decline}: the inviting side of the handshake. */
@Command(name = "invite", mixinStandardHelpOptions = true,
    description = "Invite someone to an EventSpace: prints a single-use invitation (valid 10 minutes in person,"
        + " up to 7 days with --remote). Then take their acceptance with 'invite confirm'.",
    subcommands = {InviteCommand.Confirm.class, InviteCommand.Pending.class, InviteCommand.Approve.class, InviteCommand.Decline.class})
final class InviteCommand extends VaultRequest {
  @Parameters(paramLabel = "EVENTSPACE", arity = "0..1", description = "The EventSpace (default: the first).")
  String eventSpace;

  @Option(names = "--remote", description = "Sent remotely: valid up to 7 days; an acceptance waits for your approval.")
  boolean remote;

  @Option(names = "--valid", paramLabel = "DURATION", description = "Validity, such as 5m or 2d.")
  String valid;

  @Override
  ObjectNode request() {
    return VaultRequest.verb("invite").put("eventSpace", eventSpace).put("remote", remote)
        .put("validSeconds", valid == null ? 0 : duration(valid).toSeconds());
  }

  @Override
  void print(JsonNode a, PrintStream out) {
    out.println(a.path("uri").asText());
    System.err.println("invitation to " + a.path("eventSpace").asText() + ", single use, valid until "
        + a.path("expiresAt").asText() + "; share the line above (as text or QR code), then: vettid invite confirm"
        + " <their acceptance>");
  }

  @Command(name = "confirm", mixinStandardHelpOptions = true,
      description = "Take an invitee's acceptance: checks it, generates this side's connection keys, and prints the"
          + " confirmation to send back (or, for a remote invitation, waits for 'invite approve').")
  static final class Confirm extends VaultRequest {
    Confirm() {
      super(Duration.ofMinutes(3), true);
    }

    @Parameters(paramLabel = "ACCEPTANCE", description = "The vettid-accept:... text, or - to read it from stdin.")
    String message;

    @Override
    ObjectNode request() throws IOException {
      return VaultRequest.verb("invite.confirm").put("message", orStdin(message));
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      printConfirmed(a, out);
    }
  }

  @Command(name = "pending", mixinStandardHelpOptions = true, description = "List remote acceptances waiting for you.")
  static final class Pending extends VaultRequest {
    @Override
    ObjectNode request() {
      return VaultRequest.verb("invite.pending");
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      if (a.path("pending").isEmpty()) {
        out.println("no acceptance waits for approval");
      }
      a.path("pending").forEach(p -> out.println(p.path("id").asText() + "  " + p.path("peer").asText() + "  to "
          + p.path("eventSpace").asText() + "  safety number " + p.path("safetyNumber").asText()));
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a remote acceptance.")
  static final class Approve extends VaultRequest {
    @Parameters(paramLabel = "ID", description = "Its id (vettid invite pending).")
    String id;

    @Override
    ObjectNode request() {
      return VaultRequest.verb("invite.approve").put("id", id);
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      printConfirmed(a, out);
    }
  }

  @Command(name = "decline", mixinStandardHelpOptions = true, description = "Decline a remote acceptance.")
  static final class Decline extends VaultRequest {
    @Parameters(paramLabel = "ID", description = "Its id (vettid invite pending).")
    String id;

    @Override
    ObjectNode request() {
      return VaultRequest.verb("invite.decline").put("id", id);
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println("declined " + a.path("declined").asText());
    }
  }

  static void printConfirmed(JsonNode a, PrintStream out) {
    if (a.has("pending")) {
      out.println("the acceptance waits for your approval: vettid invite approve " + a.path("pending").asText());
      return;
    }
    out.println(a.path("message").asText());
    System.err.println("connected to " + a.path("peer").asText() + " (connection " + a.path("connection").asText()
        + "); send the line above back to them");
    System.err.println("safety number: " + a.path("safetyNumber").asText() + " (compare it with theirs)");
  }
}
