package io.vettid.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.impl.Headers;
import io.nats.service.Group;
import io.nats.service.Service;
import io.nats.service.ServiceEndpoint;
import io.nats.service.ServiceMessage;
import io.vettid.api.VettidException;
import io.vettid.rules.RuleValidationException;
import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.connection.HandshakeException;
import io.vettid.runtime.service.InboxResponder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vault's control service on the jnats Service API: one endpoint per verb of {@link
 * ControlEndpoint#all()} on {@code Manager.Control.<group>.<verb>}, grouped as NATS service groups,
 * so {@code nats micro ls | info | stats} see it (with the control user's inbox prefix). It runs on
 * a connection whose user may read the endpoints and discovery and publish nothing but answers
 * into the control user's inbox. Every request is first checked to want its answer there ({@link
 * InboxResponder#admit}: any other reply subject is quarantined as {@code FOREIGN_REPLY} and
 * nothing is run), then decoded into its endpoint's request type and handled; the answer is the
 * handler's record as JSON, or a refusal with the service API's error headers and {@code
 * {"error": ...}} as body (the headers carry ASCII only). Each verb group has its own dispatcher
 * thread, so a slow request (RSA-4096 keys for a handshake) holds up only its own group.
 */
final class ControlService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlService.class);

  /** What a verb does. */
  @FunctionalInterface
  interface Handler<Q, R> {
    R handle(Q request) throws Exception;
  }

  private record Served<Q, R>(ControlEndpoint<Q, R> endpoint, Handler<Q, R> handler, Runnable after) {}

  private final Connection answers;
  private final Service service;

  private ControlService(Connection answers, Service service) {
    this.answers = answers;
    this.service = service;
  }

  /** {@return a builder that takes a handler for every endpoint} */
  static Builder builder() {
    return new Builder();
  }

  /** Collects the handlers; {@link #start} refuses to start while an endpoint has none. */
  static final class Builder {
    private final Map<ControlEndpoint<?, ?>, Served<?, ?>> served = new LinkedHashMap<>();

    <Q, R> Builder on(ControlEndpoint<Q, R> endpoint, Handler<Q, R> handler) {
      return on(endpoint, handler, null);
    }

    /** A handler, and what to do once its answer is sent (stopping the vault). */
    <Q, R> Builder on(ControlEndpoint<Q, R> endpoint, Handler<Q, R> handler, Runnable after) {
      if (served.putIfAbsent(endpoint, new Served<>(endpoint, Objects.requireNonNull(handler, "handler"), after))
          != null) {
        throw new IllegalArgumentException(endpoint.qualifiedVerb() + " has a handler already");
      }
      return this;
    }

    /**
     * Starts the service.
     *
     * @param answers the connection to serve on (its user: read the endpoints, answer into one inbox)
     * @param responder checks reply subjects and quarantines foreign ones
     * @param inbox the only inbox prefix answers may go below
     * @param version the service's version (semantic)
     * @return the running service
     */
    ControlService start(Connection answers, InboxResponder responder, String inbox, String version)
        throws InterruptedException {
      Set<String> missing = ControlEndpoint.all().stream().filter(e -> !served.containsKey(e))
          .map(ControlEndpoint::qualifiedVerb).collect(Collectors.toCollection(java.util.TreeSet::new));
      if (!missing.isEmpty()) {
        throw new IllegalStateException("no handler for " + missing);
      }
      Map<String, Dispatcher> groups = new HashMap<>();
      var b = Service.builder().connection(answers).name(ControlEndpoint.SERVICE_NAME).version(version)
          .description("VettID Data Vault control (PROTOCOL.md section 9)");
      for (Served<?, ?> s : served.values()) {
        Dispatcher d = groups.computeIfAbsent(s.endpoint().group(), g -> answers.createDispatcher());
        String subject = s.endpoint().subject(); // Subjects builds it: Manager.Control.<group>.<verb>
        b.addServiceEndpoint(ServiceEndpoint.builder()
            .group(new Group(subject.substring(0, subject.lastIndexOf('.'))))
            .endpointName(s.endpoint().name()).endpointSubject(s.endpoint().verb()).dispatcher(d)
            .handler(m -> serve(answers, responder, inbox, s, m)).build());
      }
      Service service = b.build();
      service.startService();
      try {
        answers.flush(java.time.Duration.ofSeconds(5));
      } catch (java.util.concurrent.TimeoutException e) {
        throw new IllegalStateException("the control service's subscriptions did not reach the server", e);
      }
      return new ControlService(answers, service);
    }
  }

  private static <Q, R> void serve(Connection answers, InboxResponder responder, String inbox, Served<Q, R> s,
      ServiceMessage m) {
    if (!responder.admit(asMessage(m), inbox)) {
      return; // no reply subject, or one outside the control inbox (kept and counted): nothing is run
    }
    ControlEndpoint<Q, R> e = s.endpoint();
    try {
      m.respond(answers, e.encode(s.handler().handle(decode(e, m.getData()))));
      if (s.after() != null) {
        flushThen(answers, s.after());
      }
    } catch (Refused r) {
      refuse(answers, m, r.getMessage(), r.code());
    } catch (HandshakeException | RuleValidationException | IllegalArgumentException x) {
      refuse(answers, m, x.getMessage(), ControlEndpoint.REFUSED);
    } catch (VettidException x) {
      refuse(answers, m, x.reason() + ": " + x.getMessage(), ControlEndpoint.REFUSED);
    } catch (InterruptedException x) {
      Thread.currentThread().interrupt();
      refuse(answers, m, "the vault is stopping", ControlEndpoint.FAILED);
    } catch (Exception | LinkageError | AssertionError x) {
      LOG.warn("control request {} failed: {}", e.qualifiedVerb(), x.getClass().getSimpleName());
      refuse(answers, m, "the vault could not do it: " + x.getClass().getSimpleName() + ": " + x.getMessage(),
          ControlEndpoint.FAILED);
    }
  }

  /** Sends what is buffered (the answer), then runs what follows it. */
  private static void flushThen(Connection answers, Runnable after) {
    try {
      answers.flush(java.time.Duration.ofSeconds(2));
    } catch (java.util.concurrent.TimeoutException | InterruptedException x) {
      LOG.warn("control answer not flushed: {}", x.getClass().getSimpleName());
    }
    after.run();
  }

  private static <Q> Q decode(ControlEndpoint<Q, ?> e, byte[] body) throws Refused {
    try {
      return e.decodeRequest(body);
    } catch (IllegalArgumentException x) {
      throw Refused.malformed(x.getMessage());
    }
  }

  /** A refusal: the standard error headers (ASCII, one line) and the whole message as {@code {"error"}}. */
  private static void refuse(Connection answers, ServiceMessage m, String message, int code) {
    String text = message == null || message.isBlank() ? "refused" : message;
    Headers h = new Headers().put(ServiceMessage.NATS_SERVICE_ERROR, text.replaceAll("[^ -~]", "?"))
        .put(ServiceMessage.NATS_SERVICE_ERROR_CODE, String.valueOf(code));
    try {
      m.respond(answers, JsonNodeFactory.instance.objectNode().put("error", text).toString()
          .getBytes(StandardCharsets.UTF_8), h);
    } catch (RuntimeException x) {
      LOG.warn("control refusal not sent: {}", x.getClass().getSimpleName());
    }
  }

  /** The request as a jnats message, for the inbox check. */
  private static io.nats.client.Message asMessage(ServiceMessage m) {
    return io.nats.client.impl.NatsMessage.builder().subject(m.getSubject()).replyTo(m.getReplyTo())
        .data(m.getData()).build();
  }

  /** {@return the service, for discovery and statistics} */
  Service service() {
    return service;
  }

  @Override
  public void close() {
    service.stop(false);
    try {
      answers.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String version() {
    String v = ControlService.class.getPackage().getImplementationVersion();
    return v == null || v.isBlank() ? "0.0.0" : v;
  }
}
