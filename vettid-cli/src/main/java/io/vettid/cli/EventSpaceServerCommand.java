package io.vettid.cli;

import static io.vettid.cli.Inputs.passphrase;
import static io.vettid.cli.VettidCli.ENVIRONMENT;
import static io.vettid.cli.VettidCli.OK;
import static io.vettid.cli.VettidCli.PROBLEM;
import static io.vettid.cli.VettidCli.USAGE;

import com.fasterxml.jackson.databind.JsonNode;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.client.VaultClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code vettid eventspace-server init | start | stop | status | token issue}: an EventSpace server
 * for many vaults, run by its operator. It lives in its own directory ({@code --dir}, or {@code
 * $VETTID_EVENTSPACE_HOME}, or {@code ~/.vettid-eventspace}), not in a vault's home.
 */
@Command(name = "eventspace-server", mixinStandardHelpOptions = true,
    description = "Run an EventSpace server: the Internet-facing NATS server many vaults register with (its"
        + " Concierge hands out one-time registration tokens).",
    subcommands = {EventSpaceServerCommand.Init.class, EventSpaceServerCommand.Start.class,
        EventSpaceServerCommand.Stop.class, EventSpaceServerCommand.Status.class, EventSpaceServerCommand.Token.class})
final class EventSpaceServerCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "The server's directory (default: $VETTID_EVENTSPACE_HOME, else ~/.vettid-eventspace).")
  Path dir;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  EventSpaceHome home() {
    if (dir != null) {
      return new EventSpaceHome(dir);
    }
    String env = System.getenv("VETTID_EVENTSPACE_HOME");
    return new EventSpaceHome(env != null && !env.isBlank() ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".vettid-eventspace"));
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Make a new EventSpace server: its secret (sealed under a passphrase), its TLS CA (vaults pin it)"
          + " and where it listens.")
  static final class Init implements Callable<Integer> {
    @ParentCommand EventSpaceServerCommand parent;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "The address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0",
        description = "The client port (default: a free one, kept; an Internet-facing server takes 4222).")
    int port;

    @Option(names = "--name", paramLabel = "DNS", description = "A host name vaults reach it by (repeatable; default localhost).")
    List<String> names = new ArrayList<>();

    @Option(names = "--ip", paramLabel = "IP", description = "An IP address vaults reach it at (repeatable; default 127.0.0.1).")
    List<String> ips = new ArrayList<>();

    @Option(names = "--cluster", description = "Run a cluster of 3 nats-server nodes on this machine (routes over TLS,"
        + " every stream with 3 replicas) instead of one.")
    boolean cluster;

    @Mixin PassphraseFile passphraseFile;

    @Override
    public Integer call() throws Exception {
      EventSpaceHome home = parent.home();
      if (home.initialized()) {
        throw new VaultClientException("an EventSpace server exists at " + home.dir + " already", PROBLEM);
      }
      if (port < 0 || port > 65535) {
        throw new VaultClientException("--port must be 1..65535, or 0 for a free one", USAGE);
      }
      if (port == 0) {
        port = NatsServerConfig.freePort(host);
      }
      List<String> dns = names.isEmpty() && ips.isEmpty() ? List.of("localhost") : names;
      List<String> ip = names.isEmpty() && ips.isEmpty() ? List.of("127.0.0.1") : ips;
      char[] pass = passphrase(true, false, passphraseFile.path);
      try {
        Files.createDirectories(home.dir);
        TlsMaterial tls = TlsMaterial.generate(home.tlsDir(), dns, ip);
        home.writeConfig(new EventSpaceHome.Config(host, port, dns, ip, cluster ? 3 : 1));
        home.writeSecret(pass);
        System.out.println("EventSpace server made at " + home.dir);
        System.out.println("  listens on   " + host + ":" + port + (cluster ? " (the first of 3 nodes)" : ""));
        System.out.println("  CA pin       " + tls.caPin() + "   (vaults register with --pin this)");
        System.out.println("start it: vettid eventspace-server --dir " + home.dir + " start --detach");
      } finally {
        Arrays.fill(pass, '\0');
      }
      return OK;
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Start the EventSpace server and its Concierge. Runs until stopped, or in the background with"
          + " --detach (log in <dir>/eventspace.log).")
  static final class Start implements Callable<Integer> {
    @ParentCommand EventSpaceServerCommand parent;

    @Option(names = "--detach", description = "Run in the background and return once the server answers.")
    boolean detach;

    @Option(names = "--passphrase-stdin", hidden = true)
    boolean passphraseStdin;

    @Mixin PassphraseFile passphraseFile;

    @Override
    public Integer call() throws Exception {
      EventSpaceHome home = parent.home();
      if (!home.initialized()) {
        throw new VaultClientException("no EventSpace server at " + home.dir + "; make one: vettid eventspace-server"
            + " --dir " + home.dir + " init", ENVIRONMENT);
      }
      if (running(home)) {
        throw new VaultClientException("the EventSpace server at " + home.dir + " is running already", PROBLEM);
      }
      if (detach) {
        return detach(home);
      }
      char[] pass = passphrase(false, passphraseStdin, passphraseFile.path);
      EventSpaceDaemon d;
      try {
        d = EventSpaceDaemon.start(home, pass);
      } catch (java.security.GeneralSecurityException e) {
        throw new VaultClientException("the server's secret does not open: wrong passphrase, or secret.sealed was"
            + " altered", PROBLEM);
      } finally {
        Arrays.fill(pass, '\0');
      }
      return Detached.runUntilStopped(d, "EventSpace server running at " + d.address().url() + ", CA pin "
          + d.address().caPin() + " (pid " + ProcessHandle.current().pid() + ")", "EventSpace server stopped");
    }

    private int detach(EventSpaceHome home) throws Exception {
      char[] pass = System.getenv("VETTID_PASSPHRASE") == null || passphraseFile.path != null
          ? passphrase(false, false, passphraseFile.path) : null;
      return Detached.start("the EventSpace server", List.of("eventspace-server", "--dir", home.dir.toString(), "start"),
          pass, home.logFile(), () -> {
            if (!Files.isRegularFile(home.runInfo())) {
              return null;
            }
            JsonNode s = EventSpaceDaemon.ask(home, "status", new byte[0]);
            return "EventSpace server running at " + s.path("url").asText() + ", CA pin " + s.path("caPin").asText()
                + " (pid " + s.path("pid").asLong() + "); log: " + home.logFile() + "; stop: vettid eventspace-server"
                + " --dir " + home.dir + " stop";
          });
    }
  }

  /** Whether the server's process is alive; removes the run files of one that died without stopping. */
  static boolean running(EventSpaceHome home) throws java.io.IOException {
    if (!Files.isRegularFile(home.runInfo())) {
      return false;
    }
    long pid = VaultHome.JSON.readTree(Files.readAllBytes(home.runInfo())).path("pid").asLong(-1);
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return true;
    }
    Files.deleteIfExists(home.runInfo());
    Files.deleteIfExists(home.adminCreds());
    return false;
  }

  @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the running EventSpace server.")
  static final class Stop implements Callable<Integer> {
    @ParentCommand EventSpaceServerCommand parent;

    @Override
    public Integer call() throws Exception {
      EventSpaceHome home = parent.home();
      long pid = Files.isRegularFile(home.runInfo())
          ? VaultHome.JSON.readTree(Files.readAllBytes(home.runInfo())).path("pid").asLong(-1) : -1;
      EventSpaceDaemon.ask(home, "stop", new byte[0]);
      ProcessHandle.of(pid).ifPresent(h -> {
        try {
          h.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
          // it goes on stopping
        }
      });
      System.out.println("EventSpace server stopped");
      return OK;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Show the running EventSpace server.")
  static final class Status implements Callable<Integer> {
    @ParentCommand EventSpaceServerCommand parent;

    @Option(names = "--address", description = "Print only where vaults reach it (HOST:PORT).")
    boolean address;

    @Option(names = "--pin", description = "Print only its CA pin.")
    boolean pin;

    @Override
    public Integer call() throws Exception {
      JsonNode s = EventSpaceDaemon.ask(parent.home(), "status", new byte[0]);
      if (address || pin) {
        if (address) {
          System.out.println(s.path("url").asText().replaceFirst("^tls://", ""));
        }
        if (pin) {
          System.out.println(s.path("caPin").asText());
        }
        return OK;
      }
      System.out.println("EventSpace server at " + s.path("url").asText() + ", pid " + s.path("pid").asLong()
          + ", since " + s.path("startedAt").asText());
      System.out.println("  CA pin       " + s.path("caPin").asText());
      System.out.println("  nodes        " + s.path("nodes").asInt(1));
      System.out.println("  subscribers  " + s.path("subscribers").asInt());
      System.out.println("  tokens       " + s.path("tokens").asInt() + " outstanding");
      System.out.println("  concierge    answered=" + s.path("answered").asLong() + " refused="
          + s.path("refused").asLong() + " dropped=" + s.path("dropped").asLong());
      return OK;
    }
  }

  @Command(name = "token", mixinStandardHelpOptions = true, description = "Registration tokens.",
      subcommands = {Token.Issue.class})
  static final class Token implements Runnable {
    @Spec CommandSpec spec;
    @ParentCommand EventSpaceServerCommand parent;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }

    @Command(name = "issue", mixinStandardHelpOptions = true,
        description = "Issue a one-time registration token for one vault (a secret: hand it over privately).")
    static final class Issue implements Callable<Integer> {
      @ParentCommand Token token;

      @Option(names = "--ttl", defaultValue = "1h", description = "How long it is valid: 30m, 2h, 7d (default: ${DEFAULT-VALUE}; at most 7d).")
      String ttl;

      @Override
      public Integer call() throws Exception {
        Duration d;
        try {
          d = Inputs.duration(ttl);
        } catch (IllegalArgumentException e) {
          throw new VaultClientException(e.getMessage(), USAGE);
        }
        if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(7)) > 0) {
          throw new VaultClientException("--ttl must be more than 0 and at most 7 days", USAGE);
        }
        JsonNode t = EventSpaceDaemon.ask(token.parent.home(), "token",
            VaultHome.JSON.writeValueAsBytes(VaultHome.JSON.createObjectNode().put("ttlSeconds", d.toSeconds())));
        System.out.println(t.path("token").asText());
        System.err.println("valid until " + t.path("expires").asText() + "; once. Register a vault with it:"
            + " vettid init --eventspace-server HOST:PORT --pin PIN --token TOKEN");
        return OK;
      }
    }
  }
}
