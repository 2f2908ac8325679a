package io.vettid.runtime.cli;

import io.vettid.nats.server.NatsServerException;
import io.vettid.runtime.demo.Demo;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code vettid} command line.
 *
 * <p>Exit codes: 0 success, 1 the run finished but found a problem (such as lost events), 2 bad
 * usage, 3 the environment is missing something (such as nats-server).
 */
@Command(
    name = "vettid",
    mixinStandardHelpOptions = true,
    version = "vettid 0.1.0-SNAPSHOT",
    description = "VettID: Data Vaults and EventSpaces over NATS + JetStream.",
    subcommands = {VettidCli.DemoCommand.class, CommandLine.HelpCommand.class})
public final class VettidCli implements Runnable {
  /** Creates the command. */
  public VettidCli() {}

  /** Exit code: the run found a problem. */
  static final int PROBLEM = 1;
  /** Exit code: the environment lacks something. */
  static final int ENVIRONMENT = 3;

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
    System.exit(new CommandLine(new VettidCli()).execute(args));
  }

  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = "Two vaults, alice and bob, on an embedded nats-server: connect, exchange sealed events both ways"
          + " through rules and handlers (one held for approval, one denied, a key rotated mid-stream).")
  static final class DemoCommand implements Callable<Integer> {
    @Option(names = "--chats", defaultValue = "3",
        description = "Chat messages each way before and after the key rotation (default ${DEFAULT-VALUE}).")
    int chats;

    @Override
    public Integer call() throws Exception {
      try {
        Demo.Result r = new Demo(System.out).run(chats);
        return r.lost() == 0 ? 0 : PROBLEM;
      } catch (NatsServerException e) {
        System.err.println("vettid demo: " + e.getMessage());
        return ENVIRONMENT;
      } catch (IllegalArgumentException e) {
        System.err.println("vettid demo: " + e.getMessage());
        return 2;
      }
    }
  }
}
