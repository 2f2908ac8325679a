package io.vettid.runtime;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.ConnectionId;
import io.vettid.api.Decision;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.envelope.EnvelopeOpener;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.subjects.Subjects;
import io.vettid.profile.TrustedResource;
import io.vettid.runtime.audit.AuditChain;
import io.vettid.runtime.audit.AuditLog;
import io.vettid.runtime.client.RuleEndpoints;
import io.vettid.runtime.client.VaultClient;
import io.vettid.runtime.connection.BlockList;
import io.vettid.runtime.connection.ConnectionRotation;
import io.vettid.runtime.connection.ConnectionStore;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.connection.Established;
import io.vettid.runtime.connection.Identity;
import io.vettid.runtime.connection.Invitation;
import io.vettid.runtime.connection.Invitations;
import io.vettid.runtime.connection.Invitee;
import io.vettid.runtime.connection.Link;
import io.vettid.runtime.connection.PeerConnector;
import io.vettid.runtime.eventspace.ConciergeClient;
import io.vettid.runtime.eventspace.EventSpaceServer;
import io.vettid.runtime.eventspace.RegistrationToken;
import io.vettid.runtime.internal.handlers.ChatHandler;
import io.vettid.runtime.internal.handlers.ContactRequestHandler;
import io.vettid.runtime.resources.Plugins;
import io.vettid.runtime.resources.TrustedResources;
import io.vettid.runtime.service.AppManager;
import io.vettid.runtime.service.EventService;
import io.vettid.runtime.service.HandlerRegistry;
import io.vettid.runtime.service.HeldEvents;
import io.vettid.runtime.service.InboxResponder;
import io.vettid.runtime.service.OwnerFeed;
import io.vettid.runtime.service.Quarantine;
import io.vettid.runtime.service.RuleStore;
import io.vettid.runtime.service.RuntimeCounters;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The javadoc examples of vettid-runtime, compiled with its tests (never run): each stands between
 * a line {@code // example: <Class>} and a line {@code // end}, exactly as the javadoc of that
 * class shows it; {@code DocumentationExamplesTest} holds the two together.
 */
@SuppressWarnings({"unused", "resource"})
final class JavadocExamples {
  private JavadocExamples() {}

  void vettIdRuntime(byte[] secret, EnvelopeOpener opener) throws Exception {
    // example: VettIdRuntime
    try (VettIdRuntime vault = VettIdRuntime.embedded(Path.of("vault"), secret) // secret: 32+ bytes kept sealed
        .handler(new MyHandlerFactory())           // plus any found by ServiceLoader
        .start()) {
      vault.rules().orElseThrow().put("[{\"id\":\"contacts\",\"eventType\":\"contact.request\",\"action\":\"hold\"}]");
      vault.watch(vault.subscriberGuid().orElseThrow(), "home", opener);
    }
    // end
  }

  void quarantine(Quarantine quarantine) throws Exception {
    // example: Quarantine
    for (Quarantine.Entry e : quarantine.list(100)) {
      System.out.println(e.sequence() + " " + e.reason() + " from " + e.source());
    }
    // end
  }

  void runtimeCounters(VettIdRuntime runtime) {
    // example: RuntimeCounters
    RuntimeCounters.Snapshot s = runtime.counters().snapshot();
    System.out.println(s.handled() + " handled, p99 " + s.p99Millis() + " ms");
    // end
  }

  void appManager(Connection nc, NatsAccount vaultAccount, RuleStore rules) throws Exception {
    // example: AppManager
    AppManager apps = new AppManager(nc, vaultAccount);
    AppManager.App app = apps.register("calendar", Set.of(EventType.of("calendar.invite")));
    EventService service = apps.service().handlers(HandlerRegistry.of(new MyHandlerFactory())).rules(rules).build();
    // the app connects with app.credentials() and inboxPrefix(Subjects.appInbox(app.id()))
    // end
  }

  void inboxResponder(Connection responderConnection, Quarantine quarantine, Dispatcher dispatcher, String guid,
      byte[] signedProfileBytes) {
    // example: InboxResponder
    InboxResponder profiles = new InboxResponder(responderConnection, quarantine);
    dispatcher.subscribe(Subjects.profilesOf(guid, "home"), m -> profiles.answer(m,
        Subjects.inbox(guid, "home", requesterOf(m)).value(), signedProfileBytes));
    // end
  }

  void eventService(Connection nc) throws Exception {
    // example: EventService
    RuleStore rules = RuleStore.open(nc);
    EventService manager = EventService.builder(nc, "Manager")
        .handlers(HandlerRegistry.of(new ChatHandler(), new ContactRequestHandler(rules, field -> Optional.empty())))
        .rules(rules)
        .build();
    manager.start();
    // end
  }

  void heldEvents(HeldEvents inbox) throws Exception {
    // example: HeldEvents
    for (HeldEvents.Held h : inbox.list()) {
      if (h.event().type().value().equals("contact.request")) {
        inbox.approve(h.id());
      } else {
        inbox.deny(h.id());
      }
    }
    // end
  }

  void handlerRegistry() {
    // example: HandlerRegistry
    HandlerRegistry handlers = HandlerRegistry.of(Providers
        .builder(EventHandlerFactory.class, EventHandlerFactory::name)
        .discover().add(new MyHandlerFactory()).build());
    // end
  }

  void ruleStore(Connection nc, InternalEvent event) throws Exception {
    // example: RuleStore
    try (RuleStore rules = RuleStore.open(nc)) {
      rules.put("[{\"id\":\"friends\",\"eventType\":\"contact.request\",\"action\":\"hold\"}]");
      Decision d = rules.evaluate(event);
    }
    // end
  }

  void auditLog(Path dir, byte[] secret, AuditLog.Signer signer, String keyId, AuditChain.Verifier verifier)
      throws Exception {
    // example: AuditLog
    VettIdRuntime runtime = VettIdRuntime.embedded(dir, secret).audit(signer).start(); // signer: the identity key
    AuditLog audit = runtime.audit().orElseThrow();
    audit.record("blocked", Map.of("identity", keyId)); // an owner's action
    AuditLog.Report report = audit.verify(verifier);     // report.problem() names a broken entry
    // end
  }

  void ownerFeed(Connection nc, byte[] vaultSecret) throws Exception {
    // example: OwnerFeed
    OwnerFeed feed = OwnerFeed.open(nc, vaultSecret);
    for (OwnerFeed.Item item : feed.search(OwnerFeed.Query.all().type("chat.message").limit(20))) {
      System.out.println(item.event().connectionId() + ": " + item.event().payload());
    }
    // end
  }

  void plugins(TrustedResource trusted, Path jar, VettIdRuntimeBuilder builder) throws Exception {
    // example: Plugins
    Plugins.Plugin p = Plugins.load(trusted, Files.readAllBytes(jar)); // HASH_MISMATCH unless the bytes are trusted
    p.handlers().forEach(builder::handler);
    // end
  }

  void auditChain(AuditChain.Verifier verifier, java.util.List<String> lines) {
    // example: AuditChain
    AuditChain.Verification v = AuditChain.verifier(verifier);
    for (String line : lines) {
      if (!v.next(line)) {
        break; // v.problem() names the entry
      }
    }
    // end
  }

  void eventSpaceServer(Path dir, byte[] secret) throws Exception {
    // example: EventSpaceServer
    try (EventSpaceServer es = EventSpaceServer.builder(dir, secret).start()) {
      RegistrationToken token = es.concierge().issueToken(Duration.ofHours(1));
      SubscriberAccounts mine = ConciergeClient.register(es.address(), token,
          SubscriberAccounts.create(JetStreamLimits.subscriberDefault())).accounts();
    }
    // end
  }

  void conciergeClient(ServerAddress address, String text, Connection watcherConnection, String peerUser)
      throws Exception {
    // example: ConciergeClient
    SubscriberAccounts keys = SubscriberAccounts.create(JetStreamLimits.subscriberDefault());
    SubscriberAccounts mine = ConciergeClient.register(address, RegistrationToken.parse(text), keys).accounts();
    // later, with a connection of the deposit account (mine.issueWatcher(..)):
    mine.eventSpace().revoke(peerUser);
    new ConciergeClient(watcherConnection).update(mine, mine.eventSpace());
    // end
  }

  void trustedResources(Connection nc, TrustedResource resource) throws Exception {
    // example: TrustedResources
    TrustedResources resources = new TrustedResources(nc, HttpClient.newHttpClient());
    List<EventHandlerFactory> plugins = resources.loadHandlers(resource);  // throws unless the hash matches
    // end
  }

  void connections(BlockList blocks, Options.Builder options, byte[] vaultSecret, PeerConnector connector,
      Established established, ObjectNode payload) throws Exception {
    // example: Connections
    Connections connections = new Connections(Clock.systemUTC(), blocks);
    VettIdRuntime vault = VettIdRuntime.connect(options).connections(connections).start();
    connections.persistTo(new ConnectionStore(vault.connection(), vaultSecret), connector); // sealed, restored
    connections.add(established, connector);                  // from Invitations or Invitee
    EventId id = connections.send(established.local(), EventType.of("chat.message"), payload);
    // end
  }

  void connectionsSendAsync(Connections connections, ConnectionId bob, List<ObjectNode> items) {
    // example: Connections#sendAsync
    List<CompletableFuture<EventId>> window = new ArrayList<>();
    for (ObjectNode item : items) {
      window.add(connections.sendAsync(bob, EventType.of("order.request"), item));
    }
    CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
    // end
  }

  void connectionRotation(Connections connections, NatsAccount account, NatsOperator operator,
      Connection systemConnection) {
    // example: ConnectionRotation
    ConnectionRotation rotation = new ConnectionRotation(connections, account, Duration.ofMinutes(10), acct -> {
      try {
        operator.push(systemConnection, acct);                  // the account's new users reach the server
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    rotation.start(Duration.ofDays(30), Duration.ofMinutes(1));   // rotate keys older than 30 days
    // end
  }

  void invitations(Invitations invitations, byte[] acceptBytes, Connections connections,
      PeerConnector connector) throws Exception {
    // example: Invitations
    Invitation inv = invitations.create("home", false);           // show inv.toUri() as a QR code
    Invitations.Result r = invitations.accept(acceptBytes);         // from the invitee
    send(r.confirm().orElseThrow());                                 // to the invitee
    connections.add(r.established().orElseThrow(), connector);
    // end
  }

  void identity(Identity identity, io.vettid.api.spi.KeyAlgorithm algorithm, java.security.SecureRandom random,
      Connections connections, Invitations invitations) throws Exception {
    // example: Identity
    Identity next = identity.rotate(algorithm.generateKeyPair(random), random);   // profile re-signed, chain longer
    connections.identityRotated(next);                  // every peer re-pins
    invitations.identityRotated(next);                  // new invitations name the new key
    // end
  }

  void invitee(String uri, Identity bobIdentity, String bobGuid, NatsAccount bobAccount, Suite suite, Clock clock,
      BlockList blocks, byte[] confirmBytes) throws Exception {
    // example: Invitee
    Invitee bob = Invitee.accept(Invitation.parse(uri), bobIdentity, bobGuid, "home", bobAccount, suite, clock, blocks);
    send(bob.message());                                   // to the inviter
    Established e = bob.complete(confirmBytes);            // from the inviter
    // end
  }

  void vaultClient(com.fasterxml.jackson.databind.node.ObjectNode rule) throws Exception {
    // example: VaultClient
    try (VaultClient vault = VaultClient.open(Path.of("alice"))) {
      EventId id = vault.send("Bob", EventType.of("chat.message"), JsonNodeFactory.instance.objectNode().put("text", "hi"));
      RuleEndpoints.Added added = vault.call(RuleEndpoints.ADD, new RuleEndpoints.Add(rule));
    }
    // end
  }

  void link(Connections connections, ConnectionId bobId) throws Exception {
    // example: Link
    Link bob = connections.link(bobId);
    PublicKeyEntry next = bob.rotateWrappingKey();   // announce it in a connection.rotate event
    System.out.println(bob.safetyNumber());
    // end
  }

  void controlEndpoint(VaultClient vault) throws Exception {
    // example: ControlEndpoint
    RuleEndpoints.Verdict verdict = vault.call(RuleEndpoints.TEST,
        new RuleEndpoints.Test("chat.message", JsonNodeFactory.instance.objectNode(), null));
    // end
  }

  // ---------------------------------------------------------------- what the examples lean on

  private static ConnectionId requesterOf(Message m) {
    return ConnectionId.of(m.getSubject().substring(m.getSubject().lastIndexOf('.') + 1));
  }

  private static void send(byte[] handshakeMessage) {}

  /** The handler factory the examples name (the README's too). */
  static class MyHandlerFactory implements EventHandlerFactory {
    @Override
    public String name() {
      return "mine";
    }

    @Override
    public Set<EventType> eventTypes() {
      return Set.of(EventType.of("my.event"));
    }

    @Override
    public EventHandler create(EventHandlerContext ctx) {
      return event -> ctx.finish();
    }
  }
}
