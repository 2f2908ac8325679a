package io.vettid.cli;

import static io.vettid.cli.Inputs.duration;
import static io.vettid.cli.Inputs.orStdin;

import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.InvitationEndpoints;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vettid invite}, and its {@code confirm}, {@code pending}, {@code approve} and {@code decline}: the inviting side of the handshake. */
@Command(name = "invite", mixinStandardHelpOptions = true,
    description = "Invite someone to an EventSpace: prints a single-use invitation (valid 10 minutes in person,"
        + " up to 7 days with --remote). Then take their acceptance with 'invite confirm'.",
    subcommands = {InviteCommand.Confirm.class, InviteCommand.Pending.class, InviteCommand.Approve.class, InviteCommand.Decline.class})
final class InviteCommand extends VaultRequest<InvitationEndpoints.Create, InvitationEndpoints.Created> {
  @Parameters(paramLabel = "EVENTSPACE", arity = "0..1", description = "The EventSpace (default: the first).")
  String eventSpace;

  @Option(names = "--remote", description = "Sent remotely: valid up to 7 days; an acceptance waits for your approval.")
  boolean remote;

  @Option(names = "--valid", paramLabel = "DURATION", description = "Validity, such as 5m or 2d.")
  String valid;

  @Option(names = "--suite", paramLabel = "NAME",
      description = "A suite the connection may use (repeat for several, in order of preference; default: the"
          + " vault's own). The invitation lists them; the invitee picks one.")
  java.util.List<String> suites;

  @Mixin QrOptions qr;

  InviteCommand() {
    super(InvitationEndpoints.CREATE);
  }

  @Override
  InvitationEndpoints.Create request() {
    qr.check();
    return new InvitationEndpoints.Create(eventSpace, remote, valid == null ? 0 : duration(valid).toSeconds(),
        suites == null || suites.isEmpty() ? null : suites);
  }

  @Override
  void print(InvitationEndpoints.Created a, PrintStream out) {
    out.println(a.uri());
    qr.draw(a.uri());
    System.err.println("invitation to " + a.eventSpace() + ", single use, valid until "
        + a.expiresAt() + "; share the line above (as text or QR code), then: vettid invite confirm"
        + " <their acceptance>");
  }

  @Override
  int finish(InvitationEndpoints.Created a) throws IOException {
    qr.write(a.uri());
    return VettidCli.OK;
  }

  @Command(name = "confirm", mixinStandardHelpOptions = true,
      description = "Take an invitee's acceptance: checks it, generates this side's connection keys, and prints the"
          + " confirmation to send back (or, for a remote invitation, waits for 'invite approve').")
  static final class Confirm extends VaultRequest<InvitationEndpoints.Confirm, InvitationEndpoints.Confirmed> {
    Confirm() {
      super(InvitationEndpoints.CONFIRM, Duration.ofMinutes(3), true);
    }

    @Parameters(paramLabel = "ACCEPTANCE", description = "The vettid-accept:... text, or - to read it from stdin.")
    String message;

    @Override
    InvitationEndpoints.Confirm request() throws IOException {
      return new InvitationEndpoints.Confirm(orStdin(message));
    }

    @Override
    void print(InvitationEndpoints.Confirmed a, PrintStream out) {
      printConfirmed(a, out);
    }
  }

  @Command(name = "pending", mixinStandardHelpOptions = true, description = "List remote acceptances waiting for you.")
  static final class Pending extends VaultRequest<ControlEndpoint.None, InvitationEndpoints.Pending> {
    Pending() {
      super(InvitationEndpoints.PENDING);
    }

    @Override
    ControlEndpoint.None request() {
      return new ControlEndpoint.None();
    }

    @Override
    void print(InvitationEndpoints.Pending a, PrintStream out) {
      if (a.pending().isEmpty()) {
        out.println("no acceptance waits for approval");
      }
      a.pending().forEach(p -> out.println(p.id() + "  " + p.peer() + "  to " + p.eventSpace() + "  safety number "
          + p.safetyNumber()));
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a remote acceptance.")
  static final class Approve extends VaultRequest<ControlEndpoint.ById, InvitationEndpoints.Confirmed> {
    @Parameters(paramLabel = "ID", description = "Its id (vettid invite pending).")
    String id;

    Approve() {
      super(InvitationEndpoints.APPROVE);
    }

    @Override
    ControlEndpoint.ById request() {
      return new ControlEndpoint.ById(id);
    }

    @Override
    void print(InvitationEndpoints.Confirmed a, PrintStream out) {
      printConfirmed(a, out);
    }
  }

  @Command(name = "decline", mixinStandardHelpOptions = true, description = "Decline a remote acceptance.")
  static final class Decline extends VaultRequest<ControlEndpoint.ById, InvitationEndpoints.Declined> {
    @Parameters(paramLabel = "ID", description = "Its id (vettid invite pending).")
    String id;

    Decline() {
      super(InvitationEndpoints.DECLINE);
    }

    @Override
    ControlEndpoint.ById request() {
      return new ControlEndpoint.ById(id);
    }

    @Override
    void print(InvitationEndpoints.Declined a, PrintStream out) {
      out.println("declined " + a.declined());
    }
  }

  static void printConfirmed(InvitationEndpoints.Confirmed a, PrintStream out) {
    if (a.pending() != null) {
      out.println("the acceptance waits for your approval: vettid invite approve " + a.pending());
      return;
    }
    if (a.delivered()) {
      out.println("connected to " + a.peer() + " (connection " + a.connection() + "); the confirmation was delivered"
          + " to their EventSpace server");
      out.println("safety number: " + a.safetyNumber() + " (compare it with theirs)");
      return;
    }
    out.println(a.message());
    System.err.println("connected to " + a.peer() + " (connection " + a.connection()
        + "); send the line above back to them");
    System.err.println("safety number: " + a.safetyNumber() + " (compare it with theirs)");
  }
}
