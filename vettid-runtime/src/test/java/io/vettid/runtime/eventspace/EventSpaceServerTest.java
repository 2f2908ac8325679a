package io.vettid.runtime.eventspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.PublishAck;
import io.vettid.api.ConnectionId;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.SignedRequest;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserLimits;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.testkit.Refusals;
import io.vettid.testkit.ShiftedClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An EventSpace server, a real {@code nats-server} in operator mode with its Concierge on NATS:
 * vaults register with one-time tokens and keep their accounts' keys; the Concierge takes only
 * updates signed with them; nothing reaches what it should not.
 */
class EventSpaceServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ShiftedClock CLOCK = new ShiftedClock();
  private static final byte[] SECRET = new byte[32];

  @TempDir
  static Path dir;
  static EventSpaceServer es;
  static final List<Connection> OPENED = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    new SecureRandom().nextBytes(SECRET);
    es = EventSpaceServer.builder(dir, SECRET).clock(CLOCK).start();
  }

  @AfterAll
  static void stop() throws Exception {
    for (Connection c : OPENED) {
      c.close();
    }
    if (es != null) {
      es.close();
    }
  }

  static SubscriberAccounts registered() throws Exception {
    return ConciergeClient.register(es.address(), es.concierge().issueToken(Duration.ofMinutes(10)),
        SubscriberAccounts.create(JetStreamLimits.subscriberDefault())).accounts();
  }

  /** A connection collecting the server's permission errors. */
  static final class Client {
    final Refusals errors = new Refusals();
    final Connection nc;

    Client(UserCredentials user, String inboxPrefix) throws Exception {
      Options.Builder o = options(user).errorListener(errors);
      nc = Nats.connect((inboxPrefix == null ? o : o.inboxPrefix(inboxPrefix)).build());
      OPENED.add(nc);
    }

    void expectRefusal(String kind, String subject) throws InterruptedException {
      errors.expectStartingWith(kind, subject);
    }
  }

  static Options.Builder options(UserCredentials user) throws Exception {
    return new Options.Builder().server(es.address().url()).sslContext(es.address().sslContext())
        .authHandler(user.authHandler()).connectionTimeout(Duration.ofSeconds(3)).noReconnect();
  }

  static void assertRefusedAtConnect(UserCredentials user) {
    assertThatThrownBy(() -> Nats.connect(options(user).errorListener(new ErrorListener() { }).build()).close())
        .hasMessageContaining("Authorization Violation");
  }

  @Test
  void aTokenRegistersOneVaultWhoseKeysIssueItsOwnUsers() throws Exception {
    RegistrationToken token = es.concierge().issueToken(Duration.ofMinutes(10));
    assertThat(RegistrationToken.parse(token.encode()).secret()).isEqualTo(token.secret());
    assertThat(token.toString()).doesNotContain(token.secret());
    SubscriberAccounts keys = SubscriberAccounts.create(JetStreamLimits.subscriberDefault());

    ConciergeClient.Registration registration = ConciergeClient.register(es.address(), token, keys);
    SubscriberAccounts mine = registration.accounts();

    assertThat(mine.guid()).matches("[0-9a-f]{16}");
    assertThat(registration.replicas()).as("one server").isEqualTo(1);
    // the vault's own keys issue its watcher, its responder and its connections' users
    Connection watcher = new Client(mine.issueWatcher("watcher"), null).nc;
    assertThat(JetStreamLayout.builder().build().ensureEventSpace(watcher, mine.guid(), "home"))
        .contains(Subjects.depositStream(mine.guid(), "home"));
    ConnectionId bob = ConnectionId.random();
    Client peer = new Client(mine.eventSpace().issueUser("bob", UserPermissions.forConnection(mine.guid(), "home", bob),
        UserLimits.CONNECTION, null), Subjects.inbox(mine.guid(), "home", bob).value());
    PublishAck ack = peer.nc.jetStream().publish(Subjects.deposit(mine.guid(), "home", bob).value(), new byte[] {7});
    assertThat(ack.getStream()).isEqualTo(Subjects.depositStream(mine.guid(), "home"));
    // the token is gone, and its bootstrap user with it
    assertThatThrownBy(() -> ConciergeClient.register(es.address(), token,
        SubscriberAccounts.create(JetStreamLimits.subscriberDefault())))
        .isInstanceOf(ConciergeClient.RefusedException.class);
    assertRefusedAtConnect(token.bootstrap());
  }

  @Test
  void aRegistrationWithoutBothSignaturesOrWithTakenKeysIsRefusedAndUsesTheToken() throws Exception {
    SubscriberAccounts first = registered();
    RegistrationToken token = es.concierge().issueToken(Duration.ofMinutes(10));
    SubscriberAccounts other = SubscriberAccounts.create(JetStreamLimits.subscriberDefault());
    ObjectNode body = JSON.createObjectNode().put("v", 1).put("token", token.secret())
        .put("eventSpace", other.eventSpace().publicKey()).put("deposits", other.deposits().publicKey())
        .put("ts", CLOCK.millis());
    // signed by one of the two keys only
    SignedRequest half = SignedRequest.sign(JSON.writeValueAsBytes(body), other.eventSpace());
    assertThatThrownBy(() -> es.concierge().register(half))
        .isInstanceOf(Concierge.ConciergeException.class).hasMessageContaining("not signed by both");
    // the token was used by the refused attempt: a brute force gets one try per token
    SignedRequest whole = SignedRequest.sign(JSON.writeValueAsBytes(body), other.eventSpace(), other.deposits());
    assertThatThrownBy(() -> es.concierge().register(whole)).hasMessageContaining("already used");
    // keys registered already cannot be registered again
    RegistrationToken again = es.concierge().issueToken(Duration.ofMinutes(10));
    SubscriberAccounts sameKeys = unregistered(first);
    assertThatThrownBy(() -> ConciergeClient.register(es.address(), again, sameKeys))
        .isInstanceOf(ConciergeClient.RefusedException.class).hasMessageContaining("already registered");
  }

  /** The same keys as {@code registered}, without their guid. */
  private static SubscriberAccounts unregistered(SubscriberAccounts registered) throws Exception {
    ObjectNode n = (ObjectNode) JSON.readTree(registered.export());
    n.remove("guid");
    return SubscriberAccounts.restore(JSON.writeValueAsBytes(n));
  }

  @Test
  void expiredAndRevokedTokensAreRefused() throws Exception {
    RegistrationToken expiring = es.concierge().issueToken(Duration.ofMinutes(1));
    RegistrationToken revoked = es.concierge().issueToken(Duration.ofMinutes(10));
    assertThat(es.concierge().revokeToken(revoked.secret())).isTrue();
    assertThat(es.concierge().revokeToken(revoked.secret())).isFalse();
    assertRefusedAtConnect(revoked.bootstrap());
    CLOCK.advance(Duration.ofMinutes(2)); // the other tests' requests stay within the Concierge's 5 minutes
    {
      SubscriberAccounts keys = SubscriberAccounts.create(JetStreamLimits.subscriberDefault());
      ObjectNode body = JSON.createObjectNode().put("v", 1).put("token", expiring.secret())
          .put("eventSpace", keys.eventSpace().publicKey()).put("deposits", keys.deposits().publicKey())
          .put("ts", CLOCK.millis());
      assertThatThrownBy(() -> es.concierge().register(SignedRequest.sign(JSON.writeValueAsBytes(body),
          keys.eventSpace(), keys.deposits()))).hasMessageContaining("expired");
    }
    assertThatThrownBy(() -> es.concierge().issueToken(Duration.ofDays(8))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> es.concierge().issueToken(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSignedUpdateRevokesAConnectionUserAndNothingElseChangesAnAccount() throws Exception {
    SubscriberAccounts mine = registered();
    SubscriberAccounts theirs = registered();
    Connection watcher = new Client(mine.issueWatcher("watcher"), null).nc;
    JetStreamLayout.builder().build().ensureEventSpace(watcher, mine.guid(), "home");
    ConnectionId bob = ConnectionId.random();
    UserCredentials bobUser = mine.eventSpace().issueUser("bob",
        UserPermissions.forConnection(mine.guid(), "home", bob), UserLimits.CONNECTION, null);
    new Client(bobUser, Subjects.inbox(mine.guid(), "home", bob).value()); // works before

    mine.eventSpace().revoke(bobUser.publicKey());
    ConciergeClient client = new ConciergeClient(watcher);
    assertThat(client.update(mine, mine.eventSpace())).isEqualTo(1);
    assertRefusedAtConnect(bobUser);
    assertThat(client.update(mine, mine.eventSpace())).as("the same list again changes nothing").isZero();

    // signed with another vault's key, or with the other account's key: refused
    byte[] body = JSON.writeValueAsBytes(JSON.createObjectNode().put("v", 1).put("guid", mine.guid())
        .put("account", mine.eventSpace().publicKey()).put("ts", CLOCK.millis() + 10_000)
        .set("revoke", JSON.createObjectNode()));
    for (NatsAccount wrongKey : List.of(theirs.eventSpace(), mine.deposits())) {
      assertThatThrownBy(() -> es.concierge().update(SignedRequest.sign(body, wrongKey)))
          .isInstanceOf(Concierge.ConciergeException.class).hasMessageContaining("not signed by the account's key");
    }
    // the right key, but a replay of an update taken already
    SignedRequest taken = SignedRequest.sign(body, mine.eventSpace());
    es.concierge().update(taken);
    assertThatThrownBy(() -> es.concierge().update(taken)).hasMessageContaining("not newer");
    // an update of another subscriber's account, signed by the key of one's own
    byte[] foreign = JSON.writeValueAsBytes(JSON.createObjectNode().put("v", 1).put("guid", theirs.guid())
        .put("account", mine.eventSpace().publicKey()).put("ts", CLOCK.millis() + 20_000)
        .set("revoke", JSON.createObjectNode()));
    assertThatThrownBy(() -> es.concierge().update(SignedRequest.sign(foreign, mine.eventSpace())))
        .hasMessageContaining("not one of subscriber");
    // too far from the Concierge's clock
    byte[] old = JSON.writeValueAsBytes(JSON.createObjectNode().put("v", 1).put("guid", mine.guid())
        .put("account", mine.eventSpace().publicKey()).put("ts", CLOCK.millis() - Duration.ofHours(1).toMillis())
        .set("revoke", JSON.createObjectNode()));
    assertThatThrownBy(() -> es.concierge().update(SignedRequest.sign(old, mine.eventSpace())))
        .hasMessageContaining("minutes from the Concierge's clock");
  }

  /**
   * Issue #20: a vault's external account signs its users with signing keys it makes; the Concierge
   * lists them in the JWT it renders when a signed update names them, so their users are taken, and
   * drops one no longer named, so its users are refused. Malformed lists are refused and change nothing.
   */
  @Test
  void signingKeysAVaultMakesAreListedByTheConciergeAndTheirUsersTaken() throws Exception {
    SubscriberAccounts mine = registered();
    Connection watcher = new Client(mine.issueWatcher("watcher"), null).nc;
    JetStreamLayout.builder().build().ensureEventSpace(watcher, mine.guid(), "home");
    ConnectionId bob = ConnectionId.random();
    String first = mine.eventSpace().rotateSigningKey();
    UserCredentials early = mine.eventSpace().issueUser("bob", UserPermissions.forConnection(mine.guid(), "home", bob),
        UserLimits.CONNECTION, Duration.ofDays(1));
    assertRefusedAtConnect(early); // signed by a key the server does not know yet

    ConciergeClient client = new ConciergeClient(watcher);
    client.update(mine, mine.eventSpace());
    new Client(early, Subjects.inbox(mine.guid(), "home", bob).value()); // listed: taken

    // a malformed list: refused, the listed key stays
    for (com.fasterxml.jackson.databind.JsonNode bad : List.<com.fasterxml.jackson.databind.JsonNode>of(
        JSON.createArrayNode().add(mine.eventSpace().publicKey()), JSON.createArrayNode().add("UABC"),
        JSON.createArrayNode().add(7), JSON.createObjectNode())) {
      com.fasterxml.jackson.databind.node.ObjectNode body = JSON.createObjectNode().put("v", 1).put("guid", mine.guid())
          .put("account", mine.eventSpace().publicKey()).put("ts", System.currentTimeMillis() + 1_000);
      body.set("revoke", JSON.createObjectNode());
      body.set("signingKeys", bad);
      Thread.sleep(2);
      assertThatThrownBy(() -> es.concierge().update(SignedRequest.sign(JSON.writeValueAsBytes(body),
          mine.eventSpace()))).isInstanceOf(Concierge.ConciergeException.class);
    }
    new Client(early, Subjects.inbox(mine.guid(), "home", bob).value());

    // the vault retires the key once its users expired: no longer named, no longer listed
    String second = mine.eventSpace().rotateSigningKey();
    client.update(mine, mine.eventSpace());
    UserCredentials later = mine.eventSpace().issueUser("bob2", UserPermissions.forConnection(mine.guid(), "home", bob),
        UserLimits.CONNECTION, Duration.ofDays(1));
    new Client(later, Subjects.inbox(mine.guid(), "home", bob).value());
    com.fasterxml.jackson.databind.node.ObjectNode only = JSON.createObjectNode().put("v", 1).put("guid", mine.guid())
        .put("account", mine.eventSpace().publicKey()).put("ts", System.currentTimeMillis() + 2_000);
    only.set("revoke", JSON.createObjectNode());
    only.putArray("signingKeys").add(second);
    es.concierge().update(SignedRequest.sign(JSON.writeValueAsBytes(only), mine.eventSpace()));
    assertRefusedAtConnect(early);
    new Client(later, Subjects.inbox(mine.guid(), "home", bob).value());
    assertThat(first).isNotEqualTo(second);
  }

  /**
   * Random signing-key lists in signed updates: taken when every entry is an account key other than
   * the account's own and there are at most 8, else refused with a {@code ConciergeException}; no
   * other failure, whatever the list.
   */
  @Test
  void anySigningKeyListIsTakenWhenWellFormedAndRefusedOtherwise() throws Exception {
    SubscriberAccounts mine = registered();
    List<String> valid = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      valid.add(new String(io.nats.client.NKey.createAccount(new SecureRandom()).getPublicKey()));
    }
    String user = new String(io.nats.client.NKey.createUser(new SecureRandom()).getPublicKey());
    long[] ts = {System.currentTimeMillis()};
    io.vettid.proptest.Props.tries(150).forAll(io.vettid.proptest.Gens.lists(io.vettid.proptest.Gens.oneOf(
        io.vettid.proptest.Gens.of(valid), io.vettid.proptest.Gens.of(valid),
        io.vettid.proptest.Gens.of(user, mine.eventSpace().publicKey(), "", "A"),
        io.vettid.proptest.Gens.anyChars(60)), 0, 10)).checkAssert(keys -> {
          ObjectNode body = JSON.createObjectNode().put("v", 1).put("guid", mine.guid())
              .put("account", mine.eventSpace().publicKey()).put("ts", ++ts[0]);
          body.set("revoke", JSON.createObjectNode());
          keys.forEach(body.putArray("signingKeys")::add);
          SignedRequest r = SignedRequest.sign(JSON.writeValueAsBytes(body), mine.eventSpace());
          boolean wellFormed = keys.size() <= NatsAccount.MAX_SIGNING_KEYS && valid.containsAll(keys);
          update(r, wellFormed);
        });
  }

  /**
   * Random revocation keys in signed updates: taken when every one is a user key, else refused with
   * a {@code ConciergeException} (text that only looks like a key once made the server refuse the
   * whole account JWT, which surfaced as another failure).
   */
  @Test
  void anyRevocationListIsTakenWhenWellFormedAndRefusedOtherwise() throws Exception {
    SubscriberAccounts mine = registered();
    String user = new String(io.nats.client.NKey.createUser(new SecureRandom()).getPublicKey());
    long[] ts = {System.currentTimeMillis()};
    io.vettid.proptest.Props.tries(100).forAll(io.vettid.proptest.Gens.lists(io.vettid.proptest.Gens.oneOf(
        io.vettid.proptest.Gens.of(user, user), io.vettid.proptest.Gens.of(mine.eventSpace().publicKey(), "U", "!!!"),
        io.vettid.proptest.Gens.anyChars(60)), 0, 5)).checkAssert(keys -> {
          ObjectNode body = JSON.createObjectNode().put("v", 1).put("guid", mine.guid())
              .put("account", mine.eventSpace().publicKey()).put("ts", ++ts[0]);
          ObjectNode revoke = body.putObject("revoke");
          keys.forEach(k -> revoke.put(k, 1_700_000_000L));
          update(SignedRequest.sign(JSON.writeValueAsBytes(body), mine.eventSpace()), keys.stream().allMatch(user::equals));
        });
  }

  private static void update(SignedRequest r, boolean wellFormed) throws Exception {
    if (wellFormed) {
      es.concierge().update(r);
    } else {
      assertThatThrownBy(() -> es.concierge().update(r)).isInstanceOf(Concierge.ConciergeException.class);
    }
  }

  @Test
  void theConciergeIsReachedOnlyThroughItsImports() throws Exception {
    SubscriberAccounts mine = registered();
    ConnectionId bob = ConnectionId.random();
    Client peer = new Client(mine.eventSpace().issueUser("bob", UserPermissions.forConnection(mine.guid(), "home", bob),
        UserLimits.CONNECTION, null), Subjects.inbox(mine.guid(), "home", bob).value());
    // a connection user may not even publish there
    peer.nc.publish(Subjects.CONCIERGE_ACCOUNT_UPDATE.value(), new byte[] {1});
    peer.expectRefusal("publish", Subjects.CONCIERGE_ACCOUNT_UPDATE.value());
    // the EventSpace account imports no Concierge service: a user allowed everything there reaches nothing
    Connection owner = new Client(mine.eventSpace().issueUser("all", UserPermissions.ACCOUNT_OWNER), null).nc;
    for (String subject : List.of(Subjects.CONCIERGE_ACCOUNT_UPDATE.value(), Subjects.CONCIERGE_REGISTER.value(),
        "$KV.Concierge.token")) {
      assertThat(requestOrNull(owner, subject)).as(subject).isNull();
    }
    assertThat(new String(requestOrNull(owner, "$JS.API.INFO").getData(), StandardCharsets.UTF_8))
        .as("the EventSpace account has no JetStream").contains("not enabled");
    // a bootstrap user publishes to concierge.register and nowhere else
    RegistrationToken token = es.concierge().issueToken(Duration.ofMinutes(10));
    Client bootstrap = new Client(token.bootstrap(), token.inboxPrefix());
    bootstrap.nc.publish(Subjects.CONCIERGE_ACCOUNT_UPDATE.value(), new byte[] {1});
    bootstrap.expectRefusal("publish", Subjects.CONCIERGE_ACCOUNT_UPDATE.value());
    bootstrap.nc.publish(Subjects.deposit(mine.guid(), "home", bob).value(), new byte[] {1});
    bootstrap.expectRefusal("publish", Subjects.deposit(mine.guid(), "home", bob).value());
    bootstrap.nc.subscribe("_INBOX.>");
    bootstrap.expectRefusal("subscription", "_INBOX.>");
    // what it may publish answers with a refusal, not silence
    Message refused = bootstrap.nc.request(Subjects.CONCIERGE_REGISTER.value(), "{}".getBytes(StandardCharsets.UTF_8),
        Duration.ofSeconds(5));
    assertThat(new String(refused.getData(), StandardCharsets.UTF_8)).contains("\"error\"");
    assertThat(es.service().refused()).isPositive();
  }

  @Test
  void anInvitationsBootstrapUserDeliversOneHandshakeMessageAndNothingElse() throws Exception {
    SubscriberAccounts mine = registered();
    Connection watcher = new Client(mine.issueWatcher("watcher"), null).nc;
    JetStreamLayout.builder().build().ensureHandshakes(watcher, mine.guid());
    byte[] id = new byte[16];
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(id);
    new SecureRandom().nextBytes(secret);
    io.vettid.runtime.connection.Invitation bare = new io.vettid.runtime.connection.Invitation(mine.guid(), "home", id,
        secret, new byte[32], io.vettid.api.KeyId.of("mldsa65-" + "0".repeat(40)),
        java.time.Instant.now().plus(Duration.ofMinutes(10)), false, es.address());
    io.vettid.runtime.connection.Invitation inv = bare.withBootstrap(
        io.vettid.runtime.connection.HandshakeBootstrap.sign(bare, mine.eventSpace()));
    // what the invitee rebuilds from the URI alone
    io.vettid.runtime.connection.Invitation received = io.vettid.runtime.connection.Invitation.parse(inv.toUri());
    assertThat(inv.toUri().length()).as("still QR-sized").isLessThan(600);
    UserCredentials bootstrap = received.bootstrapGrant().orElseThrow().credentials(received);
    String subject = Subjects.handshake(mine.guid(), "home", received.handshakeToken()).value();
    Client invitee = new Client(bootstrap, subject + ".inbox");

    PublishAck ack = invitee.nc.jetStream().publish(subject, "accept".getBytes(StandardCharsets.UTF_8));
    assertThat(ack.getStream()).isEqualTo(Subjects.handshakeStream(mine.guid()));
    assertThatThrownBy(() -> invitee.nc.jetStream().publish(subject, "again".getBytes(StandardCharsets.UTF_8)))
        .as("one message per handshake subject").hasMessageContaining("maximum messages per subject");
    invitee.nc.publish(Subjects.deposit(mine.guid(), "home", ConnectionId.random()).value(), new byte[] {1});
    invitee.expectRefusal("publish", "subscriber." + mine.guid() + ".home.queue.");
    // the secret is what makes the user: another secret, the same grant, is refused
    byte[] other = secret.clone();
    other[0] ^= 1;
    io.vettid.runtime.connection.Invitation guessed = new io.vettid.runtime.connection.Invitation(mine.guid(), "home",
        id, other, new byte[32], received.inviter(), received.expiresAt(), false, es.address(), received.bootstrap());
    assertRefusedAtConnect(received.bootstrap().credentials(guessed));
  }

  private static Message requestOrNull(Connection nc, String subject) throws InterruptedException {
    try {
      return nc.request(subject, new byte[] {1}, Duration.ofMillis(500));
    } catch (RuntimeException e) {
      return null; // no responders
    }
  }

  @Test
  void anUnregisteredClientCannotConnect() throws Exception {
    SubscriberAccounts stranger = SubscriberAccounts.create(JetStreamLimits.subscriberDefault());
    assertRefusedAtConnect(stranger.issueWatcher("watcher"));
    assertThatThrownBy(() -> Nats.connect(new Options.Builder().server(es.address().url())
        .sslContext(es.address().sslContext()).connectionTimeout(Duration.ofSeconds(3)).noReconnect()
        .errorListener(new ErrorListener() { }).build()).close()).hasMessageContaining("Authorization Violation");
  }
}
