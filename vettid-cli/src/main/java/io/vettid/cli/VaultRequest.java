package io.vettid.cli;

import static io.vettid.cli.VettidCli.OK;
import static io.vettid.cli.VettidCli.root;

import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.VaultClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that asks the running vault one thing, at one endpoint of its control service, and
 * prints the answer (as JSON with {@code --json}).
 *
 * @param <Q> the endpoint's request type
 * @param <R> the endpoint's answer type
 */
abstract class VaultRequest<Q, R> implements Callable<Integer> {
  @Spec CommandSpec spec;

  private final ControlEndpoint<Q, R> endpoint;
  private final Duration timeout;
  private final boolean dotsWhileWaiting;

  /** A quick request: answered within 30 seconds. */
  VaultRequest(ControlEndpoint<Q, R> endpoint) {
    this(endpoint, Duration.ofSeconds(30), false);
  }

  /**
   * A request the vault may work on a while (it waits for a peer, or generates keys).
   *
   * @param endpoint the endpoint asked
   * @param timeout how long to wait for the answer
   * @param dotsWhileWaiting whether to print dots on standard error meanwhile
   */
  VaultRequest(ControlEndpoint<Q, R> endpoint, Duration timeout, boolean dotsWhileWaiting) {
    this.endpoint = endpoint;
    this.timeout = timeout;
    this.dotsWhileWaiting = dotsWhileWaiting;
  }

  /** {@return the request} */
  abstract Q request() throws Exception;

  /** Prints a human-readable answer. */
  abstract void print(R answer, PrintStream out);

  /**
   * What the command does with the answer besides printing it, with or without {@code --json} (a
   * file written, say), and its exit status.
   *
   * @param answer the answer
   * @return the exit status
   * @throws Exception if it fails (the answer was printed)
   */
  int finish(R answer) throws Exception {
    return OK;
  }

  @Override
  public Integer call() throws Exception {
    VettidCli root = root(spec);
    Q req = request();
    try (VaultClient c = VaultClient.open(root.vaultHome().dir)) {
      R answer = c.call(endpoint, req, timeout, dotsWhileWaiting ? System.err : null);
      if (root.json) {
        System.out.println(VaultHome.JSON.writerWithDefaultPrettyPrinter()
            .writeValueAsString(VaultHome.JSON.readTree(endpoint.encode(answer))));
      } else {
        print(answer, System.out);
      }
      return finish(answer);
    }
  }
}
