package io.vettid.cli;

import static io.vettid.cli.Inputs.passphrase;
import static io.vettid.cli.VettidCli.ENVIRONMENT;
import static io.vettid.cli.VettidCli.OK;
import static io.vettid.cli.VettidCli.PROBLEM;
import static io.vettid.cli.VettidCli.root;

import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.VaultClient;
import io.vettid.runtime.client.VaultClientException;
import io.vettid.runtime.client.VaultEndpoints;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vettid server start | stop | status}: runs the vault daemon, stops it, or asks after it. */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Run, stop or ask after the vault.",
    subcommands = {ServerCommand.Start.class, ServerCommand.Stop.class, ServerCommand.Status.class})
final class ServerCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Start the vault: its own nats-server (TLS, JetStream encrypted at rest), the Manager service,"
          + " Event Watchers, connections and the control service. Runs until stopped, or in the background with"
          + " --detach (log in <home>/vault.log).")
  static final class Start implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--detach", description = "Run in the background and return once the vault answers.")
    boolean detach;

    @Option(names = "--passphrase-stdin", hidden = true)
    boolean passphraseStdin;

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
        description = "Serve the vault's counters and latency histogram for Prometheus at http://HOST:PORT/metrics;"
            + " a loopback address only, such as 127.0.0.1:9464 (no TLS, no authentication; counts, never content).")
    String metrics;

    @Mixin PassphraseFile passphraseFile;

    @Override
    public Integer call() throws Exception {
      VaultHome home = root(spec).vaultHome();
      if (!home.initialized()) {
        throw new VaultClientException("no vault at " + home.dir + "; create one: vettid --home " + home.dir
            + " init --name <first name> --age-over 18", ENVIRONMENT);
      }
      if (running(home)) {
        throw new VaultClientException("the vault at " + home.dir + " is running already", PROBLEM);
      }
      if (VaultRekey.inProgress(home)) {
        throw new VaultClientException("the vault secret of " + home.dir + " is being replaced (vettid keys"
            + " rekey-vault); start the vault once it is done", PROBLEM);
      }
      if (metrics != null) {
        MetricsEndpoint.loopback(metrics); // a usage error before the passphrase is asked
      }
      if (detach) {
        return detach(home);
      }
      char[] pass = passphrase(false, passphraseStdin, passphraseFile.path);
      VaultDaemon d;
      try {
        d = VaultDaemon.start(home, pass, System.out, metrics);
      } catch (java.security.GeneralSecurityException e) {
        throw new VaultClientException("the vault's secrets do not open: wrong passphrase, or vault.sealed was"
            + " altered", PROBLEM);
      } finally {
        Arrays.fill(pass, '\0');
      }
      return Detached.runUntilStopped(d, "vault running at " + d.address().url()
          + d.metrics().map(m -> "; metrics at " + m.url()).orElse("") + " (pid "
          + ProcessHandle.current().pid() + "); stop it with Ctrl-C or: vettid --home " + home.dir + " server stop",
          "vault stopped");
    }

    private int detach(VaultHome home) throws Exception {
      char[] pass = System.getenv("VETTID_PASSPHRASE") == null || passphraseFile.path != null
          ? passphrase(false, false, passphraseFile.path) : null;
      Files.createDirectories(home.dir);
      List<String> args = new java.util.ArrayList<>(List.of("--home", home.dir.toString(), "server", "start"));
      if (metrics != null) {
        args.addAll(List.of("--metrics", metrics));
      }
      return Detached.start("the vault", args, pass,
          home.logFile(), () -> {
            if (!Files.isRegularFile(home.controlInfo())) {
              return null;
            }
            try (VaultClient c = VaultClient.open(home.dir)) {
              VaultEndpoints.Status s = c.call(VaultEndpoints.STATUS, new ControlEndpoint.None(), Duration.ofSeconds(5),
                  null);
              return "vault " + s.name() + " running at " + s.url() + " (pid " + s.pid() + "); log: " + home.logFile()
                  + "; stop: vettid --home " + home.dir + " server stop";
            }
          });
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the running vault.")
  static final class Stop implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      VaultHome home = root(spec).vaultHome();
      long pid;
      try (VaultClient c = VaultClient.open(home.dir)) {
        pid = VaultHome.JSON.readTree(Files.readAllBytes(home.controlInfo())).path("pid").asLong(-1);
        c.call(VaultEndpoints.STOP, new ControlEndpoint.None());
      }
      ProcessHandle.of(pid).ifPresent(h -> {
        try {
          h.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
          // it goes on stopping
        }
      });
      System.out.println("vault stopped");
      return OK;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show the running vault and its counters.")
  static final class Status extends VaultRequest<ControlEndpoint.None, VaultEndpoints.Status> {
    Status() {
      super(VaultEndpoints.STATUS);
    }

    @Override
    ControlEndpoint.None request() {
      return new ControlEndpoint.None();
    }

    @Override
    void print(VaultEndpoints.Status a, PrintStream out) {
      out.println(a.name() + " (" + a.guid() + ") at " + a.url() + ", pid " + a.pid() + ", since " + a.startedAt());
      out.println("  identity     " + a.identity() + " (" + a.suite() + ")");
      out.println("  eventspaces  " + VaultHome.JSON.valueToTree(a.eventSpaces()));
      out.println("  connections  " + a.connections());
      VaultEndpoints.Counters c = a.counters();
      out.println("  events       received=" + c.received() + " handled=" + c.handled() + " held=" + c.held()
          + " dropped=" + c.dropped() + " quarantined=" + c.quarantined());
    }
  }

  /** Whether the vault answers; removes the run files of one that died without stopping. */
  static boolean running(VaultHome home) throws IOException {
    if (!Files.isRegularFile(home.controlInfo())) {
      return false;
    }
    long pid = VaultHome.JSON.readTree(Files.readAllBytes(home.controlInfo())).path("pid").asLong(-1);
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return true;
    }
    Files.deleteIfExists(home.controlInfo());
    Files.deleteIfExists(home.controlCreds());
    return false;
  }
}
