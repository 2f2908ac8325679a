package io.vettid.cli;

import io.vettid.runtime.client.AuditEndpoints;
import io.vettid.runtime.client.ControlEndpoint;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code vettid audit verify}: the vault's hash-chained audit log. */
@Command(name = "audit", mixinStandardHelpOptions = true,
    description = "The vault's audit log: every decision it took (handled, held, denied, quarantined, approved,"
        + " replayed, rotated, revoked, blocked, rules changed), hash-chained, with checkpoints signed by its"
        + " identity key; never a payload.",
    subcommands = AuditCommand.Verify.class)
final class AuditCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Recompute the whole chain and check every signed checkpoint; name the first broken entry."
          + " Exits 0 if the log is whole, 1 if it is not.")
  static final class Verify extends VaultRequest<ControlEndpoint.None, AuditEndpoints.Verified> {
    Verify() {
      super(AuditEndpoints.VERIFY);
    }

    @Override
    ControlEndpoint.None request() {
      return new ControlEndpoint.None();
    }

    @Override
    void print(AuditEndpoints.Verified v, PrintStream out) {
      if (v.intact()) {
        out.println("the audit log is whole: " + v.entries() + " entries, " + v.checkpoints()
            + " signed checkpoint(s)" + (v.entries() > v.lastSigned()
                ? "; the last " + (v.entries() - v.lastSigned()) + " entries are chained, not yet signed" : ""));
      } else {
        out.println("the audit log is BROKEN: " + v.problem() + " (" + v.entries() + " entries verified before it)");
      }
    }

    @Override
    int finish(AuditEndpoints.Verified v) {
      return v.intact() ? VettidCli.OK : VettidCli.PROBLEM;
    }
  }
}
