package io.vettid.runtime.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.profile.Profile;
import io.vettid.profile.SignedProfile;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.internal.handlers.KeyRotationHandler;
import io.vettid.testkit.NatsServerExtension;
import io.vettid.testkit.ShiftedClock;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two vaults connect through an invitation on a real nats-server (operator mode, TLS, encrypted
 * store) and then live with the connection: events both ways, rotation under traffic, refusals,
 * blocking, revocation. A post-quantum suite keeps key generation quick (RSA-4096 is the demo's).
 */
class InvitationFlowTest {
  static final Suite SUITE = Suites.MLKEM768_MLDSA65_V1;
  static final KeyAlgorithm ID_ALG = SUITE.signature();
  static final NatsOperator OP = NatsOperator.create("invitation-test");
  /** The EventSpace accounts of the handshake-only tests (they issue users, no one connects). */
  static final NatsAccount ALICE = OP.createAccount("alice", JetStreamLimits.DISABLED);
  static final NatsAccount BOB = OP.createAccount("bob", JetStreamLimits.DISABLED);
  /** Each vault's accounts (one per trust zone), made and pushed to the server once per guid. */
  static final java.util.Map<String, VaultAccounts> ACCOUNTS = new ConcurrentHashMap<>();
  static final EventType CHAT = EventType.of("chat.message");
  static final String RULES = """
      [{"id": "chat", "eventType": "chat.message", "action": "handle", "handler": "chat"},
       {"id": "rotate", "eventType": "connection.rotate", "action": "handle", "handler": "connection-rotation"},
       {"id": "rotate-ack", "eventType": "connection.rotate.ack", "action": "handle", "handler": "connection-rotation"},
       {"id": "revoked", "eventType": "connection.revoked", "action": "handle", "handler": "connection-revoked"},
       {"id": "profiles", "eventType": "profile.request", "action": "handle", "handler": "profile-request"},
       {"id": "answers", "eventType": "profile.response", "action": "handle", "handler": "responses"},
       {"id": "sessions", "eventType": "session.reset", "action": "handle", "handler": "session-reset"},
       {"id": "identity", "eventType": "identity.rotate", "action": "handle", "handler": "identity-rotation"},
       {"id": "identity-ack", "eventType": "identity.rotate.ack", "action": "handle", "handler": "identity-rotation"},
       {"id": "migrate", "eventType": "connection.migrate.*", "action": "handle", "handler": "connection-migration"},
       {"id": "migrate-start", "eventType": "connection.migrate", "action": "handle", "handler": "connection-migration"}]""";

  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest()
      .operatorMode(OP).build();

  static VaultAccounts accountsOf(String guid) {
    return ACCOUNTS.computeIfAbsent(guid, g -> {
      // 256 MiB each, not the default 1 GiB: every vault account reserves its storage on the one
      // server of the class, and seventeen vaults of 2 GiB outgrew what it grants on a fuller disk
      VaultAccounts a = VaultAccounts.create(OP, g, new JetStreamLimits(64L << 20, 256L << 20, 64, 1024));
      try {
        NATS.push(a.all().toArray(NatsAccount[]::new));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return a;
    });
  }

  /** Pushes an account's JWT to the server with the system user's connection (what a rotation does). */
  static java.util.function.Consumer<NatsAccount> pushWith(Connection sys) {
    return acct -> {
      try {
        OP.push(sys, acct);
      } catch (InterruptedException x) {
        Thread.currentThread().interrupt();
      }
    };
  }

  static Identity identity(String name) throws Exception {
    KeyPair keys = ID_ALG.generateKeyPair(new SecureRandom());
    Profile p = Profile.builder("home", Profile.Owner.of(name, ID_ALG, keys.getPublic()).ageOver(18).location("Berlin area")).build();
    return new Identity(ID_ALG, keys, SignedProfile.sign(p, ID_ALG, keys.getPrivate(), new SecureRandom()));
  }

  /** A "chat" handler that keeps each message's {@code n} and counts its calls. */
  static EventHandlerFactory chat(Set<String> seen, AtomicInteger calls) {
    return new EventHandlerFactory() {
      @Override
      public String name() {
        return "chat";
      }

      @Override
      public Set<EventType> eventTypes() {
        return Set.of(CHAT);
      }

      @Override
      public EventHandler create(EventHandlerContext ctx) {
        return event -> {
          calls.incrementAndGet();
          seen.add(event.payload().path("n").asText());
          ctx.finish();
        };
      }
    };
  }

  /** One vault: runtime, connections, identity; counts chats by their number. */
  static final class Vault implements AutoCloseable {
    final String guid;
    final VaultAccounts accounts;
    final NatsAccount account;
    final Identity identity;
    final BlockList blocks = new BlockList();
    final Connections connections;
    final VettIdRuntime runtime;
    final Set<String> chats = ConcurrentHashMap.newKeySet();
    final AtomicInteger chatCalls = new AtomicInteger();

    Vault(String guid, ShiftedClock clock) throws Exception {
      this(guid, identity(guid), null, clock, null);
    }

    /** A vault whose connections are kept sealed in its Connections bucket (and restored from it). */
    Vault(String guid, Identity identity, byte[] vaultSecret, ShiftedClock clock,
        int[] restored) throws Exception {
      this(guid, identity, vaultSecret, clock, restored, null);
    }

    /** A vault whose own users' JWTs are valid for {@code ownUserValidity} (null: the default). */
    Vault(String guid, Identity identity, byte[] vaultSecret, ShiftedClock clock,
        int[] restored, Duration ownUserValidity) throws Exception {
      this.guid = guid;
      this.accounts = accountsOf(guid);
      this.account = accounts.eventSpace();
      this.identity = identity;
      this.connections = new Connections(clock, blocks);
      EventHandlerFactory chat = chat(chats, chatCalls);
      io.vettid.runtime.VettIdRuntimeBuilder b = VettIdRuntime.connect(accounts, NATS.options());
      if (ownUserValidity != null) {
        b.ownUserValidity(ownUserValidity);
      }
      // kept: restored (keys, sessions, routes) before the runtime's services start
      runtime = (vaultSecret != null ? b.connections(connections, vaultSecret, CONNECTOR) : b.connections(connections))
          .discoverHandlers(false).handler(chat).handler(POLLS).start();
      runtime.rules().orElseThrow().put(RULES);
      if (restored != null) {
        restored[0] = runtime.restoredConnections();
      }
      runtime.watch(guid, "home");
    }

    Invitations invitations(ShiftedClock clock) {
      return new Invitations(identity, guid, account, SUITE, blocks, clock);
    }

    @Override
    public void close() {
      runtime.close();
    }
  }

  static void assertRefusedByTheServer(io.vettid.nats.auth.UserCredentials user) {
    assertThatThrownBy(() -> io.nats.client.Nats.connect(NATS.options().authHandler(user.authHandler())
        .maxReconnects(0).connectionTimeout(Duration.ofSeconds(2)).build()).close())
        .as("the user is refused").hasMessageContaining("Authorization");
  }

  /** Asserts that a user's JWT expires {@code validity} after now (within a minute). */
  static void assertValidFor(io.vettid.nats.auth.UserCredentials user, Duration validity) throws Exception {
    String claims = new String(java.util.Base64.getUrlDecoder().decode(user.jwt().split("\\.")[1]),
        java.nio.charset.StandardCharsets.UTF_8);
    long exp = new com.fasterxml.jackson.databind.ObjectMapper().readTree(claims).path("exp").asLong();
    assertThat(java.time.Instant.ofEpochSecond(exp)).as("the user's expiry")
        .isBetween(java.time.Instant.now().plus(validity).minusSeconds(60), java.time.Instant.now().plus(validity));
  }

  static Established b(Established[] e) {
    return e[1];
  }

  static final PeerConnector CONNECTOR =
      (creds, inbox) -> NATS.connect(creds, NATS.options().inboxPrefix(inbox));

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  /** A key source that generates each pair and notes its keyID. */
  static io.vettid.crypto.pool.KeySource recording(java.util.List<io.vettid.api.KeyId> gave) {
    return (algorithm, random) -> {
      java.security.KeyPair pair = algorithm.generateKeyPair(random);
      gave.add(algorithm.keyId(pair.getPublic()));
      return pair;
    };
  }

  /** alice invites bob in person; both add the connection. {@return alice's and bob's view} */
  static Established[] connect(Vault alice, Vault bob, ShiftedClock clock) throws Exception {
    Invitations inviter = alice.invitations(clock);
    Invitation inv = inviter.create("home", false);
    Invitee invitee = Invitee.accept(Invitation.parse(inv.toUri()), bob.identity, bob.guid, "home", bob.account,
        SUITE, clock, bob.blocks);
    Invitations.Result r = inviter.accept(invitee.message());
    Established a = r.established().orElseThrow();
    Established b = invitee.complete(r.confirm().orElseThrow());
    alice.connections.add(a, CONNECTOR);
    bob.connections.add(b, CONNECTOR);
    return new Established[] {a, b};
  }

  @Test
  void twoVaultsConnectThroughAnInvitationExchangeBothWaysAndAgreeOnTheSafetyNumber() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice1", clock); Vault bob = new Vault("bob1", clock)) {
      // issue #26: each side's connection keys come from its key source (the daemon's warm pools)
      java.util.List<io.vettid.api.KeyId> aliceGave = new java.util.concurrent.CopyOnWriteArrayList<>();
      java.util.List<io.vettid.api.KeyId> bobGave = new java.util.concurrent.CopyOnWriteArrayList<>();
      Invitations inviter = alice.invitations(clock);
      inviter.keySource(recording(aliceGave));
      Invitation inv = inviter.create("home", false);
      Invitee invitee = Invitee.accept(Invitation.parse(inv.toUri()), bob.identity, bob.guid, "home", bob.account,
          SUITE, clock, bob.blocks, null, recording(bobGave));
      byte[] accept = invitee.message();
      Invitations.Result r = inviter.accept(accept);
      assertThat(r.pendingId()).isEmpty();
      Established a = r.established().orElseThrow();
      Established b = invitee.complete(r.confirm().orElseThrow());
      alice.connections.add(a, CONNECTOR);
      bob.connections.add(b, CONNECTOR);
      assertThat(aliceGave).as("the confirming side's signing and wrapping pairs").hasSize(2)
          .contains(alice.connections.link(a.local()).wrappingKey().keyId());
      assertThat(bobGave).as("the accepting side's signing and wrapping pairs").hasSize(2)
          .contains(bob.connections.link(b.local()).wrappingKey().keyId());

      assertThat(a.peerIdentity()).isEqualTo(bob.identity.keyId());
      assertThat(b.peerIdentity()).isEqualTo(alice.identity.keyId());
      assertThat(a.safetyNumber()).matches("(\\d{5} ){11}\\d{5}").isEqualTo(b.safetyNumber());
      assertThat(alice.connections.link(a.local()).safetyNumber()).isEqualTo(bob.connections.link(b.local()).safetyNumber());

      for (int i = 0; i < 5; i++) {
        alice.connections.send(a.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "a" + i));
        bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "b" + i));
      }
      await(() -> alice.chats.size() == 5 && bob.chats.size() == 5, "5 chats each way");
      assertThat(alice.chats).allMatch(s -> s.startsWith("b"));
      assertThat(bob.chats).allMatch(s -> s.startsWith("a"));

      // the same acceptance again: the invitation is spent
      assertThatThrownBy(() -> inviter.accept(accept)).isInstanceOf(HandshakeException.class)
          .hasMessageContaining("already used");
      assertThatThrownBy(() -> invitee.complete(r.confirm().orElseThrow())).isInstanceOf(HandshakeException.class);
    }
  }

  /**
   * Issue #23: the acceptance names bob's server with a pin its certificate does not match (a
   * server that is not the one the pin names). Alice's side refuses the connection at once, with
   * the reason, and keeps nothing; before, the connection was kept and its NATS client tried to
   * reconnect every 2 seconds for ever.
   */
  @Test
  void aPeerServerThatFailsThePinIsRefusedAtOnceAndNothingIsKept(@org.junit.jupiter.api.io.TempDir java.nio.file.Path caDir)
      throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice9", clock); Vault bob = new Vault("bob9", clock)) {
      int port = Integer.parseInt(NATS.url().substring(NATS.url().lastIndexOf(':') + 1));
      String otherCaPin = io.vettid.nats.tls.TlsMaterial.generate(caDir, // another CA, its key in a directory JUnit deletes
          java.util.List.of("localhost"), java.util.List.of("127.0.0.1")).caPin();
      Invitations inviter = alice.invitations(clock);
      Invitee invitee = Invitee.accept(Invitation.parse(inviter.create("home", false).toUri()), bob.identity, bob.guid,
          "home", bob.account, SUITE, clock, bob.blocks,
          new io.vettid.nats.server.ServerAddress("127.0.0.1", port, otherCaPin));
      Established a = inviter.accept(invitee.message()).established().orElseThrow();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> alice.connections.add(a, CONNECTOR))
          .isInstanceOf(io.vettid.nats.server.PinMismatchException.class)
          .hasMessageContaining("did not present a certificate of the CA its pin names");
      assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).isLessThan(java.time.Duration.ofSeconds(6));
      assertThat(alice.connections.list()).as("no connection record").isEmpty();
    }
  }

  /**
   * Security item 6: whoever saw the invitation URI (a QR code, a mail) and both handshake texts
   * holds the invitation secret and every byte that crossed the channel, but neither NATS user:
   * each is sealed to its recipient's private key. The observer tries every key the secret yields
   * (the old HKDF labels and the new one) on both boxes; the two sides' real users still work on
   * the server. Before the fix the {@code v1} encryption key opened both boxes.
   */
  /**
   * What a vault keeps across a restart, sealed: its open invitations (with their one-time keys),
   * the acceptances waiting for its approval, and its own acceptances waiting for their
   * confirmation. Taken back by new objects, as after a restart, each completes as before.
   */
  @Test
  void openInvitationsAndWaitingAcceptancesCompleteAfterARestart() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    Identity aliceId = identity("alice");
    Identity bobId = identity("bob");
    Invitations before = new Invitations(aliceId, "alice7", ALICE, SUITE, new BlockList(), clock);
    String inPerson = before.create("home", false).toUri();
    String remote = before.create("home", true).toUri();
    Invitee bobInPerson = Invitee.accept(Invitation.parse(inPerson), bobId, "bob7", "home", BOB, SUITE, clock,
        new BlockList());
    Invitee bobRemote = Invitee.accept(Invitation.parse(remote), bobId, "bob7", "home", BOB, SUITE, clock,
        new BlockList());
    String pendingId = before.accept(bobRemote.message()).pendingId().orElseThrow();

    // the restart: new objects from the records alone
    Invitations after = new Invitations(aliceId, "alice7", ALICE, SUITE, new BlockList(), clock);
    assertThat(after.restore(before.export())).as("one open invitation, one waiting acceptance").isEqualTo(2);
    Invitee bobInPersonAgain = Invitee.restore(bobInPerson.export(), new BlockList());
    Invitee bobRemoteAgain = Invitee.restore(bobRemote.export(), new BlockList());
    assertThat(after.pending()).extracting(Invitations.PendingAcceptance::id).containsExactly(pendingId);

    Invitations.Result r = after.accept(bobInPersonAgain.message());
    Established atBob = bobInPersonAgain.complete(r.confirm().orElseThrow());
    assertThat(atBob.safetyNumber()).isEqualTo(r.established().orElseThrow().safetyNumber());
    Invitations.Result approved = after.approve(pendingId);
    Established remoteAtBob = bobRemoteAgain.complete(approved.confirm().orElseThrow());
    assertThat(remoteAtBob.safetyNumber()).isEqualTo(approved.established().orElseThrow().safetyNumber());
    // spent, and so not in the next record
    assertThat(new Invitations(aliceId, "alice7", ALICE, SUITE, new BlockList(), clock).restore(after.export()))
        .isZero();
    assertThatThrownBy(() -> after.accept(bobInPerson.message())).isInstanceOf(HandshakeException.class);
  }

  @Test
  void anObserverOfTheInvitationAndBothMessagesOpensNeitherNatsUser() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    Invitations inviter = new Invitations(identity("alice"), "alice6", ALICE, SUITE, new BlockList(), clock);
    String uri = inviter.create("home", false).toUri();
    Identity bob = identity("bob");
    Invitee invitee = Invitee.accept(Invitation.parse(uri), bob, "bob6", "home", BOB, SUITE, clock, new BlockList());
    byte[] accept = invitee.message();
    Invitations.Result r = inviter.accept(accept);
    byte[] confirm = r.confirm().orElseThrow();
    Established bobSide = invitee.complete(confirm);
    Established aliceSide = r.established().orElseThrow();

    // the observer: the URI and the two messages
    Invitation seen = Invitation.parse(uri);
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    int tried = 0;
    for (byte[] message : new byte[][] {accept, confirm}) {
      String kind = json.readTree(message).path("kind").asText();
      byte[] box = java.util.Base64.getDecoder().decode(json.readTree(message).path("creds").asText());
      assertThat(new String(box, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("SUA");
      for (String version : new String[] {"v1", "v2", "v2/mac"}) {
        byte[] k = io.vettid.crypto.SecretBox.derive(seen.secret(), "vettid/invitation/" + version + "/" + kind + "/"
            + seen.idText(), 64);
        for (byte[] key : new byte[][] {java.util.Arrays.copyOf(k, 32), java.util.Arrays.copyOfRange(k, 32, 64)}) {
          for (String aad : new String[] {kind + "/" + seen.idText(), "vettid-handshake-creds-v2\0" + kind + "\0"
              + seen.idText()}) {
            tried++;
            Throwable opened = org.assertj.core.api.Assertions.catchThrowable(() -> io.vettid.crypto.SecretBox.open(key,
                aad.getBytes(java.nio.charset.StandardCharsets.UTF_8), box));
            assertThat(opened).as("the %s box opened with the invitation secret (%s, %s)", kind, version, aad)
                .isInstanceOf(java.security.GeneralSecurityException.class);
          }
        }
      }
    }
    assertThat(tried).isEqualTo(24);
    // the recipients opened theirs: each user is one the other side's account issued, and it connects
    NATS.push(ALICE, BOB);
    for (io.vettid.nats.auth.UserCredentials creds : new io.vettid.nats.auth.UserCredentials[] {
        bobSide.peerCredentials(), aliceSide.peerCredentials()}) {
      try (Connection c = NATS.connect(creds, NATS.options())) {
        assertThat(c.getStatus()).isEqualTo(Connection.Status.CONNECTED);
      }
    }
  }

  /** An acceptance never completed names when to give it up and the user to revoke then. */
  @Test
  void anAcceptanceNeverCompletedIsGivenUpAfterTheLongestAConfirmationMayTake() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    Invitations inviter = new Invitations(identity("alice"), "alice7", ALICE, SUITE, new BlockList(), clock);
    Identity bob = identity("bob");
    Invitation inPerson = inviter.create("home", false);
    Invitation remote = inviter.create("home", true);
    Invitee shown = Invitee.accept(inPerson, bob, "bob7", "home", BOB, SUITE, clock, new BlockList());
    Invitee sent = Invitee.accept(remote, bob, "bob7", "home", BOB, SUITE, clock, new BlockList());
    assertThat(shown.abandonedAt()).isEqualTo(inPerson.expiresAt().plus(Invitations.IN_PERSON_MAX));
    assertThat(sent.abandonedAt()).isEqualTo(remote.expiresAt().plus(Invitations.REMOTE_MAX));
    assertThat(shown.issuedUser()).startsWith("U").isNotEqualTo(sent.issuedUser());
    assertThat(shown.isCompleted()).isFalse();
    shown.complete(inviter.accept(shown.message()).confirm().orElseThrow());
    assertThat(shown.isCompleted()).isTrue();
  }

  /**
   * Issue #21: the invitation lists the suites its inviter accepts for the connection; an invitee of
   * another suite is told so before it sends anything, one of a listed suite connects with it (the
   * inviter makes its keys of that suite), and the inviter holds an acceptance to its own list even
   * when the invitee never saw the list. The last check fails without the inviter's: its one suite
   * was the invitee's.
   */
  @Test
  void anInvitationListsTheSuitesItAcceptsAndTheInviterKeysTheOneChosen() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    Identity bob = identity("bob");
    BlockList none = new BlockList();
    Invitations inviter = new Invitations(identity("alice"), "alice9", ALICE, SUITE, none, clock);
    assertThat(inviter.create("home", false).suites()).as("by default, this side's suite").containsExactly(SUITE.id());

    Invitation both = inviter.create("home", false, Duration.ofMinutes(5),
        List.of(Suites.MLKEM1024_MLDSA65_V1, Suites.MLKEM768_MLDSA65_V1));
    assertThat(both.toUri()).endsWith("&u=3,2");
    Invitation only1024 = inviter.create("home", false, Duration.ofMinutes(5), List.of(Suites.MLKEM1024_MLDSA65_V1));
    assertThatThrownBy(() -> Invitee.accept(only1024, bob, "bob9", "home", BOB, SUITE, clock, none))
        .isInstanceOf(HandshakeException.class)
        .hasMessage("the inviter accepts the suites [VETTID-MLKEM1024-MLDSA65-V1] for this connection, not "
            + "VETTID-MLKEM768-MLDSA65-V1");

    Invitations.Result second = inviter.accept(Invitee.accept(both, bob, "bob9", "home", BOB,
        Suites.MLKEM768_MLDSA65_V1, clock, none).message());
    assertThat(second.established().orElseThrow().mine().suite()).isEqualTo(Suites.MLKEM768_MLDSA65_V1);
    Invitee chose1024 = Invitee.accept(only1024, bob, "bob9", "home", BOB, Suites.MLKEM1024_MLDSA65_V1, clock, none);
    assertThat(inviter.answersAnOpenInvitation(chose1024.message())).isTrue();
    Invitations.Result first = inviter.accept(chose1024.message());
    assertThat(inviter.answersAnOpenInvitation(chose1024.message())).as("spent").isFalse();
    assertThatThrownBy(() -> inviter.answersAnOpenInvitation("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isInstanceOf(HandshakeException.class);
    assertThat(first.established().orElseThrow().mine().suite()).as("the inviter's keys are of the suite chosen")
        .isEqualTo(Suites.MLKEM1024_MLDSA65_V1);
    assertThat(chose1024.complete(first.confirm().orElseThrow()).mine().suite()).isEqualTo(Suites.MLKEM1024_MLDSA65_V1);

    // the list stripped on its way: the invitee offers this side's default suite, and the inviter
    // refuses it, since the invitation it made accepts ML-KEM-1024 only
    Invitation another = inviter.create("home", false, Duration.ofMinutes(5), List.of(Suites.MLKEM1024_MLDSA65_V1));
    Invitation stripped = another.withSuites(List.of());
    byte[] offered = Invitee.accept(stripped, bob, "bob9", "home", BOB, SUITE, clock, none).message();
    assertThatThrownBy(() -> inviter.accept(offered)).isInstanceOf(HandshakeException.class)
        .hasMessage("the invitee chose suite VETTID-MLKEM768-MLDSA65-V1; this invitation accepts "
            + "[VETTID-MLKEM1024-MLDSA65-V1]");
    assertThatThrownBy(() -> inviter.create("home", false, Duration.ofMinutes(5), List.of()))
        .hasMessageContaining("1 to 8 suites");
  }

  /**
   * Issue #21: a connection moves to another suite at the owner's word, in three messages
   * (connection.migrate, .ack, .done), when the peer's policy accepts the suite; events flow both
   * ways before, during and after, none is lost, and both sides agree on the new safety number. A
   * migration the peer's policy refuses changes nothing.
   */
  @Test
  void aConnectionMovesToAnotherSuiteWhenThePeerAcceptsItAndStaysWhenItRefuses() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice10", clock); Vault bob = new Vault("bob10", clock)) {
      Established[] e = connect(alice, bob, clock);
      Link a = alice.connections.link(e[0].local());
      Link b = bob.connections.link(e[1].local());
      bob.connections.acceptMigrationTo(s -> s.equals(Suites.MLKEM1024_MLDSA65_V1),
          io.vettid.crypto.pool.KeySource.generating());
      String before = a.safetyNumber();

      // refused by default on alice's side, and by bob's policy for any other suite
      alice.connections.migrate(e[0].local(), Suites.ELGAMAL3072_RSA4096_V1);
      await(() -> a.migratingTo().isEmpty(), "bob refused the migration to ElGamal");
      assertThat(a.suite()).isEqualTo(SUITE);
      assertThatThrownBy(() -> alice.connections.migrate(e[0].local(), SUITE))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already");

      // events on their way while it moves
      for (int i = 0; i < 3; i++) {
        bob.connections.send(e[1].local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "b" + i));
      }
      alice.connections.migrate(e[0].local(), Suites.MLKEM1024_MLDSA65_V1);
      for (int i = 3; i < 6; i++) {
        bob.connections.send(e[1].local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "b" + i));
        alice.connections.send(e[0].local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "a" + i));
      }
      await(() -> a.suite().equals(Suites.MLKEM1024_MLDSA65_V1) && b.suite().equals(Suites.MLKEM1024_MLDSA65_V1),
          "both sides moved to ML-KEM-1024");
      assertThat(a.migratingTo()).isEmpty();
      assertThat(b.migratingTo()).isEmpty();
      assertThat(a.wrappingKey().algorithm().name()).isEqualTo("ML-KEM-1024");
      assertThat(a.safetyNumber()).isEqualTo(b.safetyNumber()).isNotEqualTo(before);
      for (int i = 6; i < 9; i++) {
        bob.connections.send(e[1].local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "b" + i));
        alice.connections.send(e[0].local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "a" + i));
      }
      await(() -> alice.chats.size() == 9 && bob.chats.size() == 6, "every chat, both ways, none lost");
      assertThat(alice.runtime.counters().snapshot().quarantined().values().stream().mapToLong(Long::longValue).sum())
          .as("nothing quarantined on alice's side").isZero();
      assertThat(bob.runtime.counters().snapshot().quarantined().get(FailureReason.NO_MATCHING_RULE)).isZero();
    }
  }

  @Test
  void expiredForgedAndRemoteUnapprovedInvitationsAreRefused() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    Identity bob = identity("bob");
    BlockList none = new BlockList();
    Invitations inviter = new Invitations(identity("alice"), "alice2", ALICE, SUITE, none, clock);

    // expired: accepted in time, but arrives after 10 minutes
    Invitation inPerson = inviter.create("home", false);
    Invitee late = Invitee.accept(inPerson, bob, "bob2", "home", BOB, SUITE, clock, none);
    clock.advance(Duration.ofMinutes(11));
    assertThatThrownBy(() -> inviter.accept(late.message())).hasMessageContaining("expired");
    assertThatThrownBy(() -> Invitee.accept(inPerson, bob, "bob2", "home", BOB, SUITE, clock, none))
        .hasMessageContaining("expired");
    assertThatThrownBy(() -> inviter.create("home", false, Duration.ofMinutes(11))).hasMessageContaining("10 minutes");
    assertThatThrownBy(() -> inviter.create("home", true, Duration.ofDays(8))).hasMessageContaining("7 days");

    // forged: the right id with a guessed secret
    Invitation real = inviter.create("home", false);
    byte[] guessed = new byte[32];
    new SecureRandom().nextBytes(guessed);
    Invitation forged = new Invitation(real.subscriberGuid(), real.eventSpace(), real.id(), guessed,
        real.oneTimeKey(), real.inviter(), real.expiresAt(), false);
    Invitee forger = Invitee.accept(forged, bob, "bob2", "home", BOB, SUITE, clock, none);
    assertThatThrownBy(() -> inviter.accept(forger.message())).hasMessageContaining("forged");
    // the URI's one-time key swapped on its way (the secret kept): the user is sealed to a key the inviter lacks
    Invitation swapped = new Invitation(real.subscriberGuid(), real.eventSpace(), real.id(), real.secret(),
        io.vettid.crypto.EphemeralBox.generate(new SecureRandom()).publicKey(), real.inviter(), real.expiresAt(), false);
    byte[] toAnotherKey = Invitee.accept(swapped, bob, "bob2", "home", BOB, SUITE, clock, none).message();
    assertThatThrownBy(() -> inviter.accept(toAnotherKey)).hasMessageContaining("do not open with this side's key");
    // ...and the forgery did not spend the real invitation
    Invitations.Result ok = inviter.accept(Invitee.accept(real, bob, "bob2", "home", BOB, SUITE, clock, none).message());
    assertThat(ok.confirm()).isPresent();

    // remote: pending until approved; declined ones are gone
    Invitation remote = inviter.create("home", true);
    Invitee far = Invitee.accept(Invitation.parse(remote.toUri()), bob, "bob2", "home", BOB, SUITE, clock, none);
    Invitations.Result pending = inviter.accept(far.message());
    assertThat(pending.pendingId()).contains(remote.idText());
    assertThat(pending.confirm()).isEmpty();
    assertThat(inviter.pending()).singleElement().satisfies(p -> assertThat(p.peerName()).isEqualTo("bob"));
    Invitations.Result approved = inviter.approve(remote.idText());
    assertThat(far.complete(approved.confirm().orElseThrow()).peerIdentity()).isEqualTo(inviter.me().keyId());
    assertThat(inviter.pending()).isEmpty();
    assertThatThrownBy(() -> inviter.approve(remote.idText())).hasMessageContaining("no pending");
    Invitation declined = inviter.create("home", true);
    inviter.accept(Invitee.accept(declined, bob, "bob2", "home", BOB, SUITE, clock, none).message());
    assertThat(inviter.decline(declined.idText())).isTrue();
    assertThat(inviter.pending()).isEmpty();

    // a rule may approve remote acceptances by identity
    inviter.approvalRules(io.vettid.rules.DeclarativeRuleEngine.parse("[{\"id\": \"friends\", \"eventType\": "
        + "\"connection.request\", \"when\": [{\"field\": \"/identity\", \"op\": \"eq\", \"value\": \""
        + bob.keyId().value() + "\"}], \"action\": \"handle\", \"handler\": \"connections\"}]"));
    Invitation friendly = inviter.create("home", true);
    Invitee friend = Invitee.accept(friendly, bob, "bob2", "home", BOB, SUITE, clock, none);
    Invitations.Result auto = inviter.accept(friend.message());
    assertThat(auto.pendingId()).isEmpty();
    assertThat(friend.complete(auto.confirm().orElseThrow()).peerIdentity()).isEqualTo(inviter.me().keyId());
    Invitation stranger = inviter.create("home", true);
    assertThat(inviter.accept(Invitee.accept(stranger, identity("carol"), "carol2", "home", BOB, SUITE, clock, none)
        .message()).pendingId()).as("a stranger still waits").isPresent();
    inviter.decline(stranger.idText());

  }

  @Test
  void aBlockedIdentityIsRefusedAndASwappedKeyIsCaught() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    Identity alice = identity("alice");
    Identity bob = identity("bob");
    Identity mallory = identity("alice"); // claims to be alice, with her own key
    BlockList aliceBlocks = new BlockList();
    BlockList bobBlocks = new BlockList();
    Invitations inviter = new Invitations(alice, "alice3", ALICE, SUITE, aliceBlocks, clock);

    aliceBlocks.block(bob.keyId());
    Invitation inv = inviter.create("home", false);
    assertThatThrownBy(() -> inviter.accept(Invitee.accept(inv, bob, "bob3", "home", BOB, SUITE, clock, bobBlocks)
        .message())).hasMessageContaining("blocked");
    aliceBlocks.unblock(bob.keyId());

    // mallory saw the QR code and answers bob in alice's place: her profile is not the key the invitation names
    Invitation inv2 = inviter.create("home", false);
    Invitee invitee = Invitee.accept(inv2, bob, "bob3", "home", BOB, SUITE, clock, bobBlocks);
    ConnectionKeys malloryKeys = ConnectionKeys.generate(SUITE, new SecureRandom());
    byte[] fake = HandshakeMessage.build(HandshakeMessage.CONFIRM, inv2, mallory, malloryKeys, "alice3", "home",
        "conn-m", null, ALICE.issueUser("m", UserPermissions.ACCOUNT_OWNER),
        Invitations.sha256(invitee.message()),
        HandshakeMessage.toWrappingKey(malloryKeys.wrappingPublic(), new SecureRandom()), new SecureRandom());
    assertThatThrownBy(() -> invitee.complete(fake)).hasMessageContaining("UNEXPECTED_KEY");
    // the real confirmation still completes, and both sides see the same safety number
    Invitations.Result r = inviter.accept(invitee.message());
    Established b = invitee.complete(r.confirm().orElseThrow());
    Established a = r.established().orElseThrow();
    assertThat(a.safetyNumber()).isEqualTo(b.safetyNumber());
    // a connection key swapped by a third party changes the number
    assertThat(SafetyNumber.of(a.mine(), b.mine().signingPublic(), malloryKeys.wrappingPublic()))
        .isNotEqualTo(b.safetyNumber());

    // bob blocks alice: her next invitation is refused before anything is sent
    bobBlocks.block(alice.keyId());
    assertThatThrownBy(() -> Invitee.accept(inviter.create("home", false), bob, "bob3", "home", BOB, SUITE, clock,
        bobBlocks)).hasMessageContaining("blocked");
  }

  @Test
  void afterRevocationTheServerRefusesThePeerAndEventsSealedToDestroyedKeysAreQuarantined() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice4", clock); Vault bob = new Vault("bob4", clock)) {
      Established[] e = connect(alice, bob, clock);
      Established a = e[0];
      Established b = e[1];
      bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "before"));
      await(() -> alice.chats.contains("before"), "the chat before revocation");

      // alice revokes: the user she issued bob is revoked on the running server, her keys destroyed
      alice.account.revoke(alice.connections.link(a.local()).peerUser().orElseThrow());
      OP.push(NATS.connect(OP.systemUser(), NATS.options()), alice.account);
      assertThat(alice.connections.revokeAndTell(a.local())).as("bob was told").isTrue();
      await(() -> bob.connections.list().isEmpty(), "bob forgets the connection when told");
      assertThat(alice.connections.list()).isEmpty();
      Thread.sleep(1_500);
      assertThatThrownBy(() -> bob.connections.send(b.local(), CHAT,
          JsonNodeFactory.instance.objectNode().put("n", "after")))
          .isInstanceOfSatisfying(VettidException.class,
              x -> assertThat(x.reason()).isEqualTo(FailureReason.CONNECTION_REVOKED));
      // bob still holding the user alice issued: the server refuses it
      assertRefusedByTheServer(b.peerCredentials());

      // an event sealed to alice's destroyed key that still reaches her EventSpace is quarantined
      Sealer stale = Sealer.builder(SUITE, b.mine().signing(), b.peerWrapping(), b.peerDepositSubject()).build();
      InternalEvent late = InternalEvent.builder().type(CHAT).connectionId(b.remote())
          .payload(JsonNodeFactory.instance.objectNode().put("n", "late")).build();
      Connection aliceDeposits = alice.runtime.depositConnection().orElseThrow();
      aliceDeposits.jetStream().publish(b.peerDepositSubject(), stale.sealBytes(InternalEventCodec.encode(late)));
      await(() -> alice.runtime.counters().snapshot().quarantined().get(FailureReason.UNKNOWN_KEY_ID) == 1,
          "the late event quarantined");
      assertThat(alice.chats).containsExactly("before");
    }
  }

  /**
   * A connected peer asks for the profile with reply subjects aimed at the vault: its rules, the
   * JetStream API, its work queue, another connection's inbox. The responder answers only inside
   * the asker's own inbox; every other request is quarantined as FOREIGN_REPLY and changes nothing.
   */
  @Test
  void aPeerCannotAimTheProfileAnswerAnywhereButItsOwnInbox() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice10", clock); Vault bob = new Vault("bob10", clock)) {
      Established[] e = connect(alice, bob, clock);
      String profileSubject = io.vettid.nats.subjects.Subjects.profile("alice10", "home", e[0].local()).value();
      Connection asBobsUser = NATS.connect(b(e).peerCredentials(), NATS.options().inboxPrefix(b(e).peerInbox()));
      // before any profile is published, a request aimed elsewhere is refused, kept and counted too
      asBobsUser.publish(profileSubject, "$KV.Vault.rules", new byte[0]);
      asBobsUser.flush(Duration.ofSeconds(2));
      await(() -> alice.runtime.refusedProfileReplies() == 1, "the request made before a profile was published refused");
      // the refusal is counted before it is written to the quarantine: wait for the write too
      await(() -> {
        try {
          return alice.runtime.quarantine().list(10).size() == 1;
        } catch (java.io.IOException | io.nats.client.JetStreamApiException x) {
          return false;
        }
      }, "the refused request kept");
      assertThat(alice.runtime.quarantine().list(10)).singleElement()
          .satisfies(q -> assertThat(q.reason()).isEqualTo(FailureReason.FOREIGN_REPLY));
      alice.runtime.publishProfile(alice.identity.profile());
      bob.connections.send(b(e).local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "waiting"));
      await(() -> alice.chats.contains("waiting"), "a chat handled");
      io.nats.client.JetStreamManagement vault = alice.runtime.connection().jetStreamManagement();
      long handledRecords = vault.getStreamInfo("KV_EventHandlers").getStreamState().getMsgCount();
      String rulesBefore = alice.runtime.rules().orElseThrow().text();
      // the last sequence, not the count: what was handled may be removed meanwhile, what is added shows
      long queuedBefore = vault.getStreamInfo(io.vettid.nats.subjects.Subjects.DATA_VAULT_STREAM).getStreamState()
          .getLastSequence();
      java.util.List<String> aimed = java.util.List.of("$KV.Vault.rules", "$JS.API.STREAM.PURGE.Quarantine",
          "$JS.API.STREAM.PURGE.KV_EventHandlers", "$JS.API.STREAM.PURGE.KV_Vault",
          "$JS.API.STREAM.PURGE." + io.vettid.nats.subjects.Subjects.depositStream("alice10", "home"),
          io.vettid.nats.subjects.Subjects.DATA_VAULT_QUEUE.value(),
          io.vettid.nats.subjects.Subjects.inbox("alice10", "home", io.vettid.api.ConnectionId.of("someone-else"))
              .value() + ".x");
      for (String reply : aimed) {
        asBobsUser.publish(profileSubject, reply, new byte[0]);
      }
      asBobsUser.flush(Duration.ofSeconds(2));
      await(() -> alice.runtime.refusedProfileReplies() == aimed.size() + 1, "every aimed request refused");
      io.nats.client.Message answered = asBobsUser.request(profileSubject, new byte[0], Duration.ofSeconds(5));

      assertThat(answered).as("its own inbox is answered").isNotNull();
      assertThat(alice.runtime.rules().orElseThrow().text()).isEqualTo(rulesBefore);
      assertThat(vault.getStreamInfo("KV_EventHandlers").getStreamState().getMsgCount()).isEqualTo(handledRecords);
      assertThat(vault.getStreamInfo(io.vettid.nats.subjects.Subjects.DATA_VAULT_STREAM).getStreamState()
          .getLastSequence()).as("nothing injected into DataVault.Queue").isEqualTo(queuedBefore);
      assertThat(alice.runtime.quarantine().list(100)).hasSize(aimed.size() + 1)
          .allSatisfy(q -> assertThat(q.reason()).isEqualTo(FailureReason.FOREIGN_REPLY));
      assertThat(alice.runtime.counters().snapshot().quarantined().get(FailureReason.FOREIGN_REPLY))
          .isEqualTo(aimed.size() + 1);
    }
  }

  /** Low item of the review: a rotation whose announcement failed still revoked the old user after its grace. */
  @Test
  void aRotationWhoseAnnouncementFailsChangesNothing() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice11", clock); Vault bob = new Vault("bob11", clock)) {
      Established[] e = connect(alice, bob, clock);
      Established a = e[0];
      Established b = e[1];
      Connection sys = NATS.connect(OP.systemUser(), NATS.options());
      ConnectionRotation rotation = new ConnectionRotation(alice.connections, alice.account, Duration.ofMinutes(10),
          pushWith(sys));
      String oldUser = alice.connections.link(a.local()).peerUser().orElseThrow();
      io.vettid.api.KeyId oldKey = alice.connections.link(a.local()).wrappingKey().keyId();
      alice.connections.close(); // alice cannot reach bob's EventSpace now: the announcement fails

      assertThatThrownBy(() -> rotation.rotate(a.local())).isInstanceOf(VettidException.class);
      assertThat(alice.connections.link(a.local()).wrappingKey().keyId()).isEqualTo(oldKey);
      assertThat(alice.connections.link(a.local()).peerUser()).contains(oldUser);
      clock.advance(Duration.ofMinutes(11));
      rotation.maintain();
      assertThat(alice.account.isRevoked(oldUser)).as("the user bob deposits with").isFalse();
      bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "after-a-failed-rotation"));
      await(() -> alice.chats.contains("after-a-failed-rotation"), "bob still reaches alice, sealed to her old key");
    }
  }

  @Test
  void aPublishedProfileVerifiesAtThePeerAndATamperedOneIsQuarantinedWithItsReason() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice7", clock); Vault bob = new Vault("bob7", clock)) {
      Established[] e = connect(alice, bob, clock);
      alice.runtime.publishProfile(alice.identity.profile());
      bob.connections.send(e[1].local(), io.vettid.runtime.internal.handlers.ProfileRequestHandler.REQUEST,
          JsonNodeFactory.instance.objectNode().put("eventSpace", "home"));
      await(() -> bob.runtime.counters().snapshot().handled() == 1, "the verified profile taken by bob");
      // the same profile by request on the EventSpace's profile subject, as bob's connection user
      Connection asBobsUser = NATS.connect(b(e).peerCredentials(), NATS.options().inboxPrefix(b(e).peerInbox()));
      io.nats.client.Message reply = asBobsUser.request(
          io.vettid.nats.subjects.Subjects.profile("alice7", "home", e[0].local()).value(), new byte[0],
          Duration.ofSeconds(5));
      assertThat(reply).isNotNull();
      assertThat(SignedProfile.parse(reply.getData()).verify(HandshakeMessage::algorithm, alice.identity.keyId())
          .owner().firstName()).isEqualTo("alice7");

      // from here alice's vault answers no profile request itself: the test answers in its place
      long rev = alice.runtime.rules().orElseThrow().put(RULES.replace(
          "{\"id\": \"profiles\", \"eventType\": \"profile.request\", \"action\": \"handle\", \"handler\": \"profile-request\"},",
          ""));
      alice.runtime.rules().orElseThrow().awaitRevision(rev, Duration.ofSeconds(5));
      io.vettid.api.EventType response = io.vettid.runtime.internal.handlers.ProfileRequestHandler.RESPONSE;

      // alice's side (or anyone on the way) alters the profile: bob refuses it with the reason
      com.fasterxml.jackson.databind.node.ObjectNode tampered = (com.fasterxml.jackson.databind.node.ObjectNode)
          new com.fasterxml.jackson.databind.ObjectMapper().readTree(alice.identity.profile().bytes());
      ((com.fasterxml.jackson.databind.node.ObjectNode) tampered.get("profile").get("owner")).put("ageOver", 21);
      io.vettid.api.EventId asked = bob.connections.send(e[1].local(), io.vettid.runtime.internal.handlers.ProfileRequestHandler
          .REQUEST, JsonNodeFactory.instance.objectNode().put("eventSpace", "home"));
      alice.connections.send(e[0].local(), response, asked, profileBody(tampered), "tampered-" + asked.value());
      await(() -> bob.runtime.counters().snapshot().quarantined().get(FailureReason.BAD_SIGNATURE) == 1,
          "the tampered profile quarantined as BAD_SIGNATURE");
      assertThat(bob.runtime.quarantine().list(10)).singleElement()
          .satisfies(q -> assertThat(q.detail()).contains("does not verify"));

      // item 9 of the review: an answer nobody asked for, and a genuine profile of someone else
      alice.connections.send(e[0].local(), response, profileBody(new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(alice.identity.profile().bytes())));
      await(() -> bob.runtime.counters().snapshot().quarantined().get(FailureReason.UNSOLICITED) == 1,
          "an answer to no request quarantined as UNSOLICITED");
      Identity carol = identity("carol7");
      io.vettid.api.EventId askedAgain = bob.connections.send(e[1].local(),
          io.vettid.runtime.internal.handlers.ProfileRequestHandler.REQUEST, JsonNodeFactory.instance.objectNode());
      alice.connections.send(e[0].local(), response, askedAgain,
          profileBody(new com.fasterxml.jackson.databind.ObjectMapper().readTree(carol.profile().bytes())),
          "carol-" + askedAgain.value());
      await(() -> bob.runtime.counters().snapshot().quarantined().get(FailureReason.WRONG_KEY) == 1,
          "a verified profile of another identity quarantined as WRONG_KEY");
      assertThat(bob.runtime.counters().snapshot().handled()).as("only the genuine answer was taken").isEqualTo(1);

      // issue #26: alice's published profile lists no event type, so a poll.vote (a type a handler
      // of hers declares, not a built-in one) that no rule matches is quarantined as
      // UNSUPPORTED_EVENT_TYPE; once her profile lists it (read again within a second), as
      // NO_MATCHING_RULE
      long before = alice.runtime.counters().snapshot().quarantined().get(FailureReason.NO_MATCHING_RULE);
      EventType vote = EventType.of("poll.vote");
      bob.connections.send(e[1].local(), vote, JsonNodeFactory.instance.objectNode().put("choice", "a"));
      await(() -> alice.runtime.counters().snapshot().quarantined().get(FailureReason.UNSUPPORTED_EVENT_TYPE) == 1,
          "a type alice's profile does not list");
      Profile listing = Profile.builder("home", Profile.Owner.of("alice7", ID_ALG, alice.identity.keys().getPublic())
          .ageOver(18).location("Berlin area")).eventType(vote).build();
      alice.runtime.publishProfile(SignedProfile.sign(listing, ID_ALG, alice.identity.keys().getPrivate(),
          new SecureRandom()));
      Thread.sleep(1_100); // the list alice's vault read is a second old at most
      bob.connections.send(e[1].local(), vote, JsonNodeFactory.instance.objectNode().put("choice", "b"));
      await(() -> alice.runtime.counters().snapshot().quarantined().get(FailureReason.NO_MATCHING_RULE) == before + 1,
          "a listed type that no rule matches");
      assertThat(alice.runtime.counters().snapshot().quarantined().get(FailureReason.UNSUPPORTED_EVENT_TYPE))
          .isEqualTo(1);
    }
  }

  /** A handler of a type no built-in one declares: poll.vote (it does nothing). */
  static final EventHandlerFactory POLLS = new EventHandlerFactory() {
    @Override
    public String name() {
      return "polls";
    }

    @Override
    public Set<EventType> eventTypes() {
      return Set.of(EventType.of("poll.vote"));
    }

    @Override
    public io.vettid.api.spi.EventHandler create(io.vettid.api.spi.EventHandlerContext ctx) {
      return event -> ctx.finish();
    }
  };

  static com.fasterxml.jackson.databind.node.ObjectNode profileBody(com.fasterxml.jackson.databind.JsonNode profile) {
    com.fasterxml.jackson.databind.node.ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.set("profile", profile);
    return body;
  }

  @Test
  void aRestartedVaultRestoresItsConnectionsFromTheSealedStoreAlsoResealedUnderANewSecret() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    Identity aliceId = identity("alice8");
    try (Vault bob = new Vault("bob8", clock)) {
      Established a;
      Established b;
      String safety;
      try (Vault alice = new Vault("alice8", aliceId, secret, clock, null)) {
        Established[] e = connect(alice, bob, clock);
        a = e[0];
        b = e[1];
        // a rotation before the restart: the new key must survive it too
        alice.connections.send(a.local(), KeyRotationHandler.ROTATE,
            KeyRotationHandler.announce(alice.connections.link(a.local()).rotateWrappingKey()));
        await(() -> alice.runtime.counters().snapshot().handled() >= 1, "rotation acknowledged");
        safety = alice.connections.link(a.local()).safetyNumber();

        ConnectionStore store = new ConnectionStore(alice.runtime.connection(), secret);
        byte[] sealed = store.sealedBytes(a.local().value());
        String asText = new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1);
        char[] seed = a.peerCredentials().seed();
        assertThat(asText).as("sealed record").doesNotContain(new String(seed)).doesNotContain("signingPrivate")
            .doesNotContain(a.local().value());
        byte[] wrong = new byte[32];
        assertThatThrownBy(() -> new Connections().persistTo(
            new ConnectionStore(alice.runtime.connection(), wrong), CONNECTOR))
            .isInstanceOf(java.security.GeneralSecurityException.class);
      }
      // while alice is stopped, her vault secret is replaced: every entry sealed again under the new
      // one, the history under the old one purged
      byte[] newSecret = new byte[32];
      new SecureRandom().nextBytes(newSecret);
      try (Connection owner = NATS.connect(accountsOf("alice8").issueOwner("rekey"), NATS.options())) {
        assertThat(ConnectionStore.reseal(owner, secret, newSecret)).as("record, sealing and opening sessions")
            .isGreaterThanOrEqualTo(3);
        assertThat(owner.keyValue("Connections").history("conn." + a.local().value())).hasSize(1);
        assertThatThrownBy(() -> ConnectionStore.reseal(owner, secret, newSecret)).as("the old secret opens nothing")
            .isInstanceOf(java.security.GeneralSecurityException.class);
        assertThatThrownBy(() -> new Connections().persistTo(new ConnectionStore(owner, secret), CONNECTOR))
            .isInstanceOf(java.security.GeneralSecurityException.class);
      }
      int[] restored = new int[1];
      long bobSessions = bob.connections.link(b.local()).sealer.sessionsStarted();
      long bobHandled = bob.runtime.counters().snapshot().handled();
      try (Vault alice = new Vault("alice8", aliceId, newSecret, clock, restored)) {
        assertThat(restored[0]).isEqualTo(1);
        assertThat(alice.connections.link(a.local()).safetyNumber()).isEqualTo(safety);
        assertThat(alice.connections.link(a.local()).peerIdentity()).contains(bob.identity.keyId());
        bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "after-restart"));
        alice.connections.send(a.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "from-restored"));
        // the handler saw the chat before its commit counted it: wait for the count too
        await(() -> alice.chats.contains("after-restart") && bob.chats.contains("from-restored")
            && bob.runtime.counters().snapshot().handled() > bobHandled, "both ways after the restart");
        // the sessions were kept (sealed in the Connections bucket): both go on in them, nobody is
        // asked for a new one, and no event waits for a key block
        assertThat(bob.runtime.counters().snapshot().handled()).as("bob handled the chat only: no session.reset")
            .isEqualTo(bobHandled + 1);
        assertThat(bob.connections.link(b.local()).sealer.sessionsStarted()).as("bob's session goes on")
            .isEqualTo(bobSessions);
        assertThat(alice.connections.link(a.local()).sealer.sessionsStarted()).as("alice's session resumed")
            .isZero();
        assertThat(alice.runtime.counters().snapshot().quarantined().getOrDefault(FailureReason.UNKNOWN_SESSION, 0L))
            .isZero();
        assertThat(bob.runtime.counters().snapshot().quarantined().getOrDefault(FailureReason.UNKNOWN_SESSION, 0L))
            .isZero();
        io.nats.client.KeyValue kept = alice.runtime.connection().keyValue("Connections");
        java.util.List<String> batches = kept.keys().stream().filter(k -> k.startsWith("opens.")).toList();
        assertThat(batches).as("the opening sessions, in batches").isNotEmpty();
        for (String k : batches) {
          assertThat(new String(kept.get(k).getValue(), java.nio.charset.StandardCharsets.ISO_8859_1))
              .as("kept sealed").doesNotContain("subscriber.").doesNotContain(a.local().value());
        }
      }
    }
  }

  /**
   * Issue #22 (100,000 connections): a vault that keeps its connections in the sealed store and may
   * hold no connection's keys in memory ({@code keepKeysWarm(0)}): once idle, the connection's keys
   * are dropped (only the sealed record has them). Events of the open session, both ways, need no
   * key; a new session's key block reads the record once; the safety number is the same; a
   * restarted vault goes cold too and goes on in its kept sessions without reading a key. Without
   * the cold keys the first assertion fails (every connection keeps its keys).
   */
  @Test
  void anIdleConnectionKeepsItsKeysOnlyInTheSealedStoreAndReadsThemForANewSession() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    Identity aliceId = identity("alice30");
    try (Vault bob = new Vault("bob30", clock)) {
      Established a;
      Established b;
      try (Vault alice = new Vault("alice30", aliceId, secret, clock, null)) {
        assertThatThrownBy(() -> alice.connections.keepKeysWarm(-1)).isInstanceOf(IllegalArgumentException.class);
        alice.connections.keepKeysWarm(0);
        Established[] e = connect(alice, bob, clock);
        a = e[0];
        b = e[1];
        String safety = bob.connections.link(b.local()).safetyNumber();
        for (int i = 0; i < 3; i++) {
          alice.connections.send(a.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "a" + i));
          bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "b" + i));
        }
        await(() -> alice.chats.size() == 3 && bob.chats.size() == 3, "3 chats each way");
        await(() -> alice.connections.warmKeys() == 0, "alice's connection cold");
        Link link = alice.connections.link(a.local());
        assertThat(link.coldKeys()).as("only the keyIDs are kept").isNotNull();

        long loads = alice.connections.keyLoads();
        for (int i = 3; i < 6; i++) {
          alice.connections.send(a.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "a" + i));
          bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "b" + i));
        }
        await(() -> alice.chats.size() == 6 && bob.chats.size() == 6, "6 chats each way");
        assertThat(alice.connections.keyLoads()).as("the open sessions need no key").isEqualTo(loads);
        assertThat(alice.connections.warmKeys()).isZero();

        // an envelope to a keyID that is not the connection's never reads the store
        io.vettid.crypto.PublicKeyEntry stranger = io.vettid.crypto.PublicKeyEntry.of(SUITE.wrap(),
            SUITE.wrap().generateKeyPair(new SecureRandom()).getPublic());
        ConnectionKeys forged = ConnectionKeys.generate(SUITE, new SecureRandom());
        byte[] toStranger = Sealer.builder(SUITE, forged.signing(), stranger, b.peerDepositSubject()).build()
            .sealBytes("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThatThrownBy(() -> alice.connections.opener().open(toStranger, b.peerDepositSubject()))
            .isInstanceOfSatisfying(io.vettid.crypto.envelope.EnvelopeException.class,
                x -> assertThat(x.reason()).isEqualTo(FailureReason.UNKNOWN_KEY_ID));
        assertThat(alice.connections.keyLoads()).as("an unknown keyID reads nothing").isEqualTo(loads);

        // a new session: its key block needs alice's wrapping key and bob's signing key, read once
        bob.connections.link(b.local()).newSession();
        bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "new-session"));
        await(() -> alice.chats.contains("new-session"), "the new session's event");
        assertThat(alice.connections.keyLoads()).as("one read of the record").isEqualTo(loads + 1);
        assertThat(alice.connections.link(a.local()).safetyNumber()).isEqualTo(safety);
        await(() -> alice.connections.warmKeys() == 0, "cold again");
      }
      long bobSessions = bob.connections.link(b.local()).sealer.sessionsStarted();
      try (Vault alice = new Vault("alice30", aliceId, secret, clock, new int[1])) {
        alice.connections.keepKeysWarm(0);
        await(() -> alice.connections.warmKeys() == 0, "the restored connection cold");
        bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "after-restart"));
        await(() -> alice.chats.contains("after-restart"), "the kept session's event after the restart");
        assertThat(alice.connections.keyLoads()).as("the kept session needs no key").isZero();
        assertThat(bob.connections.link(b.local()).sealer.sessionsStarted()).isEqualTo(bobSessions);
      }
    }
  }

  /**
   * A cold connection whose sealed record no longer holds the keys it had (here: the peer's
   * wrapping key replaced in the record) does not use them: reading them fails with the reason,
   * and so does sealing a new session to the peer. A rotation of a cold connection reads its keys
   * and keeps them in memory while the previous key is in its grace.
   */
  @Test
  void aColdConnectionRefusesARecordThatDoesNotHoldItsKeysAndStaysWarmWhileARotationIsUnderWay() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    try (Vault bob = new Vault("bob31", clock);
        Vault alice = new Vault("alice31", identity("alice31"), secret, clock, null)) {
      alice.connections.keepKeysWarm(0);
      Established[] e = connect(alice, bob, clock);
      Established a = e[0];
      ConnectionStore store = new ConnectionStore(alice.runtime.connection(), secret);
      await(() -> alice.connections.warmKeys() == 0, "cold");

      // a rotation: read, changed, saved; warm while the previous key is in its grace
      io.vettid.crypto.PublicKeyEntry rotated = alice.connections.link(a.local()).rotateWrappingKey();
      Thread.sleep(Connections.MIN_WARM.toMillis() + 100); // idle long enough: only the rotation keeps it warm
      assertThat(alice.connections.coolDown()).isZero();
      assertThat(alice.connections.warmKeys()).isEqualTo(1);
      assertThat(alice.connections.link(a.local()).wrappingKey()).isEqualTo(rotated);
      alice.connections.link(a.local()).retireAfter(Duration.ZERO);
      await(() -> alice.connections.warmKeys() == 0, "cold once the previous key retired");
      assertThat(alice.connections.link(a.local()).coldKeys().wrapping()).isEqualTo(rotated.keyId());

      // the record altered: the peer's wrapping key is another one
      replacePeerWrappingKey(store, a.local());
      Link link = alice.connections.link(a.local());
      assertThatThrownBy(link::safetyNumber).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("does not hold the keys it had");
      link.newSession();
      assertThatThrownBy(() -> link.sealer.sealBytes(new byte[1])).isInstanceOf(java.security.GeneralSecurityException.class)
          .hasMessageContaining("does not hold the keys it had");
      assertThat(link.coldKeys()).as("still cold: nothing of the record was taken").isNotNull();
    }
  }

  /**
   * A revoked connection's opening sessions (their AES keys) leave the store's batches: the
   * revocation writes a snapshot of the other connections' sessions, and the batches before it,
   * which held the revoked one's, are purged. Without the snapshot the restarted store would still
   * find them.
   */
  @Test
  void aRevokedConnectionsOpeningSessionsLeaveTheStoreWithTheSnapshotItsRevocationWrites() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    try (Vault bob = new Vault("bob33", clock);
        Vault alice = new Vault("alice33", identity("alice33"), secret, clock, null)) {
      Established[] e = connect(alice, bob, clock);
      Established a = e[0];
      bob.connections.send(e[1].local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "kept"));
      await(() -> alice.chats.contains("kept"), "the chat handled");
      await(() -> {
        try {
          return new ConnectionStore(alice.runtime.connection(), secret).openings(a.local()) != null;
        } catch (java.security.GeneralSecurityException | java.io.IOException x) {
          return false;
        }
      }, "the opening session written in a batch");
      assertThat(alice.connections.sessionSnapshots()).isZero();

      assertThat(alice.connections.revoke(a.local())).isTrue();
      await(() -> alice.connections.sessionSnapshots() == 1, "the snapshot the revocation writes");
      ConnectionStore restarted = new ConnectionStore(alice.runtime.connection(), secret);
      assertThat(restarted.preloadSessions()).as("no connection's opening sessions are kept").isZero();
      assertThat(restarted.openings(a.local())).isNull();
      assertThat(alice.runtime.connection().keyValue("Connections").keys())
          .as("the batch that held them is purged").noneMatch(k -> k.startsWith("opens."));
    }
  }

  /** Alters a connection's sealed record: the peer's wrapping key in it becomes another one. */
  private static void replacePeerWrappingKey(ConnectionStore store, io.vettid.api.ConnectionId local) throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode record =
        (com.fasterxml.jackson.databind.node.ObjectNode) store.get(local.value());
    record.put("peerWrapping", java.util.Base64.getEncoder().encodeToString(
        SUITE.wrap().generateKeyPair(new SecureRandom()).getPublic().getEncoded()));
    store.put(local.value(), record);
  }

  /**
   * A cold connection whose sealed record no longer holds its keys (here the peer's wrapping key
   * replaced) receives a key block that needs them: the deposit is quarantined as
   * UNKNOWN_KEY_ID with the reason, once, and not given back to come again for ever (a store that
   * cannot be read now would give it back; a record that holds other keys will not change).
   */
  @Test
  void aDepositNeedingKeysAColdRecordNoLongerHoldsIsQuarantinedOnceNotRedelivered() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    try (Vault bob = new Vault("bob32", clock);
        Vault alice = new Vault("alice32", identity("alice32"), secret, clock, null)) {
      alice.connections.keepKeysWarm(0);
      Established[] e = connect(alice, bob, clock);
      Established a = e[0];
      await(() -> alice.connections.warmKeys() == 0, "cold");
      ConnectionStore store = new ConnectionStore(alice.runtime.connection(), secret);
      replacePeerWrappingKey(store, a.local());

      // bob opens a new session: its key block needs alice's wrapping key, which her record no
      // longer gives. That will not change by itself, so the deposit is quarantined with the reason,
      // not given back to come again for ever (a store that cannot be read now would be)
      long deferredBefore = alice.runtime.counters().snapshot().deferred();
      Link bobs = bob.connections.link(e[1].local());
      bobs.newSession();
      bob.connections.send(e[1].local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "to-a-refused-record"));
      await(() -> alice.runtime.counters().snapshot().quarantined().get(FailureReason.UNKNOWN_KEY_ID) == 1,
          "the deposit quarantined as UNKNOWN_KEY_ID");
      await(() -> {
        try {
          return alice.runtime.quarantine().list(10).size() == 1;
        } catch (java.io.IOException | io.nats.client.JetStreamApiException x) {
          return false;
        }
      }, "its quarantine entry written");
      assertThat(alice.runtime.quarantine().list(10)).singleElement().satisfies(q -> {
        assertThat(q.reason()).isEqualTo(FailureReason.UNKNOWN_KEY_ID);
        assertThat(q.detail()).contains("does not hold the keys it had");
      });
      Thread.sleep(1_000); // long enough for a deposit given back to come again
      assertThat(alice.runtime.counters().snapshot().deferred()).as("not given back").isEqualTo(deferredBefore);
      assertThat(alice.runtime.counters().snapshot().quarantined().get(FailureReason.UNKNOWN_KEY_ID))
          .as("quarantined once").isEqualTo(1);
      assertThat(alice.chats).doesNotContain("to-a-refused-record");
    }
  }

  /**
   * Issue #20: the account signing key that signs peers' users is rotated while bob keeps sending:
   * his user, signed by the earlier key, keeps working (the earlier key stays listed until its users
   * expired); the connection's next rotation gives him a user signed by the new key; nothing is lost.
   */
  @Test
  void anAccountSigningKeyRotatedUnderTrafficLosesNothingAndSignsTheNextUsers() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice17", clock); Vault bob = new Vault("bob17", clock)) {
      Established[] e = connect(alice, bob, clock);
      Established a = e[0];
      Established b = e[1];
      Connection sys = NATS.connect(OP.systemUser(), NATS.options());
      java.util.List<String> sent = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      Thread sender = new Thread(() -> {
        for (int i = 0; !stop.get(); i++) {
          try {
            String text = "signing-key-" + i;
            bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", text));
            sent.add(text);
            Thread.sleep(25);
          } catch (Exception x) {
            throw new IllegalStateException(x);
          }
        }
      }, "bob17-sender");
      sender.start();
      try (ConnectionRotation rotation = new ConnectionRotation(alice.connections, alice.account, Duration.ofSeconds(1),
          pushWith(sys))) {
        Thread.sleep(500);
        String first = alice.account.rotateSigningKey();
        pushWith(sys).accept(alice.account);
        Thread.sleep(500);
        String second = alice.account.rotateSigningKey();
        pushWith(sys).accept(alice.account);
        assertThat(alice.account.retireSigningKeys()).as("the first key signed no user: retired at once")
            .containsExactly(first);
        pushWith(sys).accept(alice.account);
        String oldUser = alice.connections.link(a.local()).peerUser().orElseThrow();
        rotation.rotate(a.local());
        await(() -> !bob.connections.link(b.local()).peerCredentials().orElseThrow().publicKey().equals(oldUser),
            "bob has the user of the rotation");
        String jwt = bob.connections.link(b.local()).peerCredentials().orElseThrow().jwt();
        com.fasterxml.jackson.databind.JsonNode claims = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
            java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
        assertThat(claims.path("iss").asText()).as("signed by the current signing key").isEqualTo(second);
        assertThat(claims.at("/nats/issuer_account").asText()).isEqualTo(alice.account.publicKey());
        Thread.sleep(1_500); // the old user's grace, traffic going on
        assertThat(rotation.maintain()).as("the old user's revocation pushed").isTrue();
        Thread.sleep(500);
      } finally {
        stop.set(true);
        sender.join();
      }
      java.util.List<String> all = java.util.List.copyOf(sent);
      assertThat(all.size()).isGreaterThan(50);
      await(() -> alice.chats.containsAll(all), "every message sent across the rotations handled");
      assertThat(alice.runtime.counters().snapshot().quarantined().values()).containsOnly(0L);
      assertThat(alice.account.signingKeys()).as("the key that signed bob's users stays listed").hasSize(1);
    }
  }

  /**
   * Issue #20: the users the runtime issues itself expire; the server closes their connections when
   * they do, and the runtime reconnects with a JWT issued again for the same key, losing nothing.
   * Here they are valid for 3 seconds while bob's messages keep coming for 9.
   */
  @Test
  void theRuntimesOwnUsersExpireAndAreRenewedWhileEventsKeepComing() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice16", identity("alice16"), null, clock, null, Duration.ofSeconds(3));
        Vault bob = new Vault("bob16", clock)) {
      Established[] e = connect(alice, bob, clock);
      Established b = e[1];
      java.util.List<String> sent = new java.util.ArrayList<>();
      for (int i = 0; i < 30; i++) {
        String text = "through-expiry-" + i;
        bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", text));
        sent.add(text);
        Thread.sleep(300);
      }
      await(() -> alice.chats.containsAll(sent), "every message handled across the expiries");
      assertThat(alice.runtime.connection().getStatistics().getReconnects())
          .as("the server closed the expired user's connection, which came back with a renewed JWT")
          .isGreaterThanOrEqualTo(1);
      assertThat(alice.runtime.counters().snapshot().quarantined().values()).containsOnly(0L);
    }
  }

  @Test
  void aScheduledRotationAlsoGivesThePeerANewNatsUserAndRevokesTheOldOneAfterTheGrace() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice9", clock); Vault bob = new Vault("bob9", clock)) {
      Established[] e = connect(alice, bob, clock);
      Established a = e[0];
      Established b = e[1];
      Connection sys = NATS.connect(OP.systemUser(), NATS.options());
      try (ConnectionRotation rotation = new ConnectionRotation(alice.connections, alice.account, Duration.ofSeconds(1),
          pushWith(sys))) {
        assertThat(rotation.rotateDue(Duration.ofDays(30))).isEmpty();
        // the user alice issued bob in the handshake expires: the server refuses it after 90 days
        assertValidFor(b.peerCredentials(), Connections.PEER_USER_VALIDITY);
        clock.advance(Duration.ofDays(31));
        String oldUser = alice.connections.link(a.local()).peerUser().orElseThrow();
        assertThat(rotation.rotateDue(Duration.ofDays(30))).containsExactly(a.local());
        await(() -> alice.runtime.counters().snapshot().handled() >= 1, "bob acknowledged the rotation");
        assertThat(alice.connections.link(a.local()).peerUser().orElseThrow()).isNotEqualTo(oldUser);
        // and so does the one the rotation gave him, 90 days from its issue, long after the next rotation
        assertValidFor(bob.connections.link(b.local()).peerCredentials().orElseThrow(), Connections.PEER_USER_VALIDITY);
        assertThat(alice.connections.link(a.local()).safetyNumber()).isEqualTo(bob.connections.link(b.local()).safetyNumber());

        Thread.sleep(1_200); // the grace of the old user
        assertThat(rotation.maintain()).as("the old user's revocation pushed").isTrue();
        assertThat(alice.account.isRevoked(oldUser)).isTrue();
        assertRefusedByTheServer(b.peerCredentials());

        bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "with-the-new-user"));
        alice.connections.send(a.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "to-the-new-key"));
        await(() -> alice.chats.contains("with-the-new-user") && bob.chats.contains("to-the-new-key"),
            "both ways after the rotation");
      }
    }
  }

  @Test
  void blockingAConnectedIdentityStopsItsEvents() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice6", clock); Vault bob = new Vault("bob6", clock)) {
      Established[] e = connect(alice, bob, clock);
      bob.connections.send(e[1].local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "1"));
      await(() -> alice.chats.contains("1"), "the first chat");
      assertThat(alice.connections.block(bob.identity.keyId())).containsExactly(e[0].local());
      bob.connections.send(e[1].local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "2"));
      await(() -> alice.runtime.counters().snapshot().quarantinedTotal() == 1, "the blocked peer's event quarantined");
      assertThat(alice.chats).containsExactly("1");
    }
  }

  @Test
  void rotationDuringContinuousTrafficLosesNothingAndHandlesNothingTwice() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice5", clock); Vault bob = new Vault("bob5", clock)) {
      Established[] e = connect(alice, bob, clock);
      Established a = e[0];
      Established b = e[1];
      String before = alice.connections.link(a.local()).safetyNumber();
      int n = 200;
      for (int i = 0; i < n; i++) {
        bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", String.valueOf(i)));
        if (i == n / 2) {
          // alice rotates the key bob seals to, in the middle of bob's stream
          alice.connections.send(a.local(), KeyRotationHandler.ROTATE,
              KeyRotationHandler.announce(alice.connections.link(a.local()).rotateWrappingKey()));
        }
      }
      await(() -> alice.chats.size() == n, n + " chats handled");
      await(() -> bob.runtime.counters().snapshot().handled() >= 1 && alice.runtime.counters().snapshot().handled()
          >= n + 1, "rotation handled and acknowledged");
      assertThat(alice.chatCalls.get()).as("handled twice").isEqualTo(n);
      assertThat(alice.runtime.counters().snapshot().quarantinedTotal()).isZero();
      assertThat(bob.runtime.counters().snapshot().quarantinedTotal()).isZero();
      assertThat(alice.connections.link(a.local()).safetyNumber()).as("a new key, a new safety number")
          .isNotEqualTo(before).isEqualTo(bob.connections.link(b.local()).safetyNumber());
    }
  }

  /**
   * Fault suite (issue #20): a vault stopped right after it announced a rotation, before the peer's
   * acknowledgement came back, while the peer goes on sending (first to the previous key, then to
   * the new one). Restarted, it has both keys (the ring is kept) and its sessions (kept too), takes
   * the acknowledgement and every event: none lost, none twice, none quarantined.
   */
  @Test
  void aVaultRestartedWhileItsRotationIsInFlightLosesNothing() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    Identity aliceId = identity("alice12");
    int n = 60;
    java.util.Set<String> seen = new java.util.HashSet<>();
    int calls = 0;
    long[] handledBefore = new long[1];
    long[] bobHandled = new long[1];
    try (Vault bob = new Vault("bob12", clock)) {
      Established a;
      Established b;
      String announced;
      Vault first = new Vault("alice12", aliceId, secret, clock, null);
      try {
        Vault alice = first;
        Established[] e = connect(alice, bob, clock);
        a = e[0];
        b = e[1];
        for (int i = 0; i < n / 2; i++) {
          bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", String.valueOf(i)));
        }
        await(() -> alice.chats.size() == n / 2, "the first half");
        bobHandled[0] = bob.runtime.counters().snapshot().handled();
        io.vettid.crypto.PublicKeyEntry next = alice.connections.link(a.local()).rotateWrappingKey();
        announced = next.keyId().value();
        alice.connections.send(a.local(), KeyRotationHandler.ROTATE, KeyRotationHandler.announce(next));
        // stopped at once: bob's acknowledgement most often waits in alice's deposit stream (taken
        // after the restart), else it is taken now; either way it is taken once
        seen.addAll(alice.chats);
        calls += alice.chatCalls.get();
      } finally {
        first.close();
      }
      handledBefore[0] = first.runtime.counters().snapshot().handled();
      await(() -> bob.runtime.counters().snapshot().handled() > bobHandled[0], "bob takes the rotation");
      for (int i = n / 2; i < n; i++) {
        bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", String.valueOf(i)));
      }
      assertThat(bob.connections.link(b.local()).held().peerWrapping.keyId().value()).as("bob seals to the new key")
          .isEqualTo(announced);
      int[] restored = new int[1];
      try (Vault alice = new Vault("alice12", aliceId, secret, clock, restored)) {
        assertThat(restored[0]).isEqualTo(1);
        // n chats and one acknowledgement in all, across the two runs
        await(() -> alice.chats.size() == n / 2
            && handledBefore[0] + alice.runtime.counters().snapshot().handled() == n + 1,
            "the second half and the acknowledgement");
        seen.addAll(alice.chats);
        calls += alice.chatCalls.get();
        assertThat(alice.runtime.counters().snapshot().quarantinedTotal()).as("quarantined at alice").isZero();
        assertThat(bob.runtime.counters().snapshot().quarantinedTotal()).as("quarantined at bob").isZero();
        assertThat(alice.connections.link(a.local()).wrappingKey().keyId().value()).isEqualTo(announced);
        assertThat(alice.connections.link(a.local()).safetyNumber())
            .isEqualTo(bob.connections.link(b.local()).safetyNumber());
      }
    }
    assertThat(seen).as("every chat, once").hasSize(n);
    assertThat(calls).as("handled twice").isEqualTo(n);
  }

  /**
   * Fault suite (issue #20): the clock jumps a month ahead while a peer keeps sending. The
   * scheduled rotation runs at once (wrapping key, signing key, NATS user); the rotating side signs
   * with its new key once the peer acknowledged, and the peer accepts the previous signing key only
   * for a grace after it saw the new one. Another jump ends the graces and the previous keys are
   * destroyed. Nothing is lost, handled twice or quarantined: the peer's events sealed to the
   * previous wrapping key were deposited before its acknowledgement, so they were opened before
   * the grace began.
   */
  @Test
  void aClockJumpedPastARotationLosesNothing() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    int n = 120;
    try (Vault alice = new Vault("alice13", clock); Vault bob = new Vault("bob13", clock)) {
      Established[] e = connect(alice, bob, clock);
      Established a = e[0];
      Established b = e[1];
      Connection sys = NATS.connect(OP.systemUser(), NATS.options());
      java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
      Thread sender = new Thread(() -> {
        try {
          for (int i = 0; i < n; i++) {
            bob.connections.send(b.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", String.valueOf(i)));
            Thread.sleep(10);
          }
        } catch (Exception ex) {
          failed.set(ex);
        }
      });
      try (ConnectionRotation rotation = new ConnectionRotation(alice.connections, alice.account, Duration.ofSeconds(1),
          pushWith(sys))) {
        sender.start();
        await(() -> alice.chats.size() >= n / 4, "a quarter of the chats");
        io.vettid.api.KeyId old = alice.connections.link(a.local()).wrappingKey().keyId();
        io.vettid.crypto.PrivateKeyEntry oldSigning = alice.connections.link(a.local()).held().signing;
        clock.advance(Duration.ofDays(31)); // past the rotation's due date
        assertThat(rotation.rotateDue(Duration.ofDays(30))).containsExactly(a.local());
        await(() -> alice.runtime.counters().snapshot().handled() > alice.chatCalls.get(),
            "bob's acknowledgement taken");
        // the signing key rotated with the wrapping key: alice signs with the new one, bob knows it
        io.vettid.api.KeyId newSigning = alice.connections.link(a.local()).held().signingPublic.keyId();
        assertThat(newSigning).isNotEqualTo(oldSigning.keyId());
        assertThat(bob.connections.link(b.local()).held().peerSigning.keyId()).isEqualTo(newSigning);
        alice.connections.send(a.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "signed-anew"));
        await(() -> bob.chats.contains("signed-anew"), "a new session signed with the new key opens at bob");
        assertThat(bob.connections.link(b.local()).peerSigningPreviousUntil).as("previous key: grace shortened")
            .isBefore(clock.instant().plus(Duration.ofMinutes(11)));
        // a key block signed with alice's previous key still opens at bob within its grace...
        String atBob = b.ownDepositSubject();
        byte[] late = io.vettid.crypto.envelope.Sealer.builder(SUITE, oldSigning,
            bob.connections.link(b.local()).wrappingKey(), atBob).build().seal(io.vettid.api.InternalEvent.builder()
            .type(CHAT).connectionId(b.local()).payload(JsonNodeFactory.instance.objectNode().put("n", "late")).build())
            .sealed();
        assertThat(bob.connections.opener().open(late.clone(), atBob).sender()).isEqualTo(oldSigning.keyId());
        clock.advance(Duration.ofDays(1)); // past the previous key's grace
        Thread.sleep(1_200); // and the previous user's
        rotation.maintain();
        assertThat(alice.connections.link(a.local()).held().wrapping.privateKey(old)).as("the previous key destroyed")
            .isEmpty();
        // ...and not after it: a key block signed with it is refused
        byte[] afterGrace = io.vettid.crypto.envelope.Sealer.builder(SUITE, oldSigning,
            bob.connections.link(b.local()).wrappingKey(), atBob).build().seal(io.vettid.api.InternalEvent.builder()
            .type(CHAT).connectionId(b.local()).payload(JsonNodeFactory.instance.objectNode().put("n", "x")).build())
            .sealed();
        assertThatThrownBy(() -> bob.connections.opener().open(afterGrace, atBob))
            .isInstanceOfSatisfying(io.vettid.crypto.envelope.EnvelopeException.class,
                ex -> assertThat(ex.reason()).isEqualTo(FailureReason.UNKNOWN_KEY_ID));
        sender.join(60_000);
        assertThat(failed.get()).as("bob's sends").isNull();
        await(() -> alice.chats.size() == n, "every chat");
        assertThat(alice.chatCalls.get()).as("handled twice").isEqualTo(n);
        assertThat(alice.runtime.counters().snapshot().quarantinedTotal()).as("quarantined at alice").isZero();
        assertThat(bob.runtime.counters().snapshot().quarantinedTotal()).as("quarantined at bob").isZero();
      } finally {
        sys.close();
      }
    }
  }

  /**
   * Issue #20, identity rotation: alice rotates her identity key twice while bob's vault is
   * stopped and her chats to him keep coming; an invitation she handed out before the first
   * rotation is accepted after it (confirmed with the key it names). Bob, back, follows the chain
   * from the key he pinned, each chat is handled once, alice's profile verifies under her newest
   * key and a profile signed with her first key is refused.
   */
  @Test
  void anIdentityRotatedTwiceWhileAPeerIsOfflineIsFollowedThroughItsChain() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    Identity bobId = identity("bob14");
    int n = 60;
    try (Vault alice = new Vault("alice14", clock); Vault carol = new Vault("carol14", clock)) {
      Identity first = alice.identity;
      Established a;
      Established b;
      Invitations inviter = alice.invitations(clock);
      Invitation handedOut = inviter.create("home", false); // names alice's first key
      try (Vault bob = new Vault("bob14", bobId, secret, clock, null)) {
        Established[] e = connect(alice, bob, clock);
        a = e[0];
        b = e[1];
      }
      // bob is offline: alice's chats and rotations wait in his deposit stream
      Identity second = first.rotate(ID_ALG.generateKeyPair(new SecureRandom()), new SecureRandom());
      Identity third;
      for (int i = 0; i < n; i++) {
        alice.connections.send(a.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", String.valueOf(i)));
        if (i == n / 3) {
          assertThat(alice.connections.identityRotated(second)).as("peers told").isEqualTo(1);
          inviter.identityRotated(second);
          alice.runtime.publishProfile(second.profile());
        }
      }
      // the invitation handed out before the rotation still works, confirmed with the key it names
      Invitee invitee = Invitee.accept(Invitation.parse(handedOut.toUri()), carol.identity, carol.guid, "home",
          carol.account, SUITE, clock, carol.blocks);
      Invitations.Result r = inviter.accept(invitee.message());
      Established withCarol = r.established().orElseThrow();
      Established carolsView = invitee.complete(r.confirm().orElseThrow());
      assertThat(carolsView.peerIdentity()).isEqualTo(first.keyId());
      assertThat(withCarol.ownIdentity()).isEqualTo(first.keyId());
      carol.connections.add(carolsView, CONNECTOR);
      alice.connections.add(withCarol, CONNECTOR);
      // alice tells carol the rotation since the key she pinned once she hears from her (carol's
      // side may not exist yet when alice's does)
      assertThat(alice.connections.link(withCarol.local()).ownIdentity()).contains(first.keyId());
      carol.connections.send(carolsView.local(), CHAT, JsonNodeFactory.instance.objectNode().put("n", "hello"));
      await(() -> carol.connections.link(carolsView.local()).peerIdentity().orElseThrow().equals(second.keyId()),
          "carol follows alice's rotation");
      third = second.rotate(ID_ALG.generateKeyPair(new SecureRandom()), new SecureRandom());
      assertThat(alice.connections.identityRotated(third)).as("peers told").isEqualTo(2);
      alice.runtime.publishProfile(third.profile());
      await(() -> carol.connections.link(carolsView.local()).peerIdentity().orElseThrow().equals(third.keyId()),
          "carol follows the second rotation");
      await(() -> alice.connections.link(withCarol.local()).ownIdentity().filter(third.keyId()::equals).isPresent(),
          "carol's acknowledgement reached alice"); // else the day below finds her unacknowledged too
      // bob never acknowledged: the second announcement carried both rotations since his key
      assertThat(alice.connections.link(a.local()).ownIdentity()).contains(first.keyId());
      assertThat(alice.connections.tellIdentity()).as("told lately: not again").isZero();
      clock.advance(Duration.ofHours(25));
      assertThat(alice.connections.tellIdentity()).as("no acknowledgement within a day: bob told again").isEqualTo(1);

      int[] restored = new int[1];
      try (Vault bob = new Vault("bob14", bobId, secret, clock, restored)) {
        assertThat(restored[0]).isEqualTo(1);
        await(() -> bob.chats.size() == n, "every chat at bob");
        await(() -> bob.connections.link(b.local()).peerIdentity().orElseThrow().equals(third.keyId()),
            "bob pins alice's newest key");
        await(() -> alice.connections.link(a.local()).ownIdentity().orElseThrow().equals(third.keyId()),
            "bob's acknowledgement taken");
        assertThat(bob.chatCalls.get()).as("handled twice").isEqualTo(n);
        long handled = bob.runtime.counters().snapshot().handled();
        bob.connections.send(b.local(), io.vettid.runtime.internal.handlers.ProfileRequestHandler.REQUEST,
            JsonNodeFactory.instance.objectNode().put("eventSpace", "home"));
        await(() -> bob.runtime.counters().snapshot().handled() == handled + 1,
            "alice's re-signed profile verifies at bob");
        assertThat(bob.runtime.counters().snapshot().quarantinedTotal()).as("quarantined at bob").isZero();
        assertThat(carol.runtime.counters().snapshot().quarantinedTotal()).as("quarantined at carol").isZero();
        assertThat(alice.runtime.counters().snapshot().quarantinedTotal()).as("quarantined at alice").isZero();

        // a profile signed with alice's first key is refused now
        long rev = alice.runtime.rules().orElseThrow().put(RULES.replace(
            "{\"id\": \"profiles\", \"eventType\": \"profile.request\", \"action\": \"handle\", \"handler\": \"profile-request\"},",
            ""));
        alice.runtime.rules().orElseThrow().awaitRevision(rev, Duration.ofSeconds(5));
        io.vettid.api.EventId asked = bob.connections.send(b.local(),
            io.vettid.runtime.internal.handlers.ProfileRequestHandler.REQUEST, JsonNodeFactory.instance.objectNode());
        alice.connections.send(a.local(), io.vettid.runtime.internal.handlers.ProfileRequestHandler.RESPONSE, asked,
            profileBody(new com.fasterxml.jackson.databind.ObjectMapper().readTree(first.profile().bytes())),
            "old-" + asked.value());
        await(() -> bob.runtime.counters().snapshot().quarantined().get(FailureReason.WRONG_KEY) == 1,
            "the first key's profile quarantined as WRONG_KEY");
      }
    }
  }

  /**
   * Identity rotation refusals: a chain that does not lead from the key the peer pinned, or whose
   * rotation is not signed by the key it replaces, is quarantined with its reason and the peer
   * keeps its pin.
   */
  @Test
  void aForgedIdentityRotationIsQuarantinedAndThePinStays() throws Exception {
    ShiftedClock clock = new ShiftedClock();
    try (Vault alice = new Vault("alice15", clock); Vault bob = new Vault("bob15", clock)) {
      Established[] e = connect(alice, bob, clock);
      Established a = e[0];
      Established b = e[1];
      // mallory's key "replaces" a key bob never pinned: the chain does not lead from alice's key
      Identity mallory = identity("alice15");
      Identity mallorysNext = mallory.rotate(ID_ALG.generateKeyPair(new SecureRandom()), new SecureRandom());
      alice.connections.send(a.local(), io.vettid.runtime.internal.handlers.IdentityRotationHandler.ROTATE,
          io.vettid.runtime.internal.handlers.IdentityRotationHandler.announce(mallorysNext.chain()));
      await(() -> bob.runtime.counters().snapshot().quarantined().get(FailureReason.WRONG_KEY) == 1,
          "a chain from another key quarantined as WRONG_KEY");
      // a rotation from alice's key signed by mallory's key in the place of alice's
      Identity honest = alice.identity.rotate(ID_ALG.generateKeyPair(new SecureRandom()), new SecureRandom());
      com.fasterxml.jackson.databind.node.ObjectNode forged =
          io.vettid.runtime.internal.handlers.IdentityRotationHandler.announce(honest.chain());
      String byMallory = new com.fasterxml.jackson.databind.ObjectMapper().readTree(mallorysNext.chain().bytes())
          .get(0).get("signatures").get("previous").asText();
      ((com.fasterxml.jackson.databind.node.ObjectNode) forged.get("chain").get(0).get("signatures"))
          .put("previous", byMallory);
      alice.connections.send(a.local(), io.vettid.runtime.internal.handlers.IdentityRotationHandler.ROTATE, forged);
      await(() -> bob.runtime.counters().snapshot().quarantined().get(FailureReason.BAD_SIGNATURE) == 1,
          "a rotation not signed by the replaced key quarantined as BAD_SIGNATURE");
      assertThat(bob.connections.link(b.local()).peerIdentity()).contains(alice.identity.keyId());
      assertThat(bob.runtime.counters().snapshot().handled()).as("nothing taken").isZero();
    }
  }
}
