package io.vettid.cli.demo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.profile.Profile;
import io.vettid.profile.SignedProfile;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.eventspace.ConciergeClient;
import io.vettid.runtime.eventspace.EventSpaceServer;
import io.vettid.runtime.connection.BlockList;
import io.vettid.runtime.connection.Connections;
import io.vettid.runtime.connection.Established;
import io.vettid.runtime.connection.Identity;
import io.vettid.runtime.connection.Invitation;
import io.vettid.runtime.connection.Invitations;
import io.vettid.runtime.connection.Invitee;
import io.vettid.runtime.connection.PeerConnector;
import io.vettid.runtime.internal.handlers.ContactRequestHandler;
import io.vettid.runtime.internal.handlers.KeyRotationHandler;
import io.vettid.runtime.internal.handlers.ProfileRequestHandler;
import io.vettid.runtime.service.EventService;
import io.vettid.runtime.service.HeldEvents;
import io.vettid.runtime.service.RuntimeCounters;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The demo behind {@code vettid demo}: two Data Vaults, alice and bob, on one embedded {@code
 * nats-server} (operator mode, the accounts of each vault's trust zones, TLS, JetStream encrypted at rest). Each has
 * an RSA-4096 identity key and a signed profile. They connect through an invitation (alice shows
 * it, bob accepts; each generates RSA-4096 keys unique to the connection, each account issues the
 * other a NATS user that may only deposit on its EventSpace, and both show the same safety
 * number), then exchange sealed events both
 * ways through rules and handlers: a profile request, chat messages, a connection key rotation in
 * the middle of the chat, a contact request that alice's rules hold until she approves it (and
 * whose answer her rules trim), and a payment request her rules deny, which is quarantined.
 *
 * <p>It prints a transcript of ids, types and outcomes, never payloads or keys, and ends with
 * {@code summary: delivered=<n> held=<n> quarantined=<n> lost=<n>}, where lost counts the events
 * sent that were neither handled, quarantined nor still waiting in an inbox.
 *
 * <pre>{@code
 * Demo.Result r = new Demo(System.out).run(3);
 * if (r.lost() != 0) {
 *   throw new IllegalStateException(r.lost() + " events lost");
 * }
 * }</pre>
 */
public final class Demo {
  private static final String ES = "home";
  private static final EventType CHAT = EventType.of("chat.message");
  private static final EventType PAYMENT = EventType.of("payment.request");

  private final PrintStream out;
  private final Map<String, String> names = new HashMap<>();

  /**
   * Creates the demo.
   *
   * @param out where the transcript is printed
   */
  public Demo(PrintStream out) {
    this.out = Objects.requireNonNull(out, "out");
  }

  /**
   * What the demo observed.
   *
   * @param sent events sealed and deposited, by both vaults
   * @param delivered events handled
   * @param held events held for the owner's approval
   * @param quarantined events quarantined
   * @param lost events sent but neither handled, quarantined nor waiting for approval
   */
  public record Result(long sent, long delivered, long held, long quarantined, long lost) {
    /** {@return the summary line} */
    public String summary() {
      return "summary: delivered=" + delivered + " held=" + held + " quarantined=" + quarantined + " lost=" + lost;
    }
  }

  /**
   * Runs the demo on its own embedded server, in a temporary directory removed afterwards.
   *
   * @param chats chat messages each way before and again after the key rotation (1..1000)
   * @return what was observed
   * @throws Exception if the server cannot start or NATS fails
   */
  public Result run(int chats) throws Exception {
    if (chats < 1 || chats > 1000) {
      throw new IllegalArgumentException("chats must be 1..1000, got " + chats);
    }
    Path dir = Files.createTempDirectory("vettid-demo-");
    try {
      return run(dir, chats);
    } finally {
      io.vettid.nats.server.FileTrees.delete(dir);
    }
  }

  private Result run(Path dir, int chats) throws Exception {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    out.println("Starting an embedded EventSpace server (the Internet-facing side: its own NATS operator and CA,"
        + " TLS, JetStream encrypted at rest, the Concierge on NATS)...");
    try (EventSpaceServer es = EventSpaceServer.builder(dir.resolve("eventspace"), secret).start()) {
      Arrays.fill(secret, (byte) 0);
      out.println("EventSpace server ready at " + es.address().url() + ": deposits, peers' users, the Concierge");
      try (Vault alice = vault(dir, "alice", es); Vault bob = vault(dir, "bob", es)) {
        return exchange(es, alice, bob, chats);
      }
    }
  }

