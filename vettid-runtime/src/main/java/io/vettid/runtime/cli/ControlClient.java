package io.vettid.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The command line's side of the control service: connects to the running vault's server with
 * the control user from {@code run/control.creds} (it may only publish requests), trusting only
 * the vault's pinned CA, and asks.
 */
final class ControlClient implements AutoCloseable {
  private final Connection nc;

  private ControlClient(Connection nc) {
    this.nc = nc;
  }

  /** A failure of a command, with the exit code the command line ends with. */
  static final class Failure extends Exception {
    @java.io.Serial private static final long serialVersionUID = 1L;
    final int exit;

    Failure(String message, int exit) {
      super(message);
      this.exit = exit;
    }
  }

  static ControlClient open(VaultHome home) throws Failure {
    if (!home.initialized()) {
      throw new Failure("no vault at " + home.dir + "; create one: vettid --home " + home.dir + " init --name <first name>",
          VettidCli.ENVIRONMENT);
    }
    if (!Files.isRegularFile(home.controlInfo()) || !Files.isRegularFile(home.controlCreds())) {
      throw new Failure("the vault at " + home.dir + " is not running; start it: vettid --home " + home.dir
          + " server start --detach", VettidCli.ENVIRONMENT);
    }
    try {
      JsonNode info = VaultHome.JSON.readTree(Files.readAllBytes(home.controlInfo()));
      io.nats.client.AuthHandler auth = Nats.credentials(home.controlCreds().toString());
      javax.net.ssl.SSLContext tls = io.vettid.nats.tls.TlsMaterial.pinned(info.path("caPin").asText());
      Connection nc = Nats.connect(new Options.Builder().server(info.path("url").asText()).sslContext(tls)
          .authHandler(auth).connectionTimeout(Duration.ofSeconds(5)).maxReconnects(0).errorListener(
              new io.nats.client.ErrorListener() { }).build());
      return new ControlClient(nc);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new Failure("cannot reach the vault at " + home.dir + " (" + e.getMessage()
          + "); if it stopped uncleanly, start it again: vettid --home " + home.dir + " server start --detach",
          VettidCli.ENVIRONMENT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted", VettidCli.ENVIRONMENT);
    }
  }

  Connection connection() {
    return nc;
  }

  /**
   * Asks the vault; prints a dot to {@code progress} every second while it works (slow work such
   * as RSA-4096 key generation), when progress is not null.
   *
   * @return the answer, when it is ok
   * @throws Failure with the vault's message and exit code when it refused
   */
  JsonNode call(ObjectNode request, Duration timeout, PrintStream progress) throws Failure {
    CompletableFuture<Message> reply;
    try {
      reply = nc.requestWithTimeout(io.vettid.nats.subjects.Subjects.MANAGER_CONTROL.value(),
          VaultHome.JSON.writeValueAsBytes(request), timeout.plusSeconds(5));
    } catch (IOException e) {
      throw new Failure("cannot encode the request: " + e.getMessage(), VettidCli.USAGE);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean dotted = false;
    try {
      while (true) {
        try {
          Message m = reply.get(1, TimeUnit.SECONDS);
          if (dotted) {
            progress.println();
          }
          JsonNode answer = VaultHome.JSON.readTree(m.getData());
          if (!answer.path("ok").asBoolean(false)) {
            throw new Failure(answer.path("error").asText("the vault refused"), answer.path("exit").asInt(1));
          }
          return answer;
        } catch (TimeoutException e) {
          if (System.nanoTime() > deadline) {
            throw new Failure("the vault did not answer within " + timeout.toSeconds() + " s", VettidCli.PROBLEM);
          }
          if (progress != null) {
            progress.print('.');
            progress.flush();
            dotted = true;
          }
        }
      }
    } catch (ExecutionException e) {
      throw new Failure("the vault did not answer (" + e.getCause().getMessage() + "); is it running?",
          VettidCli.ENVIRONMENT);
    } catch (IOException e) {
      throw new Failure("unreadable answer from the vault", VettidCli.PROBLEM);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted", VettidCli.PROBLEM);
    }
  }

  /**
   * Closes the connection in the background: jnats may wait up to a second for its reader thread
   * on a TLS socket, and a command has nothing left to wait for.
   */
  @Override
  public void close() {
    Thread t = new Thread(() -> {
      try {
        nc.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "vettid-control-close");
    t.setDaemon(true);
    t.start();
  }
}
