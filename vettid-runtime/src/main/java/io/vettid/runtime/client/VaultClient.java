package io.vettid.runtime.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks a running vault (the one {@code vettid server start} runs) to act: send an event to a
 * connection, list connections, follow what it settles, or any request of its control service
 * (PROTOCOL.md section 9). It connects to the vault's own server with the control user the vault
 * writes to {@code <home>/run/control.creds} while it runs, renewed every 20 minutes (that user may
 * read only its own inbox, named in {@code control.json}, and may publish nothing but
 * control requests), trusting only the vault's pinned CA. It needs no passphrase.
 *
 * <pre>{@code
 * try (VaultClient vault = VaultClient.open(Path.of("alice"))) {
 *   EventId id = vault.send("Bob", EventType.of("chat.message"), JsonNodeFactory.instance.objectNode().put("text", "hi"));
 * }
 * }</pre>
 *
 * <p>Thread-safe. Every refusal is a {@link VaultClientException} whose message says what to do.
 */
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
   * Seals an event to a connection and deposits it on the peer's EventSpace.
   *
   * @param to the connection id, or the peer's first name when only one connection has it
   * @param type the event type
   * @param payload the payload
   * @return the new event's id
   * @throws VaultClientException if there is no such connection or the deposit failed
   */
  public EventId send(String to, EventType type, ObjectNode payload) throws VaultClientException {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
    ObjectNode r = JSON.createObjectNode().put("verb", "send").put("to", to).put("type", type.value());
    r.set("payload", payload);
    return EventId.of(call(r, DEFAULT_TIMEOUT, null).path("eventId").asText());
  }

  /**
   * A connection, as the vault lists it.
   *
   * @param id the connection id (the peer deposits here under it)
   * @param peer the peer's first name, from its verified profile
   * @param identity the keyID of the peer's identity key
   * @param safetyNumber the number to compare with the peer out of band
   */
  public record Peer(String id, String peer, String identity, String safetyNumber) {}

  /**
   * The vault's connections.
   *
   * @return the connections
   * @throws VaultClientException if the vault cannot be asked
   */
  public java.util.List<Peer> connections() throws VaultClientException {
    java.util.List<Peer> out = new java.util.ArrayList<>();
    for (JsonNode c : call(JSON.createObjectNode().put("verb", "connections.list"), DEFAULT_TIMEOUT, null)
        .path("connections")) {
      out.add(new Peer(c.path("id").asText(), c.path("peer").asText(), c.path("identity").asText(),
          c.path("safetyNumber").asText()));
    }
    return out;
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
  public AutoCloseable onEvent(java.util.function.Consumer<JsonNode> notices) throws VaultClientException {
    Objects.requireNonNull(notices, "notices");
    io.nats.client.Dispatcher d = nc.createDispatcher(m -> {
      try {
        notices.accept(JSON.readTree(m.getData()));
      } catch (IOException e) {
        // not a notice
      }
    });
    d.subscribe(io.vettid.nats.subjects.Subjects.MANAGER_EVENTS.value());
    try {
      nc.flush(Duration.ofSeconds(5));
    } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
      nc.closeDispatcher(d);
      throw new VaultClientException("cannot follow the vault's events", VaultClientException.ENVIRONMENT);
    }
    return () -> nc.closeDispatcher(d);
  }

  /**
   * Any request of the vault's control service (PROTOCOL.md section 9), such as {@code
   * {"verb": "rules.test", "type": "chat.message"}}.
   *
   * @param request the request, with its {@code verb}
   * @param timeout how long to wait for the answer
   * @return the answer
   * @throws VaultClientException if the vault refused or did not answer
   */
  public JsonNode request(ObjectNode request, Duration timeout) throws VaultClientException {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(timeout, "timeout");
    return call(request, timeout, null);
  }

  /** {@return the NATS connection to the vault (as the control user)} */
  public Connection connection() {
    return nc;
  }

  /**
   * Asks the vault; prints a dot to {@code progress} every second while it works (slow work such
   * as RSA-4096 key generation), when progress is not null.
   *
   * @param request the request, with its {@code verb}
   * @param timeout how long to wait
   * @param progress where the dots go, or null
   * @return the answer, when it is ok
   * @throws VaultClientException with the vault's message and exit code when it refused
   */
  public JsonNode call(ObjectNode request, Duration timeout, PrintStream progress) throws VaultClientException {
    CompletableFuture<Message> reply;
    try {
      reply = nc.requestWithTimeout(io.vettid.nats.subjects.Subjects.MANAGER_CONTROL.value(),
          JSON.writeValueAsBytes(request), timeout.plusSeconds(5));
    } catch (IOException e) {
      throw new VaultClientException("cannot encode the request: " + e.getMessage(), VaultClientException.USAGE);
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
          JsonNode answer = JSON.readTree(m.getData());
          if (!answer.path("ok").asBoolean(false)) {
            throw new VaultClientException(answer.path("error").asText("the vault refused"),
                answer.path("exit").asInt(VaultClientException.REFUSED));
          }
          return answer;
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
    } catch (IOException e) {
      throw new VaultClientException("unreadable answer from the vault", VaultClientException.REFUSED);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VaultClientException("interrupted", VaultClientException.REFUSED);
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