  /**
   * One vault of the demo: registered with the EventSpace server (its two external accounts' keys
   * made here, only their public keys sent), and its own nats-server on loopback holding only its
   * internal accounts (its own operator and CA).
   */
  private record Vault(String name, SubscriberAccounts external, VaultAccounts accounts, NatsServer server,
      TlsMaterial tls) implements AutoCloseable {
    @Override
    public void close() {
      server.close();
    }
  }

  private Vault vault(Path dir, String name, EventSpaceServer es) throws Exception {
    SubscriberAccounts external = ConciergeClient.register(es.address(), es.concierge().issueToken(Duration.ofMinutes(5)),
        SubscriberAccounts.create(JetStreamLimits.subscriberDefault())).accounts();
    NatsOperator operator = NatsOperator.create("vault-" + name);
    VaultAccounts accounts = VaultAccounts.create(operator, external.guid(), JetStreamLimits.subscriberDefault());
    Path home = Files.createDirectories(dir.resolve(name));
    TlsMaterial tls = TlsMaterial.generate(home.resolve("tls"), List.of("localhost"), List.of("127.0.0.1"));
    byte[] vaultSecret = new byte[32];
    new SecureRandom().nextBytes(vaultSecret);
    char[] storeKey = NatsServerConfig.deriveStoreKey(vaultSecret, "vettid-demo-" + name);
    Arrays.fill(vaultSecret, (byte) 0);
    try {
      NatsServer server = NatsServer.start(NatsServerConfig.builder()
          .serverName("vault-" + name)
          .workDir(home.resolve("nats"))
          .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, storeKey)
          .tls(tls.serverTls(false))
          .extraConfig(operator.serverConfig(NatsOperator.ServerRole.DATA_VAULT,
              Files.createDirectories(home.resolve("jwt")), accounts.internal()))
          .build());
      out.println(name + " registered as subscriber " + external.guid() + "; " + name + "'s own nats-server at "
          + server.clientUrl() + " (loopback, internal namespace only)");
      return new Vault(name, external, accounts, server, tls);
    } finally {
      Arrays.fill(storeKey, '\0');
    }
  }

  private static Options.Builder server(String url, TlsMaterial tls) throws java.io.IOException {
    try {
      return new Options.Builder().server(url).sslContext(tls.clientContext()).connectionTimeout(Duration.ofSeconds(10));
    } catch (java.security.GeneralSecurityException e) {
      throw new java.io.IOException("cannot make the TLS context", e);
    }
  }

  private Result exchange(EventSpaceServer es, Vault a, Vault b, int chats) throws Exception {
    Suite suite = Suites.DEFAULT;
    Identity[] ids = identities(suite.signature());
    Identity aliceId = ids[0];
    Identity bobId = ids[1];
    BlockList aliceBlocks = new BlockList();
    BlockList bobBlocks = new BlockList();
    Connections aliceConnections = new Connections(java.time.Clock.systemUTC(), aliceBlocks);
    Connections bobConnections = new Connections(java.time.Clock.systemUTC(), bobBlocks);
    try (VettIdRuntime aliceVault = VettIdRuntime.connect(a.accounts(), server(a.server().clientUrl(), a.tls()))
            .eventSpaceServer(a.external(), eventSpace(es), 1)
            .connections(aliceConnections).discoverHandlers(false)
            .handler(new Wallet()).listener(transcript("alice")).start();
        VettIdRuntime bobVault = VettIdRuntime.connect(b.accounts(), server(b.server().clientUrl(), b.tls()))
            .eventSpaceServer(b.external(), eventSpace(es), 1)
            .connections(bobConnections).discoverHandlers(false)
            .handler(new Wallet()).listener(transcript("bob")).start()) {
      aliceVault.publishProfile(aliceId.profile());
      bobVault.publishProfile(bobId.profile());
      aliceVault.shareableData("email", "alice@example.org");
      aliceVault.shareableData("phone", "+49 30 000000");
      aliceVault.shareableData("city", "Berlin");
      aliceVault.watch(a.external().guid(), ES);
      bobVault.watch(b.external().guid(), ES);
      out.println("each vault's Event Watcher reads its deposit stream on the EventSpace server and queues what opens"
          + " on its own server");

      out.println("\n-- alice invites bob in person (a single-use invitation, valid 10 minutes)");
      Invitations aliceInvitations = new Invitations(aliceId, a.external().guid(), a.external().eventSpace(), suite,
          aliceBlocks, java.time.Clock.systemUTC());
      aliceInvitations.advertise(es.address());
      Invitation invitation = aliceInvitations.create(ES, false);
      out.println("   invitation " + invitation.idText() + ": " + invitation.toUri().length()
          + " characters, fits a QR code; it names the EventSpace server " + es.address().hostPort()
          + " and pins its CA");
      long t0 = System.nanoTime();
      Invitee bobAccepting = Invitee.accept(Invitation.parse(invitation.toUri()), bobId, b.external().guid(), ES,
          b.external().eventSpace(), suite, java.time.Clock.systemUTC(), bobBlocks, es.address());
      Invitations.Result confirmed = aliceInvitations.accept(bobAccepting.message());
      Established atAlice = confirmed.established().orElseThrow();
      Established atBob = bobAccepting.complete(confirmed.confirm().orElseThrow());
      PeerConnector connector = (creds, inbox) -> Nats.connect(eventSpace(es).authHandler(creds.authHandler())
          .inboxPrefix(inbox).build());
      aliceConnections.add(atAlice, connector);
      bobConnections.add(atBob, connector);
      connected(atAlice, atBob, suite, t0);
      aliceVault.rules().orElseThrow().put(RULES.replace("$BOB", atAlice.local().value()));
      bobVault.rules().orElseThrow().put(RULES.replace("$BOB", "nobody"));
      out.println("   each deposits on the other's deposit subject on the EventSpace server, with the user the other"
          + " issued; nothing of either vault's own server is reachable from there");
      out.println();

      Side alice = new Side(aliceVault, aliceConnections, atAlice.local());
      Side bob = new Side(bobVault, bobConnections, atBob.local());
      play(alice, bob, chats);
      return result(alice, bob);
    }
  }

  /** Options for the EventSpace server: its address, pinned by its CA. */
  private static Options.Builder eventSpace(EventSpaceServer es) throws java.io.IOException {
    try {
      return new Options.Builder().server(es.address().url()).sslContext(es.address().sslContext())
          .connectionTimeout(Duration.ofSeconds(10));
    } catch (java.security.GeneralSecurityException e) {
      throw new java.io.IOException("cannot make the TLS context", e);
    }
  }

  /** One vault in the demo: its runtime, its connections, and its connection to the other. */
  private record Side(VettIdRuntime vault, Connections connections, ConnectionId peer) {}

  /** Alice's and Bob's identities, generated side by side. */
  private Identity[] identities(KeyAlgorithm identityAlgorithm) throws Exception {
    out.println("Generating identity keys (" + identityAlgorithm.name() + ") and signing the profiles...");
    long t0 = System.nanoTime();
    ExecutorService gen = Executors.newFixedThreadPool(2);
    try {
      Future<Identity> a = gen.submit(() -> identity(identityAlgorithm, "Alice", 34, "Berlin area"));
      Future<Identity> b = gen.submit(() -> identity(identityAlgorithm, "Bob", 29, "Hamburg area"));
      Identity[] ids = {a.get(), b.get()};
      out.printf("  in %.1f s: alice is %s, bob is %s%n", (System.nanoTime() - t0) / 1e9, ids[0].keyId(),
          ids[1].keyId());
      return ids;
    } finally {
      gen.shutdownNow();
    }
  }

  private void connected(Established atAlice, Established atBob, Suite suite, long t0) {
    names.put(atAlice.local().value(), "bob");
    names.put(atBob.local().value(), "alice");
    out.printf("   connected in %.1f s (%s keys unique to this connection, generated on each side);%n",
        (System.nanoTime() - t0) / 1e9, suite.name());
    out.println("   each side issued the other a NATS user that may only deposit on its own subject");
    out.println("   safety number at alice: " + atAlice.safetyNumber());
    out.println("   safety number at bob:   " + atBob.safetyNumber()
        + (atAlice.safetyNumber().equals(atBob.safetyNumber()) ? "  (they match)" : "  (MISMATCH)"));
  }

  /** The conversation: a profile, chat, a key rotation mid-stream, a held contact request, a denied payment. */
  private void play(Side alice, Side bob, int chats) throws Exception {
    Step step = new Step(alice.vault(), bob.vault(), alice.connections(), bob.connections());
    out.println("-- bob asks for alice's profile (signed with her identity key; bob verifies it)");
    bob.connections().send(bob.peer(), ProfileRequestHandler.REQUEST, JsonNodeFactory.instance.objectNode());
    step.settle();

    out.println("-- chat, both ways");
    chat(alice.connections(), bob.connections(), alice.peer(), bob.peer(), chats, 0);
    step.settle();

    out.println("-- bob rotates his connection key mid-stream (alice's messages already sealed to the old key still open)");
    chat(alice.connections(), bob.connections(), alice.peer(), bob.peer(), 1, chats);
    bob.connections().send(bob.peer(), KeyRotationHandler.ROTATE,
        KeyRotationHandler.announce(bob.connections().link(bob.peer()).rotateWrappingKey()));
    chat(alice.connections(), bob.connections(), alice.peer(), bob.peer(), chats, chats + 1);
    step.settle();
    out.println("   bob's wrapping key is now " + bob.connections().link(bob.peer()).wrappingKey().keyId());

    out.println("-- bob asks for alice's email, phone and city; alice's rules hold it for her");
    ObjectNode fields = JsonNodeFactory.instance.objectNode();
    fields.putArray("fields").add("email").add("phone").add("city");
    bob.connections().send(bob.peer(), ContactRequestHandler.REQUEST, fields);
    step.settle();
    for (HeldEvents.Held h : alice.vault().inbox().list()) {
      out.println("   alice's inbox: " + h.event().type() + " from " + name(h.event().connectionId())
          + " (rule " + h.rule() + ") -> alice approves");
      alice.vault().inbox().approve(h.id());
    }
    step.settle();

    out.println("-- bob sends a payment request; alice's rules deny it");
    bob.connections().send(bob.peer(), PAYMENT, JsonNodeFactory.instance.objectNode().put("amount", 250));
    step.settle();
  }

  private Result result(Side alice, Side bob) throws Exception {
    RuntimeCounters.Snapshot a = alice.vault().counters().snapshot();
    RuntimeCounters.Snapshot b = bob.vault().counters().snapshot();
    long sent = alice.connections().sent() + bob.connections().sent();
    long delivered = a.handled() + b.handled();
    long held = a.held() + b.held();
    long quarantined = a.quarantinedTotal() + b.quarantinedTotal();
    long waiting = alice.vault().inbox().list().size() + bob.vault().inbox().list().size();
    Result r = new Result(sent, delivered, held, quarantined, sent - delivered - quarantined - waiting
        - a.dropped() - b.dropped());
    out.println();
    out.printf("sent=%d (alice %d, bob %d); latency p50 %.1f ms, p99 %.1f ms (receipt to commit)%n", sent,
        alice.connections().sent(), bob.connections().sent(), Math.max(a.p50Millis(), b.p50Millis()),
        Math.max(a.p99Millis(), b.p99Millis()));
    out.println(r.summary());
    return r;
  }

  private void chat(Connections alice, Connections bob, ConnectionId bobAtAlice, ConnectionId aliceAtBob, int n,
      int from) throws Exception {
    for (int i = from; i < from + n; i++) {
      alice.send(bobAtAlice, CHAT, JsonNodeFactory.instance.objectNode().put("text", "hello bob #" + i));
      bob.send(aliceAtBob, CHAT, JsonNodeFactory.instance.objectNode().put("text", "hello alice #" + i));
    }
  }

  private String name(ConnectionId id) {
    return names.getOrDefault(id.value(), id.value());
  }

  private static Identity identity(KeyAlgorithm algorithm, String name, int age, String place) throws Exception {
    java.security.KeyPair keys = algorithm.generateKeyPair(new SecureRandom());
    Profile p = Profile.builder(ES, Profile.Owner.of(name, algorithm, keys.getPublic()).ageOver(18).location(place))
        .eventType(CHAT).eventType(ProfileRequestHandler.REQUEST).eventType(ContactRequestHandler.REQUEST)
        .build();
    return new Identity(algorithm, keys, SignedProfile.sign(p, algorithm, keys.getPrivate(), new SecureRandom()));
  }

  private EventService.Listener transcript(String vault) {
    return s -> {
      String who = s.connectionId() == null ? "?" : name(s.connectionId());
      String what = switch (s.outcome()) {
        case HANDLED -> "handled";
        case HELD -> "HELD";
        case DROPPED -> "dropped";
        case DUPLICATE -> "skipped a duplicate of";
        case QUARANTINED -> "QUARANTINED (" + s.reason() + ")";
      };
      out.printf("   [%s] %s %s from %s  %s%n", vault, what, s.type(), who, s.detail());
    };
  }

  /** Waits until every event sent so far is settled on its side. */
  private final class Step {
    private final VettIdRuntime alice;
    private final VettIdRuntime bob;
    private final Connections aliceConnections;
    private final Connections bobConnections;

    Step(VettIdRuntime alice, VettIdRuntime bob, Connections aliceConnections, Connections bobConnections) {
      this.alice = alice;
      this.bob = bob;
      this.aliceConnections = aliceConnections;
      this.bobConnections = bobConnections;
    }

    void settle() throws Exception {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        long sent = aliceConnections.sent() + bobConnections.sent();
        if (settled(alice) + settled(bob) >= sent) {
          Thread.sleep(50); // let replies triggered by the last event be sent
          if (aliceConnections.sent() + bobConnections.sent() == sent) {
            return;
          }
        }
        Thread.sleep(20);
      }
      out.println("   (timed out waiting for events to settle)");
    }

    /** Handled, quarantined, dropped, or waiting for the owner (an approved event is not settled until handled). */
    private long settled(VettIdRuntime vault) throws Exception {
      RuntimeCounters.Snapshot s = vault.counters().snapshot();
      long waiting = vault.inbox().list().stream().filter(h -> !h.approved()).count();
      return s.handled() + s.quarantinedTotal() + s.dropped() + waiting;
    }
  }

  private static final String RULES = """
      [
        {"id": "profiles", "eventType": "profile.request", "action": "handle", "handler": "profile-request"},
        {"id": "answers", "eventType": "profile.response", "action": "handle", "handler": "responses"},
        {"id": "contact-answers", "eventType": "contact.response", "action": "handle", "handler": "responses"},
        {"id": "chat", "eventType": "chat.message", "action": "handle", "handler": "chat"},
        {"id": "key-rotation", "eventType": "connection.rotate", "action": "handle", "handler": "connection-rotation"},
        {"id": "key-rotation-ack", "eventType": "connection.rotate.ack", "action": "handle",
         "handler": "connection-rotation"},
        {"id": "identity-rotation", "eventType": "identity.rotate", "action": "handle", "handler": "identity-rotation"},
        {"id": "identity-rotation-ack", "eventType": "identity.rotate.ack", "action": "handle",
         "handler": "identity-rotation"},
        {"id": "contacts-need-my-ok", "eventType": "contact.request", "action": "hold"},
        {"id": "share-email-and-city", "eventType": "contact.share", "connectionId": "$BOB",
         "when": [{"field": "/field", "op": "in", "value": ["email", "city"]}],
         "action": "handle", "handler": "contact-request"},
        {"id": "no-payments", "eventType": "payment.request", "action": "deny",
         "reason": "payment requests are not accepted"}
      ]
      """;

  /** Declares payment requests, so that the rules (not an unknown type) decide them. */
  static final class Wallet implements EventHandlerFactory {
    @Override
    public String name() {
      return "wallet";
    }

    @Override
    public Set<EventType> eventTypes() {
      return Set.of(PAYMENT);
    }

    @Override
    public EventHandler create(EventHandlerContext ctx) {
      return event -> ctx.finish();
    }
  }

}
