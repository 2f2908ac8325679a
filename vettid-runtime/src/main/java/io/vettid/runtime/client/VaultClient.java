package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.impl.Headers;
import io.nats.service.ServiceMessage;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apiguardian.api.API;

/**
 * Asks a running vault (the one {@code vettid server start} runs) to act, through its control
 * service (a NATS service, PROTOCOL.md section 9): any request of {@link ControlEndpoint#all()}
 * with {@link #call}, typed by its endpoint, and following what the vault settles with {@link
 * #onEvent}. It connects to the vault's own server with the control user the vault
 * writes to {@code <home>/run/control.creds} while it runs, renewed every 20 minutes (that user may
 * read only its own inbox, named in {@code control.json}, and may publish nothing but
 * control requests), trusting only the vault's pinned CA. It needs no passphrase.
 *
 * <pre>{@code
 * try (VaultClient vault = VaultClient.open(Path.of("alice"))) {
 *   EventId id = vault.send("Bob", EventType.of("chat.message"), JsonNodeFactory.instance.objectNode().put("text", "hi"));
 *   RuleEndpoints.Added added = vault.call(RuleEndpoints.ADD, new RuleEndpoints.Add(rule));
 * }
 * }</pre>
 *
 * <p>Thread-safe. Every refusal is a {@link VaultClientException} whose message says what to do.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class VaultClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private final Connection nc;

  private VaultClient(Connection nc) {
    this.nc = nc;
  }

  /**
   * Where a running vault says how to reach it ({@code <home>/run/control.json}: its pid, URL and
   * CA pin); present only while it runs.
   *
   * @param home the vault's home
   * @return the file
   */
  public static Path controlInfo(Path home) {
    return home.resolve("run").resolve("control.json");
  }

  /**
   * Where a running vault writes its control user's credentials ({@code
   * <home>/run/control.creds}, mode 0600); present only while it runs.
   *
   * @param home the vault's home
   * @return the file
   */
  public static Path controlCreds(Path home) {
    return home.resolve("run").resolve("control.creds");
  }

  /**
   * Connects to the vault running from a home directory.
   *
   * @param home the vault's home (as given to {@code vettid --home})
   * @return the client
   * @throws VaultClientException ({@link VaultClientException#ENVIRONMENT}) if there is no vault
   *     there, it is not running, or it cannot be reached
   */
  public static VaultClient open(Path home) throws VaultClientException {
    Objects.requireNonNull(home, "home");
    Path dir = home.toAbsolutePath().normalize();
    Path info = controlInfo(dir);
    Path creds = controlCreds(dir);
    if (!Files.isRegularFile(dir.resolve("vault.json"))) {
      throw new VaultClientException("no vault at " + dir + "; create one: vettid --home " + dir
          + " init --name <first name> --age-over 18", VaultClientException.ENVIRONMENT);
    }
    if (!Files.isRegularFile(info) || !Files.isRegularFile(creds)) {
      throw new VaultClientException("the vault at " + dir + " is not running; start it: vettid --home " + dir
          + " server start --detach", VaultClientException.ENVIRONMENT);
    }
    try {
      JsonNode i = JSON.readTree(Files.readAllBytes(info));
      if (!i.path("inboxPrefix").isTextual()) {
        throw new IOException("control.json names no inbox prefix (a vault of an earlier VettID)");
      }
      // read again at every connect: the vault renews the credentials while it runs
      io.nats.client.AuthHandler auth = Nats.credentials(creds.toString());
      javax.net.ssl.SSLContext tls = io.vettid.nats.tls.TlsMaterial.pinned(i.path("caPin").asText());
      Connection nc = Nats.connect(new Options.Builder().server(i.path("url").asText()).sslContext(tls)
          .authHandler(auth).inboxPrefix(i.path("inboxPrefix").asText()).connectionTimeout(Duration.ofSeconds(5))
          .maxReconnects(3).errorListener(new io.nats.client.ErrorListener() { }).build());
      return new VaultClient(nc);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new VaultClientException("cannot reach the vault at " + dir + " (" + e.getMessage()
          + "); if it stopped uncleanly, start it again: vettid --home " + dir + " server start --detach",
          VaultClientException.ENVIRONMENT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VaultClientException("interrupted", VaultClientException.ENVIRONMENT);
    }
  }

  /**
   * Asks the vault one thing and waits for its answer, up to 30 seconds.
   *
   * @param <Q> the request type
   * @param <R> the answer type
   * @param endpoint the endpoint, such as {@link RuleEndpoints#ADD}
   * @param request the request
   * @return the answer
   * @throws VaultClientException with the vault's message when it refused ({@link
   *     VaultClientException#USAGE} for a malformed request), or when it did not answer
   */
  public <Q, R> R call(ControlEndpoint<Q, R> endpoint, Q request) throws VaultClientException {
    return call(endpoint, request, DEFAULT_TIMEOUT, null);
  }

  /**
   * Asks the vault one thing; prints a dot to {@code progress} every second while it works (slow
   * work such as RSA-4096 key generation), when progress is not null.
   *
   * @param <Q> the request type
   * @param <R> the answer type
   * @param endpoint the endpoint
   * @param request the request
   * @param timeout how long to wait
   * @param progress where the dots go, or null
   * @return the answer
   * @throws VaultClientException with the vault's message when it refused, or when it did not answer
   */
  public <Q, R> R call(ControlEndpoint<Q, R> endpoint, Q request, Duration timeout, PrintStream progress)
      throws VaultClientException {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(timeout, "timeout");
    Message m = await(nc.requestWithTimeout(endpoint.subject(), endpoint.encode(request), timeout.plusSeconds(5)),
        timeout, progress);
    Headers h = m.getHeaders();
    String code = h == null ? null : h.getFirst(ServiceMessage.NATS_SERVICE_ERROR_CODE);
    if (code != null) {
      String error = errorOf(m.getData(), h.getFirst(ServiceMessage.NATS_SERVICE_ERROR));
      int serviceCode;
      try {
        serviceCode = Integer.parseInt(code.strip());
      } catch (NumberFormatException e) {
        serviceCode = ControlEndpoint.FAILED; // a code that is not a number: a failure all the same
      }
      throw new VaultClientException(error == null || error.isBlank() ? "the vault refused (" + code + ")" : error,
          serviceCode == ControlEndpoint.MALFORMED ? VaultClientException.USAGE : VaultClientException.REFUSED,
          serviceCode);
    }
    try {
      return endpoint.decodeAnswer(m.getData());
    } catch (IllegalArgumentException e) {
      throw new VaultClientException("unreadable answer from the vault (" + e.getMessage() + ")",
          VaultClientException.REFUSED);
    }
  }

  /** The refusal's whole message from its body ({@code {"error": ...}}), else its header's (ASCII only). */
  private static String errorOf(byte[] body, String header) {
    try {
      JsonNode n = body == null || body.length == 0 ? null : JSON.readTree(body);
      return n != null && n.path("error").isTextual() ? n.path("error").asText() : header;
    } catch (IOException e) {
      return header;
    }
  }

  private static Message await(CompletableFuture<Message> reply, Duration timeout, PrintStream progress)
      throws VaultClientException {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean dotted = false;
    try {
      while (true) {
        try {
          Message m = reply.get(1, TimeUnit.SECONDS);
          if (dotted) {
            progress.println();
          }
          return m;
        } catch (TimeoutException e) {
          if (System.nanoTime() > deadline) {
            throw new VaultClientException("the vault did not answer within " + timeout.toSeconds() + " s",
                VaultClientException.REFUSED);
          }
          if (progress != null) {
            progress.print('.');
            progress.flush();
            dotted = true;
          }
        }
      }
    } catch (ExecutionException e) {
      throw new VaultClientException("the vault did not answer (" + e.getCause().getMessage() + "); is it running?",
          VaultClientException.ENVIRONMENT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VaultClientException("interrupted", VaultClientException.REFUSED);
    }
  }

  /**
   * The running vault and its counters ({@link VaultEndpoints#STATUS}).
   *
   * @return the status
   * @throws VaultClientException if the vault cannot be asked
   */
  public VaultEndpoints.Status status() throws VaultClientException {
    return call(VaultEndpoints.STATUS, new ControlEndpoint.None());
  }

  /**
   * Seals an event to a connection and deposits it on the peer's EventSpace ({@link
   * ConnectionEndpoints#SEND}).
   *
   * @param to the connection id, or the peer's first name when only one connection has it
   * @param type the event type
   * @param payload the payload
   * @return the new event's id
   * @throws VaultClientException if there is no such connection or the deposit failed
   */
  public EventId send(String to, EventType type, ObjectNode payload) throws VaultClientException {
    Objects.requireNonNull(type, "type");
    return EventId.of(call(ConnectionEndpoints.SEND, new ConnectionEndpoints.Send(to, type.value(), payload))
        .eventId());
  }

  /**
   * The vault's connections ({@link ConnectionEndpoints#LIST}).
   *
   * @return the connections
   * @throws VaultClientException if the vault cannot be asked
   */
  public List<ConnectionEndpoints.Peer> connections() throws VaultClientException {
    return call(ConnectionEndpoints.LIST, new ControlEndpoint.None()).connections();
  }

  /**
   * Follows what the vault settles from now on: one notice per event ({@code time}, {@code
   * outcome} such as {@code handled} or {@code quarantined}, {@code type}, {@code eventId}, {@code
   * connection}, {@code peer}, and {@code reason} when it failed a check); never payloads.
   *
   * @param notices called for each notice, on a NATS dispatcher thread
   * @return closes the subscription
   * @throws VaultClientException if the subscription fails
   */
  public AutoCloseable onEvent(Consumer<JsonNode> notices) throws VaultClientException {
    Objects.requireNonNull(notices, "notices");
    Dispatcher d = nc.createDispatcher(m -> {
      try {
        notices.accept(JSON.readTree(m.getData()));
      } catch (IOException e) {
        // not a notice
      }
    });
    d.subscribe(Subjects.MANAGER_EVENTS.value());
    try {
      nc.flush(Duration.ofSeconds(5));
    } catch (TimeoutException | InterruptedException e) {
      nc.closeDispatcher(d);
      throw new VaultClientException("cannot follow the vault's events", VaultClientException.ENVIRONMENT);
    }
    return () -> nc.closeDispatcher(d);
  }

  /** {@return the NATS connection to the vault (as the control user)} */
  public Connection connection() {
    return nc;
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
