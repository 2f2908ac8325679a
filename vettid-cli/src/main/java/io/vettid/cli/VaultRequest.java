package io.vettid.cli;

import static io.vettid.cli.VettidCli.OK;
import static io.vettid.cli.VettidCli.root;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.runtime.client.VaultClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that asks the running vault one thing and prints the answer. */
abstract class VaultRequest implements Callable<Integer> {
  /**
   * A control request for a verb (PROTOCOL.md section 9), to which a command adds its fields.
   *
   * @param verb the verb
   * @return the request
   */
  static ObjectNode verb(String verb) {
    return VaultHome.JSON.createObjectNode().put("verb", verb);
  }

  @Spec CommandSpec spec;

  private final Duration timeout;
  private final boolean dotsWhileWaiting;

  /** A quick request: answered within 30 seconds. */
  VaultRequest() {
    this(Duration.ofSeconds(30), false);
  }

  /**
   * A request the vault may work on a while (it waits for a peer, or generates keys).
   *
   * @param timeout how long to wait for the answer
   * @param dotsWhileWaiting whether to print dots on standard error meanwhile
   */
  VaultRequest(Duration timeout, boolean dotsWhileWaiting) {
    this.timeout = timeout;
    this.dotsWhileWaiting = dotsWhileWaiting;
  }

  /** {@return the request} */
  abstract ObjectNode request() throws Exception;

  /** Prints a human-readable answer. */
  abstract void print(JsonNode answer, PrintStream out);

  @Override
  public Integer call() throws Exception {
    VettidCli root = root(spec);
    ObjectNode req = request();
    try (VaultClient c = VaultClient.open(root.vaultHome().dir)) {
      JsonNode answer = c.call(req, timeout, dotsWhileWaiting ? System.err : null);
      if (root.json) {
        ((ObjectNode) answer).remove("ok");
        System.out.println(VaultHome.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
      } else {
        print(answer, System.out);
      }
      return OK;
    }
  }
}
