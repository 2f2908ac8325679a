package io.vettid.cli;

import io.vettid.nats.server.NatsServerException;
import io.vettid.runtime.client.VaultClientException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The {@code vettid} command line: create a vault, run it, publish EventSpaces and profiles,
 * connect through invitations, send events, and look after rules, the inbox, keys and the
 * quarantine.
 *
 * <pre>{@literal
 * vettid --home alice init --name Alice --age-over 18 --location "Berlin area"
 * vettid --home alice server start --detach     # its first start creates the EventSpace home
 * vettid --home alice invite home
 * }</pre>
 *
 * <p>A vault lives in its home directory ({@code --home}, or {@code $VETTID_HOME}, or {@code
 * ~/.vettid}). {@code init} and {@code server start} need the passphrase ({@code
 * $VETTID_PASSPHRASE}, or asked at the terminal); every other command asks the running vault
 * through its control service and needs none.
 *
 * <p>Exit codes: {@value #OK} success; {@value #PROBLEM} the command ran but was refused or found a
 * problem (an expired invitation, an unknown connection, lost events); {@value #USAGE} bad usage;
 * {@value #ENVIRONMENT} something is missing from the environment (no vault, the vault is not
 * running, no passphrase, no {@code nats-server}).
 */
@Command(
    name = "vettid",
    mixinStandardHelpOptions = true,
    versionProvider = VettidCli.Version.class,
    description = "VettID: Data Vaults and EventSpaces over NATS + JetStream.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:refused, or a problem found (such as lost events)", "2:bad usage",
        "3:something missing: no vault, vault not running, no passphrase, no nats-server"},
    subcommands = {
        DemoCommand.class,
        InitCommand.class,
        ServerCommand.class,
        EventSpaceCommand.class,
        EventSpaceServerCommand.class,
        ProfileCommand.class,
        InviteCommand.class,
        AcceptCommand.class,
        ConnectionsCommand.class,
        SendCommand.class,
        EventsCommand.class,
        RulesCommand.class,
        InboxCommand.class,
        KeysCommand.class,
        QuarantineCommand.class,
        AuditCommand.class,
        PluginsCommand.class,
        CompletionCommand.class,
        CommandLine.HelpCommand.class})
public final class VettidCli implements Runnable {
  /** Exit code: success. */
  static final int OK = 0;

  /** Exit code: refused, or the run found a problem. */
  static final int PROBLEM = 1;

  /** Exit code: bad usage. */
  static final int USAGE = 2;

  /** Exit code: the environment lacks something. */
  static final int ENVIRONMENT = 3;

  @Option(names = "--home", paramLabel = "DIR",
      description = "The vault's home directory (default: $VETTID_HOME, else ~/.vettid).")
  Path home;

  @Option(names = "--json", description = "Print the vault's answers as JSON.")
  boolean json;

  @Option(names = "--verbose", description = "Log at INFO to stderr (ids and types only, never payloads or keys).")
  boolean verbose;

  /** Creates the command. */
  public VettidCli() {}

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /**
   * Entry point.
   *
   * @param args command-line arguments
   */
  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      boolean verbose = Arrays.asList(args).contains("--verbose");
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * Runs the command line in this JVM (for programs and tests that drive it) and returns its exit
   * code instead of exiting.
   *
   * @param args command-line arguments, as for {@code vettid}
   * @return the exit code: 0 success, 1 refused or a problem, 2 usage, 3 something missing
   */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** {@return the command line, with its exception handlers} */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new VettidCli());
    // the id of a pending acceptance is an invitation id, base64url: one in 64 starts with '-', which
    // picocli would otherwise take for an unknown option
    for (String[] path : ID_TAKERS) {
      cl.getSubcommands().get(path[0]).getSubcommands().get(path[1]).setUnmatchedOptionsArePositionalParams(true);
    }
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      PrintStream err = line.getErr() == null ? System.err : new PrintStream(System.err);
      if (e instanceof VaultClientException f) {
        err.println("vettid: " + f.getMessage());
        return f.exitCode();
      }
      if (e instanceof NatsServerException) {
        err.println("vettid: " + e.getMessage());
        return ENVIRONMENT;
      }
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        err.println("vettid: " + e.getMessage());
        return USAGE;
      }
      err.println("vettid: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return PROBLEM;
    });
    return cl;
  }

  /** The commands whose only parameter is an id, which may start with '-'. */
  private static final String[][] ID_TAKERS = {{"invite", "approve"}, {"invite", "decline"}, {"inbox", "approve"},
      {"inbox", "deny"}};

  VaultHome vaultHome() {
    if (home != null) {
      return new VaultHome(home);
    }
    String env = System.getenv("VETTID_HOME");
    return new VaultHome(env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".vettid"));
  }

  /** The command line's root, from any sub-command. */
  static VettidCli root(CommandSpec spec) {
    return (VettidCli) spec.root().userObject();
  }

  /**
   * The version, from the jar's manifest ({@code Implementation-Version}, which Maven writes from
   * the project's version), so it is never a literal to keep in step.
   */
  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = VettidCli.class.getPackage().getImplementationVersion();
      return new String[] {"vettid " + (v != null ? v : "(not run from its jar: version unknown)")};
    }
  }
}
