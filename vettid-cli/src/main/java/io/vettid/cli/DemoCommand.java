package io.vettid.cli;

import static io.vettid.cli.VettidCli.ENVIRONMENT;
import static io.vettid.cli.VettidCli.OK;
import static io.vettid.cli.VettidCli.PROBLEM;
import static io.vettid.cli.VettidCli.USAGE;

import io.vettid.cli.demo.Demo;
import io.vettid.nats.server.NatsServerException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vettid demo}: two vaults on an embedded nats-server (see {@link io.vettid.cli.demo.Demo}). */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Two vaults, alice and bob, on an embedded nats-server: connect, exchange sealed events both ways"
        + " through rules and handlers (one held for approval, one denied, a key rotated mid-stream).")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--chats", defaultValue = "3",
      description = "Chat messages each way before and after the key rotation (default ${DEFAULT-VALUE}).")
  int chats;

  @Override
  public Integer call() throws Exception {
    try {
      Demo.Result r = new Demo(System.out).run(chats);
      return r.lost() == 0 ? OK : PROBLEM;
    } catch (NatsServerException e) {
      System.err.println("vettid demo: " + e.getMessage());
      return ENVIRONMENT;
    } catch (IllegalArgumentException e) {
      System.err.println("vettid demo: " + e.getMessage());
      return USAGE;
    }
  }
}
