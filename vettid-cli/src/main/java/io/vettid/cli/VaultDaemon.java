package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.VettidException;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.SecretBox;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.subjects.Subjects;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.profile.Profile;
import io.vettid.profile.ProfileException;
import io.vettid.profile.SignedProfile;
import io.vettid.profile.TrustedLink;
import io.vettid.profile.TrustedResource;
import io.vettid.rules.RuleValidationException;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.connection.BlockList;
import io.vettid.runtime.connection.ConnectionRotation;
import io.vettid.runtime.connection.ConnectionStore;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.connection.Established;
import io.vettid.runtime.connection.HandshakeException;
import io.vettid.runtime.connection.Identity;
import io.vettid.runtime.connection.Invitation;
import io.vettid.runtime.connection.Invitations;
import io.vettid.runtime.connection.Invitee;
import io.vettid.runtime.connection.PeerConnector;
import io.vettid.runtime.handlers.ChatHandler;
import io.vettid.runtime.handlers.ContactRequestHandler;
import io.vettid.runtime.handlers.KeyRotationHandler;
import io.vettid.runtime.handlers.ProfileRequestHandler;
import io.vettid.runtime.service.EventService;
import io.vettid.runtime.service.HeldEvents;
import io.vettid.runtime.service.InboxResponder;
import io.vettid.runtime.service.Quarantine;
import io.vettid.runtime.service.RuleStore;
import io.vettid.runtime.service.RuntimeCounters;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running vault, as {@code vettid server start} runs it: the vault's own {@code nats-server}
 * (operator mode with the vault's operator and its accounts, one per trust zone ({@link
 * VaultAccounts}), TLS with the vault's CA, JetStream
 * encrypted at rest under a key derived from the vault secret), the {@link VettIdRuntime} (Manager
 * service, rules, inbox, quarantine, Event Watchers), its connections (sealed in the {@code
 * Connections} bucket, restored on start), invitations, scheduled key rotation, and the control
 * service the other {@code vettid} commands talk to.
 *
 * <p>Control: JSON requests on {@link Subjects#MANAGER_CONTROL} from a user that may publish only
 * there and read only its own inbox ({@code Manager.ControlInbox.<token>}, new at every start) and
 * the notices. Its credentials are written, mode 0600, to {@code run/control.creds} while the
 * vault runs; they expire after an hour and are renewed every 20 minutes, and the vault revokes
 * them when it stops and, should it have died instead, at its next start. Answers go only into
 * that inbox, published by a user that may publish nothing else ({@link InboxResponder}). Each
 * request is {@code {"verb": "...", ...}} and each answer {@code {"ok": true, ...}} or {@code
 * {"ok": false, "error": "...", "exit": n}}. Settled events are
 * published as notices on {@link Subjects#MANAGER_EVENTS} (ids, types, outcomes; never payloads).
 */
final class VaultDaemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VaultDaemon.class);
  private static final JsonNodeFactory J = JsonNodeFactory.instance;
  private static final Duration GRACE = Duration.ofMinutes(10);
  private static final String ACCOUNT_KEY = "nats.accounts";
  /** The control users of the vault's runs (public keys), revoked at the next start. */
  private static final String CONTROL_USERS_KEY = "control.users";
  /** How long the control user's JWT is valid, and how often it is renewed. */
  static final Duration CONTROL_VALIDITY = Duration.ofHours(1);
  static final Duration CONTROL_RENEWAL = Duration.ofMinutes(20);
  /**
   * The account record a running vault saved, or null. On the first start the vault's buckets do
   * not exist yet (the runtime creates them when it starts, once); no bucket means no record.
   */
  private static KeyValueEntry savedAccount(Connection nc) throws IOException, JetStreamApiException {
    try {
      return nc.keyValue(Subjects.name("Vault")).get(ACCOUNT_KEY);
    } catch (JetStreamApiException e) {
      if (e.getApiErrorCode() == JetStreamLayout.STREAM_NOT_FOUND) {
        return null;
      }
      throw e;
    } catch (IOException e) {
      // jnats reports a missing bucket when the handle is made, wrapped
      if (e.getCause() instanceof JetStreamApiException api && api.getApiErrorCode() == JetStreamLayout.STREAM_NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  private static final String PEER_PREFIX = "peer.";
  /** Rules every vault starts with: the built-in plumbing; anything else is denied until the owner adds a rule. */
  static final String DEFAULT_RULES = """
      [
        {"id": "profiles", "eventType": "profile.request", "action": "handle", "handler": "profile-request"},
        {"id": "profile-answers", "eventType": "profile.response", "action": "handle", "handler": "responses"},
        {"id": "contact-answers", "eventType": "contact.response", "action": "handle", "handler": "responses"},
        {"id": "key-rotation", "eventType": "connection.rotate", "action": "handle", "handler": "connection-rotation"},
        {"id": "key-rotation-ack", "eventType": "connection.rotate.ack", "action": "handle",
         "handler": "connection-rotation"},
        {"id": "revocations", "eventType": "connection.revoked", "action": "handle", "handler": "connection-revoked"},
        {"id": "sessions", "eventType": "session.reset", "action": "handle", "handler": "session-reset"},
        {"id": "contacts-need-my-ok", "eventType": "contact.request", "action": "hold"}
      ]""";

  private final VaultHome home;
  private final PrintStream out;
  private volatile VaultHome.Config config;
  private final Suite suite;
  private final KeyAlgorithm identityAlgorithm;
  private final KeyPair identityKeys;
  private final NatsOperator operator;
  private volatile VaultAccounts accounts;
  private final byte[] accountKey;
  private final NatsServer server;
  private final ServerAddress address;
  private final Connection system;
  private final VettIdRuntime runtime;
  private final Connections connections;
  private final BlockList blocks = new BlockList();
  private final ConnectionRotation rotation;
  private final Map<String, Invitations> invitations = new ConcurrentHashMap<>();
  private final Map<String, Invitee> accepting = new ConcurrentHashMap<>();
  private final Map<String, String> peerNames = new ConcurrentHashMap<>();
  private final Providers<KeyAlgorithm> algorithms;
  private final ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "vettid-control");
    t.setDaemon(true);
    return t;
  });
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final String controlInbox;
  private volatile UserCredentials controlUser;
  private final UserCredentials controlAnswersUser;
  private final Connection controlAnswers;
  private final InboxResponder control;
  private final java.util.concurrent.ScheduledExecutorService renewal =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vettid-control-renewal");
        t.setDaemon(true);
        return t;
      });
  private final Instant started = Instant.now();

  private VaultDaemon(VaultHome home, char[] passphrase, PrintStream out) throws Exception {
    this.home = home;
    this.out = out;
    this.config = home.readConfig();
    ObjectNode secrets = home.readSecrets(passphrase);
    suite = Suites.byName(config.suite()).orElseThrow(() -> new IOException("unknown suite " + config.suite()));
    identityAlgorithm = suite.signature();
    Base64.Decoder d = Base64.getDecoder();
    JsonNode id = secrets.path("identity");
    identityKeys = new KeyPair(identityAlgorithm.decodePublicKey(d.decode(id.path("public").asText())),
        identityAlgorithm.decodePrivateKey(d.decode(id.path("private").asText())));
    byte[] vaultSecret = d.decode(secrets.path("vaultSecret").asText());
    accountKey = SecretBox.derive(vaultSecret, "vettid/cli/account/v1", 32);
    operator = NatsOperator.restore(VaultHome.JSON.writeValueAsBytes(secrets.get("operator")));
    accounts = VaultAccounts.restore(operator, VaultHome.JSON.writeValueAsBytes(secrets.get("accounts")));
    UserCredentials owner = UserCredentials.of(secrets.path("owner").path("jwt").asText(),
        secrets.path("owner").path("seed").asText().toCharArray());
    secrets.removeAll();
    algorithms = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name)
        .discover(VaultDaemon.class.getClassLoader()).build();

    TlsMaterial tls = TlsMaterial.load(home.tlsDir());
    address = new ServerAddress(config.host(), config.port(), tls.caPin());
    char[] storeKey = NatsServerConfig.deriveStoreKey(vaultSecret, config.serverName());
    NatsServer s = null;
    Connection sys = null;
    Connection answers = null;
    VettIdRuntime r = null;
    try {
      try {
        s = NatsServer.start(NatsServerConfig.builder()
            .serverName(config.serverName())
            .host(config.host())
            .port(config.port())
            .workDir(home.natsDir())
            .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, storeKey)
            .tls(tls.serverTls(false))
            .extraConfig(operator.serverConfig(NatsOperator.ServerRole.DATA_VAULT,
                Files.createDirectories(home.natsDir().resolve("jwt")), accounts.all()))
            .build());
      } finally {
        Arrays.fill(storeKey, '\0');
      }
      sys = Nats.connect(options(operator.systemUser()).build());
      this.system = sys;
      // the accounts as last saved by a running vault (users and revocations since init), if newer;
      // the control users of earlier runs are revoked, even if a run died without revoking its own
      List<String> earlierControl;
      try (Connection first = Nats.connect(options(owner).build())) {
        KeyValueEntry e = savedAccount(first);
        if (e != null && e.getValue() != null) {
          byte[] plain = SecretBox.open(accountKey, ACCOUNT_KEY.getBytes(StandardCharsets.US_ASCII), e.getValue());
          accounts = VaultAccounts.restore(operator, plain);
          Arrays.fill(plain, (byte) 0);
        }
        earlierControl = earlierControlUsers(first);
      }
      earlierControl.forEach(accounts.vault()::revoke);
      for (NatsAccount a : accounts.all()) {
        operator.push(sys, a);
      }
      connections = new Connections(Clock.systemUTC(), blocks);
      // whoever revokes a connection (the owner, or the peer telling this side), the user issued
      // for the peer goes with it
      connections.onRevoked(revoked -> revoked.peerUser().ifPresent(u -> {
        accounts.eventSpace().revoke(u);
        pushAccount(accounts.eventSpace());
      }));
      r = VettIdRuntime.builder().vault(accounts, serverOptions()).connections(connections).listener(this::settled)
          .start();
      this.runtime = r;
      RuleStore rules = r.rules().orElseThrow();
      if (rules.text().isBlank()) {
        rules.awaitRevision(rules.put(DEFAULT_RULES), Duration.ofSeconds(5));
      }
      int restored = connections.persistTo(new ConnectionStore(r.connection(), vaultSecret), connector());
      Arrays.fill(vaultSecret, (byte) 0);
      loadPeerNames(r);
      for (String es : config.eventSpaces()) {
        r.watch(config.guid(), es);
      }
      rotation = new ConnectionRotation(connections, accounts.eventSpace(), GRACE, this::pushAccount);
      rotation.start(Duration.ofDays(30), Duration.ofHours(1));
      String token = Long.toHexString(new SecureRandom().nextLong() >>> 1);
      controlInbox = Subjects.controlInbox(token).value();
      controlUser = issueControlUser(null);
      controlAnswersUser = accounts.vault().issueUser("cli-answers-" + token,
          UserPermissions.forControlAnswers(controlInbox));
      saveControlUsers(r.connection());
      answers = Nats.connect(options(controlAnswersUser).build());
      control = new InboxResponder(answers, r.quarantine());
      Dispatcher controlRequests = r.connection().createDispatcher(this::onControl);
      controlRequests.subscribe(Subjects.MANAGER_CONTROL.value());
      r.connection().flush(Duration.ofSeconds(5));
      this.server = s;
      this.controlAnswers = answers;
      writeRunFiles();
      renewal.scheduleWithFixedDelay(this::renewControlUser, CONTROL_RENEWAL.toMillis(), CONTROL_RENEWAL.toMillis(),
          java.util.concurrent.TimeUnit.MILLISECONDS);
      renewal.scheduleWithFixedDelay(() -> forgetAbandonedAcceptances(Instant.now()), 10, 10,
          java.util.concurrent.TimeUnit.MINUTES);
      LOG.info("vault {} running at {} ({} connections restored)", config.guid(), address.url(), restored);
    } catch (Exception e) {
      renewal.shutdownNow();
      if (answers != null) {
        answers.close();
      }
      if (r != null) {
        r.close();
      }
      if (sys != null) {
        sys.close();
      }
      if (s != null) {
        s.close();
      }
      throw e;
    }
  }

  /** Issues the control user's credentials, or renews them (the same NKey, a new expiry). */
  private UserCredentials issueControlUser(UserCredentials current) {
    String name = "cli-" + controlInbox.substring(controlInbox.lastIndexOf('.') + 1);
    UserPermissions p = UserPermissions.forControl(controlInbox);
    return current == null
        ? accounts.vault().issueUser(name, p, io.vettid.nats.auth.UserLimits.UNLIMITED, CONTROL_VALIDITY)
        : accounts.vault().renewUser(current, name, p, io.vettid.nats.auth.UserLimits.UNLIMITED, CONTROL_VALIDITY);
  }

  /** Renews the control user before it expires and rewrites its credentials file. */
  void renewControlUser() {
    try {
      controlUser = issueControlUser(controlUser);
      Path tmp = home.controlCreds().resolveSibling("control.creds.next");
      Files.deleteIfExists(tmp);
      controlUser.writeTo(tmp);
      Files.move(tmp, home.controlCreds(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      LOG.warn("the control credentials could not be renewed ({}); tried again in {} minutes",
          e.getClass().getSimpleName(), CONTROL_RENEWAL.toMinutes());
    }
  }

  /** The control users earlier runs recorded (public keys). */
  private static List<String> earlierControlUsers(Connection nc) throws IOException, JetStreamApiException {
    KeyValueEntry e;
    try {
      e = nc.keyValue(Subjects.name("Vault")).get(CONTROL_USERS_KEY);
    } catch (JetStreamApiException | IOException missing) {
      return List.of(); // no bucket yet: the first start
    }
    List<String> keys = new ArrayList<>();
    if (e != null && e.getValue() != null) {
      for (JsonNode k : VaultHome.JSON.readTree(e.getValue())) {
        if (io.nats.client.NKey.isValidPublicUserKey(k.asText().toCharArray())) {
          keys.add(k.asText());
        }
      }
    }
    return keys;
  }

  /** Records this run's control users before their credentials exist anywhere, so the next start revokes them. */
  private void saveControlUsers(Connection nc) throws IOException, JetStreamApiException {
    ArrayNode keys = J.arrayNode().add(controlUser.publicKey()).add(controlAnswersUser.publicKey());
    nc.keyValue(Subjects.name("Vault")).put(CONTROL_USERS_KEY, VaultHome.JSON.writeValueAsBytes(keys));
    pushAccount(accounts.vault()); // the earlier runs' revocations, kept with the vault
  }

  /**
   * Opens and starts a vault.
   *
   * @param home the vault's home
   * @param passphrase its passphrase (not kept)
   * @param out where the transcript of settled events goes
   * @return the running vault
   * @throws Exception if the secrets do not open or the server or NATS cannot start
   */
  static VaultDaemon start(VaultHome home, char[] passphrase, PrintStream out) throws Exception {
    return new VaultDaemon(home, passphrase, out);
  }

  ServerAddress address() {
    return address;
  }

  /** {@return the vault's connections (tests)} */
  Connections connections() {
    return connections;
  }

  /** {@return the vault's runtime (tests)} */
  VettIdRuntime runtime() {
    return runtime;
  }

  /** Blocks until a {@code stop} request, then closes. */
  void awaitStop() throws InterruptedException {
    stopped.await();
  }

  private Options.Builder options(UserCredentials user) throws GeneralSecurityException {
    return serverOptions().authHandler(user.authHandler());
  }

  private Options.Builder serverOptions() throws GeneralSecurityException {
    return new Options.Builder().server(address.url()).sslContext(address.sslContext())
        .connectionTimeout(Duration.ofSeconds(10)).maxReconnects(-1);
  }

  private PeerConnector connector() {
    return new PeerConnector() {
      @Override
      public Connection connect(UserCredentials creds, String inbox) throws IOException, InterruptedException {
        return connect(creds, inbox, address);
      }

      @Override
      public Connection connect(UserCredentials creds, String inbox, ServerAddress peer)
          throws IOException, InterruptedException {
        ServerAddress where = peer == null ? address : peer;
        try {
          // a peer that is offline now is reached once it is back: never fail the vault for it
          return Nats.connectReconnectOnConnect(new Options.Builder().server(where.url())
              .sslContext(where.sslContext()).authHandler(creds.authHandler()).inboxPrefix(inbox)
              .connectionTimeout(Duration.ofSeconds(5)).maxReconnects(-1).build());
        } catch (GeneralSecurityException e) {
          throw new IOException("cannot make the TLS context for " + where.hostPort(), e);
        }
      }
    };
  }

  private void writeRunFiles() throws IOException {
    Files.createDirectories(home.runDir());
    Files.deleteIfExists(home.controlCreds());
    controlUser.writeTo(home.controlCreds());
    ObjectNode info = J.objectNode().put("v", 1).put("pid", ProcessHandle.current().pid()).put("url", address.url())
        .put("caPin", address.caPin()).put("inboxPrefix", controlInbox).put("name", config.name())
        .put("guid", config.guid()).put("startedAt", started.toString());
    VaultHome.writeAtomically(home.controlInfo(), VaultHome.JSON.writeValueAsBytes(info), false);
  }

  /** Pushes a changed account to the server and saves the state of every account with the vault. */
  private void pushAccount(NatsAccount a) {
    try {
      operator.push(system, a);
      byte[] plain = accounts.export();
      try {
        runtime.connection().keyValue(Subjects.name("Vault")).put(ACCOUNT_KEY,
            SecretBox.seal(accountKey, ACCOUNT_KEY.getBytes(StandardCharsets.US_ASCII), plain, new SecureRandom()));
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    } catch (IOException | JetStreamApiException e) {
      LOG.warn("the account's state could not be saved ({})", e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- settled events

  private void settled(EventService.Settled s) {
    String peer = s.connectionId() == null ? "?" : peerNames.getOrDefault(s.connectionId().value(), "?");
    ObjectNode n = J.objectNode().put("time", Instant.now().toString()).put("service", s.service())
        .put("outcome", s.outcome().name().toLowerCase(java.util.Locale.ROOT))
        .put("type", s.type() == null ? "?" : s.type().value())
        .put("eventId", s.eventId() == null ? "?" : s.eventId().value())
        .put("connection", s.connectionId() == null ? "?" : s.connectionId().value()).put("peer", peer);
    if (s.reason() != null) {
      n.put("reason", s.reason().name());
    }
    if (s.detail() != null && !s.detail().isEmpty()) {
      n.put("detail", s.detail());
    }
    out.println(EventsFormat.line(n));
    try {
      runtime.connection().publish(Subjects.MANAGER_EVENTS.value(), VaultHome.JSON.writeValueAsBytes(n));
    } catch (IOException | RuntimeException e) {
      LOG.debug("notice not published", e);
    }
  }

  // ---------------------------------------------------------------- control

  /** A refusal of a control request: the message says what to do; exit is the CLI's exit code. */
  static final class Refused extends Exception {
    @java.io.Serial private static final long serialVersionUID = 1L;
    final int exit;

    Refused(String message, int exit) {
      super(message);
      this.exit = exit;
    }

    Refused(String message) {
      this(message, 1);
    }
  }

  private void onControl(Message m) {
    if (!control.admit(m, controlInbox)) {
      return; // no reply subject, or one outside the control inbox (kept and counted): nothing is run
    }
    workers.execute(() -> {
      ObjectNode answer;
      String verb = "?";
      try {
        JsonNode req = VaultHome.JSON.readTree(m.getData());
        if (req == null || !req.path("verb").isTextual()) {
          throw new Refused("a control request is a JSON object with a 'verb'", 2);
        }
        verb = req.path("verb").asText();
        answer = handle(verb, req);
        answer.put("ok", true);
      } catch (Refused e) {
        answer = J.objectNode().put("ok", false).put("error", e.getMessage()).put("exit", e.exit);
      } catch (HandshakeException | RuleValidationException | IllegalArgumentException e) {
        answer = J.objectNode().put("ok", false).put("error", e.getMessage()).put("exit", 1);
      } catch (VettidException e) {
        answer = J.objectNode().put("ok", false).put("error", e.reason() + ": " + e.getMessage()).put("exit", 1);
      } catch (IOException e) {
        answer = J.objectNode().put("ok", false).put("error", "malformed or failed request: " + e.getMessage())
            .put("exit", 1);
      } catch (Exception | LinkageError | AssertionError e) {
        LOG.warn("control request '{}' failed: {}", verb, e.getClass().getSimpleName());
        answer = J.objectNode().put("ok", false)
            .put("error", "the vault could not do it: " + e.getClass().getSimpleName() + ": " + e.getMessage())
            .put("exit", 1);
      }
      try {
        control.answer(m, controlInbox, VaultHome.JSON.writeValueAsBytes(answer));
        if ("stop".equals(verb)) {
          controlAnswers.flush(Duration.ofSeconds(2));
        }
      } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
        LOG.warn("control answer not flushed: {}", e.getClass().getSimpleName());
      } catch (IOException e) {
        LOG.warn("control answer not sent: {}", e.getMessage());
      }
      if ("stop".equals(verb)) {
        stopped.countDown();
      }
    });
  }

  /** One request of the control service. */
  @FunctionalInterface
  private interface Verb {
    ObjectNode run(VaultDaemon vault, JsonNode req) throws Exception;
  }

  /** The control service's requests, by verb (PROTOCOL.md section 9 lists each). */
  private static final Map<String, Verb> VERBS = verbs();

  private static Map<String, Verb> verbs() {
    Map<String, Verb> v = new java.util.LinkedHashMap<>();
    v.put("ping", (d, r) -> d.status());
    v.put("status", (d, r) -> d.status());
    v.put("stop", (d, r) -> J.objectNode().put("stopping", true));
    v.put("eventspace.create", (d, r) -> d.createEventSpace(text(r, "name")));
    v.put("eventspace.list", (d, r) -> d.eventSpaces());
    v.put("profile.publish", VaultDaemon::publishProfile);
    v.put("profile.show", (d, r) -> d.showProfile(d.eventSpace(r)));
    v.put("invite", (d, r) -> d.invite(d.eventSpace(r), r.path("remote").asBoolean(false),
        Duration.ofSeconds(r.path("validSeconds").asLong(0))));
    v.put("invite.confirm", (d, r) -> d.confirm(HandshakeText.decode("accept", text(r, "message"))));
    v.put("invite.pending", (d, r) -> d.pending());
    v.put("invite.approve", (d, r) -> d.approve(text(r, "id")));
    v.put("invite.decline", (d, r) -> d.decline(text(r, "id")));
    v.put("accept", (d, r) -> d.accept(text(r, "uri"), d.eventSpace(r)));
    v.put("accept.complete", (d, r) -> d.complete(HandshakeText.decode("confirm", text(r, "message"))));
    v.put("connections.list", (d, r) -> d.listConnections());
    v.put("connections.revoke", (d, r) -> d.revoke(d.connection(text(r, "connection"))));
    v.put("send", VaultDaemon::send);
    v.put("rules.list", (d, r) -> d.listRules());
    v.put("rules.add", (d, r) -> d.addRule(r.path("rule")));
    v.put("rules.remove", (d, r) -> d.removeRule(text(r, "id")));
    v.put("rules.test", VaultDaemon::testRule);
    v.put("inbox.list", (d, r) -> d.inbox());
    v.put("inbox.approve", (d, r) -> d.decide(text(r, "id"), true));
    v.put("inbox.deny", (d, r) -> d.decide(text(r, "id"), false));
    v.put("keys.list", (d, r) -> d.keys());
    v.put("keys.rotate", (d, r) -> d.rotate(d.connection(text(r, "connection"))));
    v.put("quarantine.list", (d, r) -> d.quarantine(r.path("limit").asInt(20)));
    v.put("quarantine.replay", VaultDaemon::replay);
    v.put("events.recent", (d, r) -> d.recentEvents(r.path("last").asInt(10)));
    return java.util.Collections.unmodifiableMap(v);
  }

  /** {@return every verb the control service answers} */
  static Set<String> verbNames() {
    return VERBS.keySet();
  }

  private ObjectNode handle(String verb, JsonNode req) throws Exception {
    Verb v = VERBS.get(verb);
    if (v == null) {
      throw new Refused("unknown request '" + verb + "'", 2);
    }
    return v.run(this, req);
  }

  private static String text(JsonNode req, String field) throws Refused {
    JsonNode v = req.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw new Refused("the request needs '" + field + "'", 2);
    }
    return v.asText();
  }

  private String eventSpace(JsonNode req) throws Refused {
    JsonNode v = req.get("eventSpace");
    List<String> all = config.eventSpaces();
    if (v == null || v.isNull() || v.asText().isEmpty()) {
      if (all.isEmpty()) {
        throw new Refused("this vault has no EventSpace yet; create one: vettid eventspace create home");
      }
      return all.get(0);
    }
    if (!all.contains(v.asText())) {
      throw new Refused("no EventSpace '" + v.asText() + "' here (there are " + all + ")");
    }
    return v.asText();
  }

  private ObjectNode status() throws Exception {
    RuntimeCounters.Snapshot c = runtime.counters().snapshot();
    ObjectNode n = J.objectNode().put("name", config.name()).put("guid", config.guid()).put("url", address.url())
        .put("caPin", address.caPin()).put("pid", ProcessHandle.current().pid()).put("startedAt", started.toString())
        .put("suite", suite.name()).put("identity", identityKeyId());
    config.eventSpaces().forEach(n.putArray("eventSpaces")::add);
    n.put("connections", connections.list().size());
    ObjectNode counts = n.putObject("counters");
    counts.put("received", c.received()).put("handled", c.handled()).put("held", c.held())
        .put("dropped", c.dropped()).put("quarantined", c.quarantinedTotal());
    return n;
  }

  private String identityKeyId() {
    return identityAlgorithm.keyId(identityKeys.getPublic()).value();
  }

  // ---------------------------------------------------------------- EventSpaces and profiles

  private synchronized ObjectNode createEventSpace(String name) throws Exception {
    if (config.eventSpaces().contains(name)) {
      throw new Refused("EventSpace '" + name + "' exists already");
    }
    String deposits = Subjects.depositsOf(config.guid(), name); // refuses a name that is not a lowercase token
    runtime.watch(config.guid(), name);
    config = config.withEventSpace(name);
    home.writeConfig(config);
    SignedProfile p = publish(Profile.builder(name, owner()), List.of());
    return J.objectNode().put("eventSpace", name).put("deposits", deposits)
        .put("profileSignedBy", p.signer().value());
  }

  private ObjectNode eventSpaces() {
    ObjectNode n = J.objectNode();
    config.eventSpaces().forEach(n.putArray("eventSpaces")::add);
    return n;
  }

  private Profile.Owner owner() {
    Profile.Owner o = Profile.Owner.of(config.name(), identityAlgorithm, identityKeys.getPublic());
    if (config.age().isPresent()) {
      o = o.age(config.age().getAsInt());
    }
    if (config.ageOver().isPresent()) {
      o = o.ageOver(config.ageOver().getAsInt());
    }
    if (config.location() != null) {
      o = o.location(config.location());
    }
    return o;
  }

  private SignedProfile publish(Profile.Builder b, List<EventType> extraTypes) throws Exception {
    for (EventType t : List.of(ChatHandler.MESSAGE, ProfileRequestHandler.REQUEST, ContactRequestHandler.REQUEST)) {
      b.eventType(t);
    }
    extraTypes.forEach(b::eventType);
    SignedProfile sp = SignedProfile.sign(b.build(), identityAlgorithm, identityKeys.getPrivate(), new SecureRandom());
    runtime.publishProfile(sp);
    invitations.remove(sp.profile().eventSpace()); // the next invitation carries the new profile
    return sp;
  }

  private ObjectNode publishProfile(JsonNode req) throws Exception {
    String es = eventSpace(req);
    Profile.Builder b = Profile.builder(es, owner());
    for (Iterator<Map.Entry<String, JsonNode>> it = req.path("share").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      runtime.shareableData(e.getKey(), e.getValue().asText());
      b.share(e.getKey(), e.getValue().asText());
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = req.path("links").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      b.link(new TrustedLink(e.getKey(), URI.create(e.getValue().asText())));
    }
    for (JsonNode r : req.path("resources")) {
      b.resource(new TrustedResource(r.path("name").asText(), r.path("version").asText(),
          URI.create(r.path("location").asText()), r.path("sha256").asText()));
    }
    List<EventType> types = new ArrayList<>();
    for (JsonNode t : req.path("eventTypes")) {
      types.add(EventType.of(t.asText()));
    }
    SignedProfile sp = publish(b, types);
    return J.objectNode().put("eventSpace", es).put("signedBy", sp.signer().value()).put("bytes", sp.bytes().length);
  }

  private ObjectNode showProfile(String es) throws Exception {
    KeyValueEntry e = runtime.connection().keyValue(Subjects.name("Profiles")).get(es);
    if (e == null || e.getValue() == null) {
      throw new Refused("EventSpace '" + es + "' has no published profile; publish one: vettid profile publish " + es);
    }
    SignedProfile sp;
    try {
      sp = SignedProfile.parse(e.getValue());
      sp.verify(this::algorithm);
    } catch (ProfileException x) {
      throw new Refused("the stored profile does not verify: " + x.problem() + " (" + x.getMessage() + ")");
    }
    ObjectNode json = sp.profileJson();
    ((ObjectNode) json.path("owner")).remove("publicKey"); // the keyID names it; the key itself is long
    return J.objectNode().put("verified", true).set("profile", json);
  }

  private Optional<KeyAlgorithm> algorithm(String name) {
    return algorithms.names().contains(name) ? Optional.of(algorithms.get(name)) : Optional.empty();
  }

  private SignedProfile signedProfile(String es) throws Exception {
    KeyValueEntry e = runtime.connection().keyValue(Subjects.name("Profiles")).get(es);
    if (e != null && e.getValue() != null) {
      return SignedProfile.parse(e.getValue());
    }
    return publish(Profile.builder(es, owner()), List.of());
  }

  private Identity identity(String es) throws Exception {
    return new Identity(identityAlgorithm, identityKeys, signedProfile(es));
  }

  // ---------------------------------------------------------------- invitations

  private Invitations invitations(String es) throws Exception {
    Invitations inv = invitations.get(es);
    if (inv == null) {
      inv = new Invitations(identity(es), config.guid(), accounts.eventSpace(), suite, blocks, Clock.systemUTC());
      inv.advertise(address);
      inv.approvalRules(runtime.rules().orElseThrow());
      invitations.put(es, inv);
    }
    return inv;
  }

  private ObjectNode invite(String es, boolean remote, Duration validity) throws Exception {
    Invitations inv = invitations(es);
    Invitation i = validity.isZero() ? inv.create(es, remote) : inv.create(es, remote, validity);
    return J.objectNode().put("uri", i.toUri()).put("id", i.idText()).put("eventSpace", es)
        .put("expiresAt", i.expiresAt().toString()).put("remote", remote);
  }

  private ObjectNode confirm(byte[] acceptMessage) throws Exception {
    HandshakeException last = null;
    for (String es : config.eventSpaces()) {
      Invitations inv = invitations(es);
      Invitations.Result r;
      try {
        r = inv.accept(acceptMessage);
      } catch (HandshakeException e) {
        if (e.getMessage().startsWith("unknown, already used or revoked invitation")) {
          last = e;
          continue;
        }
        throw e;
      }
      return confirmed(r);
    }
    throw last != null ? last : new HandshakeException("unknown, already used or revoked invitation");
  }

  private ObjectNode confirmed(Invitations.Result r) throws Exception {
    if (r.pendingId().isPresent()) {
      return J.objectNode().put("pending", r.pendingId().get());
    }
    Established e = r.established().orElseThrow();
    added(e);
    return J.objectNode().put("message", HandshakeText.encode("confirm", r.confirm().orElseThrow()))
        .put("connection", e.local().value()).put("peer", e.peerProfile().owner().firstName())
        .put("safetyNumber", e.safetyNumber());
  }

  private void added(Established e) throws Exception {
    connections.add(e, connector());
    String name = e.peerProfile().owner().firstName();
    peerNames.put(e.local().value(), name);
    ObjectNode rec = J.objectNode().put("name", name).put("identity", e.peerIdentity().value())
        .put("since", Instant.now().toString());
    runtime.connection().keyValue(Subjects.name("Vault")).put(PEER_PREFIX + e.local().value(),
        VaultHome.JSON.writeValueAsBytes(rec));
    pushAccount(accounts.eventSpace()); // keeps the users issued so far, and the revocation list, with the vault
  }

  private void loadPeerNames(VettIdRuntime r) throws Exception {
    io.nats.client.KeyValue kv = r.connection().keyValue(Subjects.name("Vault"));
    for (ConnectionId c : connections.list()) {
      KeyValueEntry e = kv.get(PEER_PREFIX + c.value());
      if (e != null && e.getValue() != null) {
        peerNames.put(c.value(), VaultHome.JSON.readTree(e.getValue()).path("name").asText("?"));
      }
    }
  }

  private ObjectNode pending() throws Exception {
    ArrayNode list = J.arrayNode();
    for (String es : config.eventSpaces()) {
      for (Invitations.PendingAcceptance p : invitations(es).pending()) {
        list.addObject().put("id", p.id()).put("peer", p.peerName()).put("eventSpace", es)
            .put("safetyNumber", p.safetyNumber()).put("receivedAt", p.receivedAt().toString());
      }
    }
    ObjectNode n = J.objectNode();
    n.set("pending", list);
    return n;
  }

  private ObjectNode approve(String id) throws Exception {
    for (String es : config.eventSpaces()) {
      Invitations inv = invitations(es);
      if (inv.pending().stream().anyMatch(p -> p.id().equals(id))) {
        return confirmed(inv.approve(id));
      }
    }
    throw new Refused("no pending acceptance " + id + "; see: vettid invite pending");
  }

  private ObjectNode decline(String id) throws Exception {
    for (String es : config.eventSpaces()) {
      if (invitations(es).decline(id)) {
        return J.objectNode().put("declined", id);
      }
    }
    throw new Refused("no pending acceptance " + id + "; see: vettid invite pending");
  }

  /**
   * Gives up the acceptances that can no longer be completed (all of them when the vault stops:
   * they live in memory only) and revokes the user each issued for its inviter, so that no
   * deposit right outlives the handshake that granted it.
   *
   * @param now the time, or {@link Instant#MAX} to give up every one
   * @return how many were given up
   */
  int forgetAbandonedAcceptances(Instant now) {
    List<String> users = new ArrayList<>();
    for (Iterator<Map.Entry<String, Invitee>> it = accepting.entrySet().iterator(); it.hasNext(); ) {
      Invitee i = it.next().getValue();
      if (!i.isCompleted() && !now.isBefore(i.abandonedAt())) {
        it.remove();
        users.add(i.issuedUser());
      }
    }
    if (!users.isEmpty()) {
      users.forEach(accounts.eventSpace()::revoke);
      pushAccount(accounts.eventSpace());
      LOG.info("{} acceptance(s) never completed given up; the users they issued are revoked", users.size());
    }
    return users.size();
  }

  /** {@return the public NKeys of the users issued by acceptances still waiting for a confirmation} */
  List<String> acceptancesWaiting() {
    return accepting.values().stream().map(Invitee::issuedUser).toList();
  }

  /** {@return this vault's accounts} */
  VaultAccounts accounts() {
    return accounts;
  }

  private ObjectNode accept(String uri, String es) throws Exception {
    forgetAbandonedAcceptances(Instant.now());
    Invitation inv = Invitation.parse(uri.trim());
    Invitee invitee = Invitee.accept(inv, identity(es), config.guid(), es, accounts.eventSpace(), suite,
        Clock.systemUTC(), blocks,
        address);
    accepting.put(inv.idText(), invitee);
    pushAccount(accounts.eventSpace());
    return J.objectNode().put("message", HandshakeText.encode("accept", invitee.message()))
        .put("inviter", inv.inviter().value()).put("theirEventSpace", inv.eventSpace()).put("eventSpace", es)
        .put("expiresAt", inv.expiresAt().toString());
  }

  private ObjectNode complete(byte[] confirmMessage) throws Exception {
    forgetAbandonedAcceptances(Instant.now());
    HandshakeException last = null;
    for (Iterator<Map.Entry<String, Invitee>> it = accepting.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Invitee> entry = it.next();
      Established e;
      try {
        e = entry.getValue().complete(confirmMessage);
      } catch (HandshakeException x) {
        last = x;
        continue;
      }
      it.remove();
      added(e);
      return J.objectNode().put("connection", e.local().value()).put("peer", e.peerProfile().owner().firstName())
          .put("safetyNumber", e.safetyNumber());
    }
    if (accepting.isEmpty()) {
      throw new Refused("no acceptance waits for a confirmation here (the vault was restarted, or it was completed);"
          + " accept the invitation again: vettid accept <uri>");
    }
    throw last;
  }

  // ---------------------------------------------------------------- connections

  private ConnectionId connection(String nameOrId) throws Refused {
    List<ConnectionId> all = connections.list();
    for (ConnectionId c : all) {
      if (c.value().equals(nameOrId)) {
        return c;
      }
    }
    List<ConnectionId> named = all.stream().filter(c -> nameOrId.equalsIgnoreCase(peerNames.get(c.value()))).toList();
    if (named.size() == 1) {
      return named.get(0);
    }
    if (named.size() > 1) {
      throw new Refused(named.size() + " connections are with someone named " + nameOrId
          + "; use the connection id (vettid connections list)");
    }
    throw new Refused("no connection '" + nameOrId + "'; see: vettid connections list");
  }

  private ObjectNode listConnections() {
    ArrayNode list = J.arrayNode();
    for (ConnectionId c : connections.list()) {
      ObjectNode o = list.addObject().put("id", c.value()).put("peer", peerNames.getOrDefault(c.value(), "?"));
      connections.peerIdentity(c).ifPresent(k -> o.put("identity", k.value()));
      o.put("suite", connections.suite(c).name()).put("safetyNumber", connections.safetyNumber(c));
    }
    ObjectNode n = J.objectNode();
    n.set("connections", list);
    return n;
  }

  private ObjectNode revoke(ConnectionId c) throws Exception {
    Optional<String> user = connections.peerUser(c);
    boolean told = connections.revokeAndTell(c); // the user issued for the peer is revoked with it (onRevoked)
    runtime.connection().keyValue(Subjects.name("Vault")).delete(PEER_PREFIX + c.value());
    peerNames.remove(c.value());
    return J.objectNode().put("revoked", c.value()).put("peerTold", told).put("userRevoked", user.isPresent());
  }

  private ObjectNode send(JsonNode req) throws Exception {
    ConnectionId c = connection(text(req, "to"));
    EventType type = EventType.of(text(req, "type"));
    JsonNode payload = req.path("payload");
    if (!payload.isObject()) {
      throw new Refused("the payload must be a JSON object", 2);
    }
    io.vettid.api.EventId id = connections.send(c, type, (ObjectNode) payload);
    return J.objectNode().put("eventId", id.value()).put("connection", c.value())
        .put("peer", peerNames.getOrDefault(c.value(), "?"));
  }

  // ---------------------------------------------------------------- rules

  private RuleStore rules() throws Refused {
    return runtime.rules().orElseThrow(() -> new Refused("this vault runs a third-party rule engine"));
  }

  private ArrayNode ruleArray() throws Exception {
    String text = rules().text();
    JsonNode n = text.isBlank() ? J.arrayNode() : VaultHome.JSON.readTree(text);
    return n.isArray() ? (ArrayNode) n : J.arrayNode();
  }

  private ObjectNode listRules() throws Exception {
    ObjectNode n = J.objectNode();
    n.set("rules", ruleArray());
    return n;
  }

  private ObjectNode addRule(JsonNode rule) throws Exception {
    if (!rule.isObject() || !rule.path("id").isTextual()) {
      throw new Refused("a rule is a JSON object with an 'id' (see: vettid rules add --help)", 2);
    }
    ArrayNode rules = ruleArray();
    ArrayNode next = J.arrayNode();
    boolean replaced = false;
    for (JsonNode r : rules) {
      if (r.path("id").asText().equals(rule.path("id").asText())) {
        next.add(rule);
        replaced = true;
      } else {
        next.add(r);
      }
    }
    if (!replaced) {
      next.add(rule); // at the end: first match wins, so earlier rules still decide what they match
    }
    long rev = rules().put(next.toString());
    rules().awaitRevision(rev, Duration.ofSeconds(5));
    return J.objectNode().put("id", rule.path("id").asText()).put("replaced", replaced).put("rules", next.size());
  }

  private ObjectNode removeRule(String id) throws Exception {
    ArrayNode next = J.arrayNode();
    boolean found = false;
    for (JsonNode r : ruleArray()) {
      if (r.path("id").asText().equals(id)) {
        found = true;
      } else {
        next.add(r);
      }
    }
    if (!found) {
      throw new Refused("no rule '" + id + "'; see: vettid rules list");
    }
    rules().awaitRevision(rules().put(next.toString()), Duration.ofSeconds(5));
    return J.objectNode().put("removed", id).put("rules", next.size());
  }

  private ObjectNode testRule(JsonNode req) throws Exception {
    JsonNode payload = req.path("payload");
    InternalEvent e = InternalEvent.builder().type(EventType.of(text(req, "type")))
        .connectionId(req.hasNonNull("connection") ? connection(req.path("connection").asText()) : ConnectionId.random())
        .payload(payload.isObject() ? (ObjectNode) payload : J.objectNode()).build();
    Decision d = runtime.rules().isPresent() ? rules().evaluate(e) : Decision.defaultDeny();
    ObjectNode n = J.objectNode().put("action", d.action().name().toLowerCase(java.util.Locale.ROOT))
        .put("reason", d.reason());
    d.ruleId().ifPresent(r -> n.put("rule", r));
    d.handler().ifPresent(h -> n.put("handler", h));
    return n;
  }

  // ---------------------------------------------------------------- inbox, keys, quarantine, events

  private ObjectNode inbox() throws Exception {
    ArrayNode list = J.arrayNode();
    for (HeldEvents.Held h : runtime.inbox().list()) {
      list.addObject().put("id", h.id()).put("type", h.event().type().value()).put("rule", h.rule())
          .put("from", peerNames.getOrDefault(h.event().connectionId().value(), h.event().connectionId().value()))
          .put("heldAt", h.heldAt().toString()).put("approved", h.approved());
    }
    ObjectNode n = J.objectNode();
    n.set("held", list);
    return n;
  }

  private ObjectNode decide(String id, boolean approve) throws Exception {
    boolean done = approve ? runtime.inbox().approve(id) : runtime.inbox().deny(id);
    if (!done) {
      throw new Refused("no held event " + id + "; see: vettid inbox list");
    }
    return J.objectNode().put(approve ? "approved" : "denied", id);
  }

  private ObjectNode keys() {
    ObjectNode n = J.objectNode();
    n.putObject("identity").put("keyId", identityKeyId()).put("algorithm", identityAlgorithm.name());
    ArrayNode list = n.putArray("connections");
    for (ConnectionId c : connections.list()) {
      list.addObject().put("connection", c.value()).put("peer", peerNames.getOrDefault(c.value(), "?"))
          .put("suite", connections.suite(c).name()).put("wrapping", connections.wrappingKey(c).keyId().value());
    }
    return n;
  }

  private ObjectNode rotate(ConnectionId c) throws Exception {
    rotation.rotate(c);
    pushAccount(accounts.eventSpace());
    return J.objectNode().put("connection", c.value()).put("wrapping", connections.wrappingKey(c).keyId().value());
  }

  private ObjectNode quarantine(int limit) throws Exception {
    if (limit < 1 || limit > 10_000) {
      throw new Refused("limit must be 1..10000", 2);
    }
    ArrayNode list = J.arrayNode();
    for (Quarantine.Entry e : runtime.quarantine().list(limit)) {
      list.addObject().put("sequence", e.sequence()).put("reason", e.reason().name()).put("source", e.source())
          .put("detail", e.detail() == null ? "" : e.detail()).put("time", e.time().toString())
          .put("bytes", e.bodyKept() ? e.data().length : e.withheld()).put("kept", e.bodyKept());
    }
    ObjectNode n = J.objectNode();
    n.set("quarantined", list);
    return n;
  }

  private ObjectNode replay(JsonNode req) throws Exception {
    long sequence = req.path("sequence").asLong(-1);
    String reason = req.path("reason").asText("");
    if (sequence < 1 && reason.isEmpty()) {
      throw new Refused("name a quarantined event by its sequence, or a reason (vettid quarantine list)", 2);
    }
    if (!reason.isEmpty()) {
      try {
        io.vettid.api.FailureReason.valueOf(reason);
      } catch (IllegalArgumentException e) {
        throw new Refused("no failure reason " + reason + "; one of "
            + Arrays.toString(io.vettid.api.FailureReason.values()), 2);
      }
    }
    List<Quarantine.Entry> chosen = new ArrayList<>();
    for (Quarantine.Entry e : runtime.quarantine().list(10_000)) {
      if (e.sequence() == sequence || e.reason().name().equals(reason)) {
        chosen.add(e);
      }
    }
    if (chosen.isEmpty()) {
      throw new Refused("no quarantined event " + (sequence > 0 ? String.valueOf(sequence) : "with reason " + reason)
          + "; see: vettid quarantine list");
    }
    ArrayNode done = J.arrayNode();
    for (Quarantine.Entry entry : chosen) {
      if (!entry.bodyKept()) {
        throw new Refused("event " + entry.sequence() + " was kept without its bytes (its source had sent more than its"
            + " share of the quarantine); it cannot be replayed");
      }
      String source = entry.source();
      if (!source.equals(Subjects.DATA_VAULT_QUEUE.value()) && !source.startsWith("subscriber." + config.guid() + ".")) {
        throw new Refused("event " + entry.sequence() + " came from " + source + ", which cannot be replayed here");
      }
      // it goes through every check again; a new message id, so the duplicate window does not drop it;
      // a deposit goes back to its stream in the deposit account
      Connection to = source.startsWith("subscriber.") ? runtime.depositConnection().orElseThrow() : runtime.connection();
      to.jetStream().publish(source,
          new Headers().put("Nats-Msg-Id", "replay-" + entry.sequence() + "-" + System.nanoTime()), entry.data());
      runtime.connection().jetStreamManagement().deleteMessage(Subjects.QUARANTINE_STREAM, entry.sequence());
      done.addObject().put("sequence", entry.sequence()).put("reason", entry.reason().name()).put("to", source);
    }
    ObjectNode n = J.objectNode();
    n.set("replayed", done);
    return n;
  }

  private ObjectNode recentEvents(int last) throws Exception {
    if (last < 0 || last > 10_000) {
      throw new Refused("last must be 0..10000", 2);
    }
    ArrayNode list = J.arrayNode();
    io.nats.client.JetStreamManagement jsm = runtime.connection().jetStreamManagement();
    io.nats.client.api.StreamState state = jsm.getStreamInfo(Subjects.EVENTS_STREAM).getStreamState();
    long lastSeq = state.getLastSequence();
    long firstSeq = state.getFirstSequence();
    for (long seq = Math.max(firstSeq, lastSeq - last + 1); last > 0 && seq <= lastSeq; seq++) {
      try {
        MessageInfo mi = jsm.getMessage(Subjects.EVENTS_STREAM, seq);
        list.add(VaultHome.JSON.readTree(mi.getData()));
      } catch (JetStreamApiException e) {
        // a gap (deleted message): skip it
      }
    }
    ObjectNode n = J.objectNode().put("lastSequence", lastSeq);
    n.set("events", list);
    return n;
  }

  @Override
  public void close() {
    rotation.close();
    renewal.shutdownNow();
    try {
      forgetAbandonedAcceptances(Instant.MAX); // they cannot be completed after a restart
    } catch (RuntimeException e) {
      LOG.warn("the users of acceptances never completed could not be revoked ({})", e.getClass().getSimpleName());
    }
    try {
      accounts.vault().revoke(controlUser.publicKey());
      accounts.vault().revoke(controlAnswersUser.publicKey());
      pushAccount(accounts.vault());
    } catch (RuntimeException e) {
      LOG.warn("the control user could not be revoked ({})", e.getClass().getSimpleName());
    }
    try {
      Files.deleteIfExists(home.controlCreds());
      Files.deleteIfExists(home.controlInfo());
    } catch (IOException e) {
      LOG.warn("run files not removed: {}", e.getMessage());
    }
    workers.shutdownNow();
    try {
      controlAnswers.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    runtime.close();
    try {
      system.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
    stopped.countDown();
  }
}
