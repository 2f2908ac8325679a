package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.eventspace.EventSpaceServer;
import io.vettid.runtime.eventspace.RegistrationToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running EventSpace server, as {@code vettid eventspace-server start} runs it: the {@link
 * EventSpaceServer} (with its Concierge) and an admin service for the operator's tools on {@code
 * Concierge.Admin.<verb>} in the Concierge's account ({@code status}, {@code stop}, {@code token}),
 * answering only inside one admin user's inbox. The admin user's credentials are written to {@code
 * run/admin.creds} (0600) while the server runs, valid for a day and replaced every six hours.
 */
final class EventSpaceDaemon implements Detached.Daemon {
  private static final Logger LOG = LoggerFactory.getLogger(EventSpaceDaemon.class);
  static final Duration ADMIN_VALIDITY = Duration.ofDays(1);
  private static final Duration ADMIN_RENEWAL = Duration.ofHours(6);

  private final EventSpaceHome home;
  private final EventSpaceServer server;
  private final String inbox;
  private final Connection admin;
  private final Dispatcher dispatcher;
  private final Instant started = Instant.now();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "vettid-admin-renewal");
    t.setDaemon(true);
    return t;
  });

  private EventSpaceDaemon(EventSpaceHome home, EventSpaceServer server) throws IOException, GeneralSecurityException,
      java.util.concurrent.TimeoutException,
      InterruptedException {
    this.home = home;
    this.server = server;
    byte[] t = new byte[12];
    new SecureRandom().nextBytes(t);
    this.inbox = Subjects.conciergeAdminInbox(HexFormat.of().formatHex(t)).value();
    UserCredentials responder = server.issueOperatorUser("admin-service",
        new UserPermissions(List.of(inbox + ".>"), List.of(Subjects.conciergeAdmins())), Duration.ofDays(3650));
    ServerAddress a = server.address();
    this.admin = Nats.connect(new Options.Builder().server(a.url()).sslContext(a.sslContext())
        .authHandler(responder.authHandler()).maxReconnects(-1).build());
    this.dispatcher = admin.createDispatcher(this::answer);
    dispatcher.subscribe(Subjects.conciergeAdmins());
    admin.flush(Duration.ofSeconds(5));
  }

  /**
   * Opens the home's secret and starts the server and its admin service.
   *
   * @param home the server's home
   * @param passphrase its passphrase (not kept)
   * @return the running daemon
   */
  static EventSpaceDaemon start(EventSpaceHome home, char[] passphrase) throws Exception {
    EventSpaceHome.Config c = home.readConfig();
    byte[] secret = home.readSecret(passphrase);
    EventSpaceServer server;
    try {
      server = EventSpaceServer.builder(home.dataDir(), secret).listen(c.host(), c.port())
          .certificateNames(c.dnsNames(), c.ipAddresses()).nodes(c.nodes()).start();
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
    try {
      EventSpaceDaemon d = new EventSpaceDaemon(home, server);
      d.writeRunFiles();
      d.timers.scheduleWithFixedDelay(d::renewAdmin, ADMIN_RENEWAL.toMillis(), ADMIN_RENEWAL.toMillis(),
          TimeUnit.MILLISECONDS);
      return d;
    } catch (Exception | Error e) {
      server.close();
      throw e;
    }
  }

  private void writeRunFiles() throws IOException {
    ServerAddress a = server.address();
    ObjectNode info = VaultHome.JSON.createObjectNode().put("pid", ProcessHandle.current().pid())
        .put("host", a.host()).put("port", a.port()).put("caPin", a.caPin()).put("inbox", inbox)
        .put("startedAt", started.toString());
    renewAdmin();
    VaultHome.writeAtomically(home.runInfo(), VaultHome.JSON.writeValueAsBytes(info), false);
  }

  /** Writes new credentials for the admin tool (the previous ones expire within a day). */
  private void renewAdmin() {
    UserCredentials tool = server.issueOperatorUser("admin",
        new UserPermissions(List.of(Subjects.conciergeAdmins()), List.of(inbox + ".>")), ADMIN_VALIDITY);
    try {
      Files.deleteIfExists(home.adminCreds());
      Files.createDirectories(home.adminCreds().getParent());
      tool.writeTo(home.adminCreds());
    } catch (IOException e) {
      LOG.warn("the admin credentials could not be written ({})", e.getClass().getSimpleName());
    } finally {
      tool.destroy();
    }
  }

  private void answer(Message m) {
    String reply = m.getReplyTo();
    if (reply == null || !reply.startsWith(inbox + ".")) {
      LOG.warn("an admin request on {} with a reply subject outside the admin inbox was dropped", m.getSubject());
      return;
    }
    ObjectNode out = VaultHome.JSON.createObjectNode();
    boolean stop = false;
    try {
      String verb = m.getSubject().substring(m.getSubject().lastIndexOf('.') + 1);
      switch (verb) {
        case "status" -> status(out);
        case "token" -> token(m.getData(), out);
        case "stop" -> {
          out.put("stopping", true);
          stop = true;
        }
        default -> out.put("error", "unknown admin verb " + verb.replaceAll("[^a-z]", "?")).put("code", 404);
      }
    } catch (IllegalArgumentException e) {
      out.removeAll().put("error", e.getMessage()).put("code", 400);
    } catch (IOException | RuntimeException e) {
      out.removeAll().put("error", "the server could not answer (" + e.getClass().getSimpleName() + ")").put("code", 500);
    }
    try {
      admin.publish(reply, VaultHome.JSON.writeValueAsBytes(out));
      admin.flush(Duration.ofSeconds(2));
    } catch (Exception e) {
      LOG.debug("admin answer not sent", e);
    }
    if (stop) {
      stopped.countDown();
    }
  }

  private void status(ObjectNode out) throws IOException {
    ServerAddress a = server.address();
    out.put("url", a.url()).put("caPin", a.caPin()).put("pid", ProcessHandle.current().pid())
        .put("nodes", server.nodes().size())
        .put("startedAt", started.toString()).put("subscribers", server.concierge().subscribers())
        .put("tokens", server.concierge().outstandingTokens())
        .put("answered", server.service().answered()).put("refused", server.service().refused())
        .put("dropped", server.service().dropped());
  }

  private void token(byte[] body, ObjectNode out) throws IOException {
    JsonNode n = body.length == 0 ? VaultHome.JSON.createObjectNode() : VaultHome.JSON.readTree(body);
    long seconds = n == null ? 3600 : n.path("ttlSeconds").asLong(3600);
    RegistrationToken token = server.concierge().issueToken(Duration.ofSeconds(seconds));
    out.put("token", token.encode()).put("expires", Instant.now().plusSeconds(seconds).toString());
  }

  ServerAddress address() {
    return server.address();
  }

  EventSpaceServer server() {
    return server;
  }

  /** Blocks until a stop request. */
  @Override
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  @Override
  public void close() {
    timers.shutdownNow();
    try {
      admin.closeDispatcher(dispatcher);
      admin.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
    try {
      Files.deleteIfExists(home.adminCreds());
      Files.deleteIfExists(home.runInfo());
    } catch (IOException e) {
      LOG.warn("the run files could not be removed ({})", e.getClass().getSimpleName());
    }
    stopped.countDown();
  }

  /** The operator's tools' side: a request to the running server's admin service. */
  static JsonNode ask(EventSpaceHome home, String verb, byte[] body) throws Exception {
    if (!Files.isRegularFile(home.runInfo()) || !Files.isRegularFile(home.adminCreds())) {
      throw new io.vettid.runtime.client.VaultClientException("no EventSpace server is running at " + home.dir
          + "; start it: vettid eventspace-server --dir " + home.dir + " start", VettidCli.ENVIRONMENT);
    }
    JsonNode info = VaultHome.JSON.readTree(Files.readAllBytes(home.runInfo()));
    ServerAddress a = new ServerAddress(info.path("host").asText(), info.path("port").asInt(), info.path("caPin").asText());
    Options o = new Options.Builder().server(a.url()).sslContext(a.sslContext())
        .authHandler(Nats.credentials(home.adminCreds().toString())).inboxPrefix(info.path("inbox").asText())
        .connectionTimeout(Duration.ofSeconds(5)).noReconnect().build();
    try (Connection nc = Nats.connect(o)) {
      Message m = nc.request(Subjects.conciergeAdmin(verb).value(), body, Duration.ofSeconds(10));
      if (m == null) {
        throw new io.vettid.runtime.client.VaultClientException("the EventSpace server did not answer", VettidCli.PROBLEM);
      }
      JsonNode answer = VaultHome.JSON.readTree(new String(m.getData(), StandardCharsets.UTF_8));
      if (answer.has("error")) {
        throw new io.vettid.runtime.client.VaultClientException(answer.path("error").asText(), VettidCli.PROBLEM);
      }
      return answer;
    }
  }
}
