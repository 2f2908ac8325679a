package io.vettid.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.SecretBox;
import io.vettid.crypto.Suite;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.RenewingUser;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserLimits;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.subjects.Subjects;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.VettIdRuntimeBuilder;
import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.VaultEndpoints;
import io.vettid.runtime.connection.BlockList;
import io.vettid.runtime.connection.ConnectionRotation;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.connection.PeerConnector;
import io.vettid.runtime.eventspace.ConciergeClient;
import io.vettid.runtime.service.EventService;
import io.vettid.runtime.service.InboxResponder;
import io.vettid.runtime.service.RuleStore;
import io.vettid.runtime.service.RuntimeCounters;
import java.io.IOException;
import java.nio.file.Path;
import java.io.PrintStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running vault, as {@code vettid server start} runs it: the vault's own {@code nats-server}
 * (operator mode with the vault's operator and its accounts, one per trust zone ({@link
 * VaultAccounts}), TLS with the vault's CA, JetStream encrypted at rest under a key derived from
 * the vault secret), the {@link VettIdRuntime} (Manager service, rules, inbox, quarantine, Event
 * Watchers), its connections (sealed in the {@code Connections} bucket, restored on start),
 * scheduled key rotation, and the control service the other {@code vettid} commands talk to
 * ({@link ControlService}, on users {@link ControlUsers} issues). Settled events are published as
 * notices on {@link Subjects#MANAGER_EVENTS} (ids, types, outcomes; never payloads).
 */
final class VaultDaemon implements Detached.Daemon {
  private static final Logger LOG = LoggerFactory.getLogger(VaultDaemon.class);
  private static final Duration GRACE = Duration.ofMinutes(10);
  /**
   * Key pairs of each of the suite's algorithms kept ready (an invitation or acceptance takes one of
   * each, a rotation one of each): two cover a burst of invites without holding many unused
   * private keys in memory.
   */
  static final int KEY_POOL_TARGET = 2;
  /** Rules every vault starts with: the built-in plumbing; anything else is denied until the owner adds a rule. */
  static final String DEFAULT_RULES = """
      [
        {"id": "profiles", "eventType": "profile.request", "action": "handle", "handler": "profile-request"},
        {"id": "profile-answers", "eventType": "profile.response", "action": "handle", "handler": "responses"},
        {"id": "contact-answers", "eventType": "contact.response", "action": "handle", "handler": "responses"},
        {"id": "key-rotation", "eventType": "connection.rotate", "action": "handle", "handler": "connection-rotation"},
        {"id": "key-rotation-ack", "eventType": "connection.rotate.ack", "action": "handle",
         "handler": "connection-rotation"},
        {"id": "suite-migration", "eventType": "connection.migrate", "action": "handle", "handler": "connection-migration"},
        {"id": "suite-migration-steps", "eventType": "connection.migrate.*", "action": "handle",
         "handler": "connection-migration"},
        {"id": "revocations", "eventType": "connection.revoked", "action": "handle", "handler": "connection-revoked"},
        {"id": "sessions", "eventType": "session.reset", "action": "handle", "handler": "session-reset"},
        {"id": "identity-rotation", "eventType": "identity.rotate", "action": "handle", "handler": "identity-rotation"},
        {"id": "identity-rotation-ack", "eventType": "identity.rotate.ack", "action": "handle",
         "handler": "identity-rotation"},
        {"id": "contacts-need-my-ok", "eventType": "contact.request", "action": "hold"}
      ]""";

  private final PrintStream out;
  private final List<AutoCloseable> opened = new ArrayList<>();
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "vettid-control-renewal");
    t.setDaemon(true);
    return t;
  });
  private final CountDownLatch stopped = new CountDownLatch(1);
  private AccountKeeper accounts;
  private volatile RunningVault vault;
  private ConnectionRotation rotation;
  private HandshakeControl handshakes;
  private ControlUsers controlUsers;
  private MetricsEndpoint metrics;

  private VaultDaemon(PrintStream out) {
    this.out = out;
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
    return start(home, passphrase, out, null);
  }

  /**
   * Opens and starts a vault, with its metrics served for Prometheus on a loopback address.
   *
   * @param home the vault's home
   * @param passphrase its passphrase (not kept)
   * @param out where the transcript of settled events goes
   * @param metricsAddress {@code HOST:PORT} of the metrics endpoint (a loopback host), or null for none
   * @return the running vault
   * @throws IllegalArgumentException if {@code metricsAddress} is not a loopback {@code HOST:PORT}
   * @throws Exception if the secrets do not open or the server or NATS cannot start
   */
  static VaultDaemon start(VaultHome home, char[] passphrase, PrintStream out, String metricsAddress)
      throws Exception {
    if (metricsAddress != null) {
      MetricsEndpoint.loopback(metricsAddress); // refused before anything starts
    }
    VaultDaemon d = new VaultDaemon(out);
    try {
      d.boot(home, passphrase);
      if (metricsAddress != null) {
        d.metrics = d.opened(MetricsEndpoint.start(metricsAddress, d.vault.runtime.counters()));
        LOG.info("metrics at {}", d.metrics.url());
      }
      return d;
    } catch (Exception | Error e) {
      d.closeOpened();
      throw e;
    }
  }

  /** The secrets the vault starts from; the vault secret is wiped by whoever takes it last. */
  private record Secrets(RunningVault.Identity identity, byte[] vaultSecret, NatsOperator operator,
      VaultAccounts accounts, SubscriberAccounts external, UserCredentials owner, java.nio.file.Path store,
      VaultPlugins.Loaded plugins) {}

  private static Secrets open(VaultHome home, VaultHome.Config config, char[] passphrase, PrintStream out)
      throws Exception {
    ObjectNode secrets = home.readSecrets(passphrase);
    try {
      // the plugins the owner trusts (by SHA-256, in vault.sealed), before the suite is looked up:
      // the vault's suite may be one a plugin defines
      VaultPlugins.Loaded plugins = VaultPlugins.load(home, secrets, out);
      Suite suite = plugins.suite(config.suite()).orElseThrow(() -> new IOException("unknown suite " + config.suite()
          + ": no trusted plugin in " + home.dir.resolve("plugins") + " defines it"));
      KeyAlgorithm algorithm = suite.signature();
      Base64.Decoder d = Base64.getDecoder();
      KeyPair keys = IdentityKeeper.pair(secrets.path("identity"), algorithm);
      NatsOperator operator = NatsOperator.restore(VaultHome.JSON.writeValueAsBytes(secrets.get("operator")));
      return new Secrets(new RunningVault.Identity(suite, algorithm, keys),
          d.decode(secrets.path("vaultSecret").asText()), operator,
          VaultAccounts.restore(operator, VaultHome.JSON.writeValueAsBytes(secrets.get("accounts"))),
          secrets.path("subscriber").isObject()
              ? SubscriberAccounts.restore(VaultHome.JSON.writeValueAsBytes(secrets.get("subscriber"))) : null,
          secrets.path("owner").isObject() ? UserCredentials.of(secrets.path("owner").path("jwt").asText(),
              secrets.path("owner").path("seed").asText().toCharArray()) : null, home.natsDir(secrets), plugins);
    } finally {
      secrets.removeAll();
    }
  }

  private void boot(VaultHome home, char[] passphrase) throws Exception {
    VaultHome.Config config = home.readConfig();
    Secrets s = open(home, config, passphrase, out);
    try {
      VaultRekey.settle(home, s.vaultSecret(), s.store()); // what a re-key interrupted after its commit left
      TlsMaterial tls = TlsMaterial.load(home.tlsDir(), s.vaultSecret());
      // renewed by the same CA when it ends within 120 days: before the server reads it, then daily
      tls.renewAndReload(Instant.now(), TlsMaterial.RENEW_BEFORE, List.of());
      ServerAddress address = new ServerAddress(config.host(), config.port(), tls.caPin());
      accounts = new AccountKeeper(s.operator(), s.accounts(), s.external(), s.vaultSecret());
      NatsServer server = startServer(config, config.host(), config.port(), s.store(), s.vaultSecret(), tls,
          s.operator(), accounts.local());
      opened.add(server);
      timers.scheduleWithFixedDelay(() -> tls.renewAndReload(Instant.now(), TlsMaterial.RENEW_BEFORE, List.of(server)),
          1, 1, TimeUnit.DAYS);
      // every user the daemon connects with expires and is renewed as it reconnects (RenewingUser)
      Connection system = opened(Nats.connect(serverOptions(address).authHandler(RenewingUser.of(
          s.operator().systemAccount(), "system", UserPermissions.ACCOUNT_OWNER, VettIdRuntime.OWN_USER_VALIDITY))
          .build()));
      accounts.attach(system, null);
      // the accounts as last saved by a running vault (users and revocations since init), if newer;
      // the control users of earlier runs are revoked, even if a run died without revoking its own.
      // Read with a 10-minute user of the accounts as sealed (the account's own key signs it: the
      // signing keys are in what is read)
      UserCredentials boot = s.accounts().vault().issueUser("boot", UserPermissions.ACCOUNT_OWNER,
          UserLimits.UNLIMITED, Duration.ofMinutes(10));
      try (Connection first = Nats.connect(options(address, boot).build())) {
        accounts.restoreSaved(first);
        ControlUsers.revokeEarlier(first, accounts);
      } finally {
        boot.destroy();
      }
      // the owner user a vault made before its users expired (no expiry, in vault.sealed) is revoked
      boolean legacyOwner = s.owner() != null && !accounts.accounts().vault().isRevoked(s.owner().publicKey());
      if (legacyOwner) {
        accounts.accounts().vault().revoke(s.owner().publicKey());
      }
      ServerAddress eventSpaceServer = config.eventSpaceServer();
      if (eventSpaceServer != null) {
        // the Concierge takes the external accounts' changes through the deposit account's import
        Connection concierge = opened(Nats.connect(serverOptions(eventSpaceServer).authHandler(
            accounts.external().renewingWatcher("concierge-client", VettIdRuntime.OWN_USER_VALIDITY)).build()));
        accounts.attachConcierge(new ConciergeClient(concierge));
      }
      accounts.pushAll();
      accounts.upkeepSigningKeys(Instant.now()); // the accounts' own keys sign no user from here on
      BlockList blocks = new BlockList();
      Connections connections = new Connections(Clock.systemUTC(), blocks);
      // whoever revokes a connection (the owner, or the peer telling this side), the user issued
      // for the peer goes with it
      connections.onRevoked(revoked -> {
        revoked.peerUser().ifPresent(u -> {
          accounts.eventSpace().revoke(u);
          accounts.push(accounts.eventSpace());
        });
        RunningVault v = vault;
        if (v != null) {
          v.audit("revoked", "connection", revoked.local().value(),
              "identity", revoked.peerIdentity().map(KeyId::value).orElse("?"));
        }
      });
      VettIdRuntimeBuilder rb = VettIdRuntime.connect(accounts.accounts(), serverOptions(address));
      // the plugins the owner trusts (by SHA-256, in vault.sealed): their handlers and rule engine
      // run here; any other jar in plugins/ was refused, and the vault starts without it
      VaultPlugins.Loaded plugins = s.plugins();
      plugins.plugins().forEach(p -> p.handlers().forEach(rb::handler));
      if (plugins.ruleEngine() != null) {
        Optional<io.vettid.api.spi.RuleEngineProvider> chosen = plugins.plugins().stream()
            .flatMap(p -> p.ruleEngines().stream()).filter(r -> r.name().equals(plugins.ruleEngine())).findFirst();
        rb.ruleEngine(chosen.isPresent() ? chosen.get().create() : new io.vettid.rules.DenyAllRuleEngineProvider().create());
        out.println(chosen.isPresent() ? "rule engine " + plugins.ruleEngine() + " (a plugin) decides"
            : "rule engine " + plugins.ruleEngine() + " is in no trusted plugin: every event is denied");
      }
      if (eventSpaceServer != null) {
        rb.eventSpaceServer(accounts.external(), serverOptions(eventSpaceServer), Math.max(1, config.eventSpaceReplicas()));
      }
      // the connections (keys, sessions, routes) are back before the Manager takes a queued event
      // every decision, hash-chained; checkpoints signed with the identity key in force
      KeyPair sealedIdentity = s.identity().keys();
      rb.ownerFeed(); // handled events, sealed, for the owner's control channel only
      rb.audit(AuditControl.signer(s.identity().algorithm(), () -> {
        RunningVault v = vault;
        return v != null ? v.identityKeys : sealedIdentity;
      }));
      VettIdRuntime runtime = opened(rb.connections(connections, s.vaultSecret(),
          connector(eventSpaceServer != null ? eventSpaceServer : address)).listener(this::settled).start());
      int blocked = ConnectionControl.loadBlocks(runtime.connection(), blocks); // before any handshake is taken
      accounts.attach(system, runtime.connection());
      if (legacyOwner) {
        accounts.push(accounts.accounts().vault());
        LOG.info("the owner user made at init, which had no expiry, is revoked");
      }
      accounts.saveNow(); // the signing keys made at this start, and a revocation, kept before any user is issued
      vault = new RunningVault(home, config, s.identity(), runtime, connections, blocks, address,
          eventSpaceServer != null ? eventSpaceServer : address,
          VaultPlugins.algorithms(plugins), accounts::eventSpace, accounts::push);
      vault.plugins = plugins; // the suites this vault may connect with: the built-in ones and its plugins'
      // a peer may move a connection to this vault's own suite only (never to one it prefers)
      Suite own = vault.suite;
      connections.acceptMigrationTo(own::equals, io.vettid.crypto.pool.KeySource.generating());
      // invite, accept and rotations take their keys from here instead of waiting for generation
      vault.keys = opened(io.vettid.crypto.pool.KeyPools.start(
          List.of(vault.suite.signature(), vault.suite.wrap()), KEY_POOL_TARGET));
      // the identity as it rotated: the current pair, its chain, the earlier pairs still kept
      IdentityKeeper keeper = new IdentityKeeper(s.vaultSecret(), s.identity().algorithm());
      IdentityKeeper.State kept = keeper.load(runtime.connection(), s.identity().keys()).forgetting(Instant.now());
      vault.identity(kept);
      connections.identityChain(kept.chain());
      replaceSealedIdentity(home, passphrase, s.identity(), kept);
      int restored = restore();
      startControl(SecretBox.derive(s.vaultSecret(), HandshakeControl.SEAL_PURPOSE, 32), keeper, kept);
      LOG.info("vault {} running at {} ({} connections restored, {} identities blocked)", config.guid(), address.url(),
          restored, blocked);
    } finally {
      Arrays.fill(s.vaultSecret(), (byte) 0);
    }
  }

  /**
   * The vault's nats-server: TLS, operator mode, its JetStream store encrypted under a key derived
   * from the vault secret. The daemon's (on the configured address) and the re-key's maintenance
   * servers (on a loopback port of their own, one per store) are started here alike.
   */
  static NatsServer startServer(VaultHome.Config config, String host, int port, Path store, byte[] vaultSecret,
      TlsMaterial tls, NatsOperator operator, List<NatsAccount> accounts) throws IOException {
    char[] storeKey = NatsServerConfig.deriveStoreKey(vaultSecret, config.serverName());
    try {
      return NatsServer.start(NatsServerConfig.builder()
          .serverName(config.serverName())
          .host(host)
          .port(port)
          .workDir(store)
          .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, storeKey)
          .tls(tls.serverTls(false))
          .extraConfig(operator.serverConfig(NatsOperator.ServerRole.DATA_VAULT,
              Files.createDirectories(store.resolve("jwt")), accounts))
          .build());
    } finally {
      Arrays.fill(storeKey, '\0');
    }
  }

  /** The default rules on a first start, the connections from their sealed store, the watchers. */
  private int restore() throws Exception {
    Optional<RuleStore> owned = vault.runtime.rules(); // empty when a plugin's rule engine decides
    if (owned.isPresent() && owned.get().text().isBlank()) {
      owned.get().awaitRevision(owned.get().put(DEFAULT_RULES), Duration.ofSeconds(5));
    }
    int restored = vault.runtime.restoredConnections();
    vault.peers.load(vault.connections.list());
    for (String es : vault.config().eventSpaces()) {
      vault.runtime.watch(vault.config().guid(), es);
    }
    RunningVault v = vault;
    rotation = opened(new ConnectionRotation(vault.connections, accounts.eventSpace(), GRACE, accounts::push))
        .keySource(vault.keys)
        .onRotated((c, key) -> v.audit("rotated", "connection", c.value(), "wrappingKey", key));
    rotation.start(Duration.ofDays(30), Duration.ofHours(1));
    return restored;
  }

  /**
   * Replaces the identity pair of {@code vault.sealed} (written at init) with the current one once
   * the sealed pair is no longer kept (its grace after a rotation ended): the replaced private key
   * then exists nowhere.
   */
  private static void replaceSealedIdentity(VaultHome home, char[] passphrase, RunningVault.Identity sealed,
      IdentityKeeper.State kept) throws Exception {
    byte[] sealedPublic = sealed.keys().getPublic().getEncoded();
    if (Arrays.equals(sealedPublic, kept.current().getPublic().getEncoded()) || kept.earlier().stream()
        .anyMatch(e -> Arrays.equals(sealedPublic, e.keys().getPublic().getEncoded()))) {
      return; // current, or still kept for invitations that name it
    }
    ObjectNode secrets = home.readSecrets(passphrase);
    try {
      IdentityKeeper.put(secrets.putObject("identity").put("algorithm", sealed.algorithm().name()), kept.current());
      home.writeSecrets(secrets, passphrase);
      LOG.info("vault.sealed now holds the current identity key; the one written at init is destroyed");
    } finally {
      secrets.removeAll();
    }
  }

  /** The control users, the control service on its own connection, the run files, the timers. */
  private void startControl(byte[] handshakeKey, IdentityKeeper keeper, IdentityKeeper.State identityKept)
      throws Exception {
    controlUsers = new ControlUsers(vault.home, accounts);
    controlUsers.record(vault.nats());
    Connection answers = Nats.connect(options(vault.address, controlUsers.answersUser()).build());
    ProfileControl profiles = new ProfileControl(vault, es -> handshakes.profileChanged(es));
    handshakes = new HandshakeControl(vault, profiles, connector(vault.publicAddress), handshakeKey);
    if (profiles.ensureDefault()) {
      LOG.info("EventSpace {} created, with its signed profile (every vault has one)", ProfileControl.DEFAULT_EVENTSPACE);
    }
    int kept = handshakes.restore(); // open invitations and acceptances of the last run
    if (kept > 0) {
      LOG.info("{} open invitation(s) and acceptance(s) kept from the last run", kept);
    }
    // acceptances of this vault's invitations, and confirmations of its acceptances, that came over NATS
    vault.runtime.handshakes(vault.config().guid(), handshakes::received);
    ControlService.Builder b = ControlService.builder()
        .on(VaultEndpoints.STATUS, r -> status())
        .on(VaultEndpoints.STOP, r -> new VaultEndpoints.Stopping(true), stopped::countDown);
    IdentityControl identity = new IdentityControl(vault, keeper, identityKept, profiles);
    profiles.serve(b);
    handshakes.serve(b);
    identity.serve(b);
    new ConnectionControl(vault, rotation).serve(b);
    new RuleControl(vault).serve(b);
    new RecordsControl(vault).serve(b);
    new AuditControl(vault).serve(b);
    opened(b.start(answers, new InboxResponder(answers, vault.runtime.quarantine()), controlUsers.inbox(),
        ControlService.version()));
    controlUsers.writeRunFiles(vault.address, vault.config(), vault.started);
    timers.scheduleWithFixedDelay(controlUsers::renew, ControlUsers.RENEWAL.toMillis(),
        ControlUsers.RENEWAL.toMillis(), TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(() -> handshakes.forgetAbandonedAcceptances(Instant.now()), 10, 10,
        TimeUnit.MINUTES);
    vault.connections.tellIdentity(); // peers not yet told of a rotation (then hourly, with the connections' upkeep)
    timers.scheduleWithFixedDelay(() -> identity.maintain(Instant.now()), 0, 1, TimeUnit.DAYS);
    timers.scheduleWithFixedDelay(() -> {
      try {
        accounts.upkeepSigningKeys(Instant.now());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, 1, 1, TimeUnit.DAYS);
    timers.scheduleWithFixedDelay(() -> {
      try {
        accounts.retryExternal();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, 30, 30, TimeUnit.SECONDS);
  }

  private <T extends AutoCloseable> T opened(T resource) {
    opened.add(resource);
    return resource;
  }

  private static Options.Builder options(ServerAddress address, UserCredentials user) throws GeneralSecurityException {
    return serverOptions(address).authHandler(user.authHandler());
  }

  private static Options.Builder serverOptions(ServerAddress address) throws GeneralSecurityException {
    return new Options.Builder().server(address.url()).sslContext(address.sslContext())
        .connectionTimeout(Duration.ofSeconds(10)).maxReconnects(-1);
  }

  private static PeerConnector connector(ServerAddress own) {
    return new PeerConnector() {
      @Override
      public Connection connect(UserCredentials creds, String inbox) throws IOException, InterruptedException {
        return connect(creds, inbox, own);
      }

      @Override
      public Connection connect(UserCredentials creds, String inbox, ServerAddress peer)
          throws IOException, InterruptedException {
        ServerAddress where = peer == null ? own : peer;
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

  private VaultEndpoints.Status status() {
    RuntimeCounters.Snapshot c = vault.runtime.counters().snapshot();
    VaultHome.Config config = vault.config();
    return new VaultEndpoints.Status(config.name(), config.guid(), vault.address.url(), vault.address.caPin(),
        ProcessHandle.current().pid(), vault.started.toString(), vault.suite.name(), vault.identityKeyId(),
        config.eventSpaces(), vault.connections.list().size(),
        new VaultEndpoints.Counters(c.received(), c.handled(), c.held(), c.dropped(), c.quarantinedTotal()));
  }

  /** Prints a settled event to the transcript and publishes its notice (never its payload). */
  private void settled(EventService.Settled s) {
    RunningVault v = vault;
    if (v == null) {
      return; // settled while the vault boots: no transcript or notice yet
    }
    ObjectNode n = VaultHome.JSON.createObjectNode().put("time", Instant.now().toString()).put("service", s.service())
        .put("outcome", s.outcome().name().toLowerCase(Locale.ROOT))
        .put("type", s.type() == null ? "?" : s.type().value())
        .put("eventId", s.eventId() == null ? "?" : s.eventId().value())
        .put("connection", s.connectionId() == null ? "?" : s.connectionId().value())
        .put("peer", v.peers.of(s.connectionId(), "?"));
    if (s.reason() != null) {
      n.put("reason", s.reason().name());
    }
    if (s.detail() != null && !s.detail().isEmpty()) {
      n.put("detail", s.detail());
    }
    out.println(EventsFormat.line(n));
    try {
      v.nats().publish(Subjects.MANAGER_EVENTS.value(), VaultHome.JSON.writeValueAsBytes(n));
    } catch (IOException | RuntimeException e) {
      LOG.debug("notice not published", e);
    }
  }

  // ---------------------------------------------------------------- for the command and the tests

  ServerAddress address() {
    return vault.address;
  }

  /** {@return the metrics endpoint, if the vault was started with one} */
  java.util.Optional<MetricsEndpoint> metrics() {
    return java.util.Optional.ofNullable(metrics);
  }

  /** {@return where the vault's new connection keys come from (tests)} */
  io.vettid.crypto.pool.KeySource keys() {
    return vault.keys;
  }

  /** {@return the vault's connections (tests)} */
  Connections connections() {
    return vault.connections;
  }

  /** {@return the vault's runtime (tests)} */
  VettIdRuntime runtime() {
    return vault.runtime;
  }

  /** {@return this vault's accounts} */
  VaultAccounts accounts() {
    return accounts.accounts();
  }

  /** {@return the account its connections' users are in (on its EventSpace server, or its own)} */
  NatsAccount eventSpaceAccount() {
    return accounts.eventSpace();
  }

  /** {@return the external accounts on its EventSpace server, or null for a vault that is its own} */
  SubscriberAccounts externalAccounts() {
    return accounts.external();
  }

  /** {@return where peers reach this vault: its EventSpace server, or its own server} */
  ServerAddress publicAddress() {
    return vault.publicAddress;
  }

  /** {@return the public NKeys of the users issued by acceptances still waiting for a confirmation} */
  List<String> acceptancesWaiting() {
    return handshakes.acceptancesWaiting();
  }

  /** Renews the control user before it expires and rewrites its credentials file. */
  void renewControlUser() {
    controlUsers.renew();
  }

  /** {@return every verb the control service answers, as PROTOCOL.md names them} */
  static List<String> verbNames() {
    return ControlEndpoint.all().stream().map(ControlEndpoint::qualifiedVerb).toList();
  }

  /** Blocks until a {@code vault.stop} request, then closes. */
  @Override
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  @Override
  public void close() {
    timers.shutdownNow();
    if (controlUsers != null) {
      controlUsers.revoke();
    }
    closeOpened();
    stopped.countDown();
  }

  /** Closes what was opened, newest first: the control service, rotation, runtime, connections, server. */
  private void closeOpened() {
    timers.shutdownNow();
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        LOG.warn("closing {} failed ({})", opened.get(i).getClass().getSimpleName(), e.getClass().getSimpleName());
      }
    }
    opened.clear();
  }
}
