package io.vettid.cli;

import static io.vettid.cli.VettidCommandsTest.await;
import static io.vettid.cli.VettidCommandsTest.cli;
import static io.vettid.cli.VettidCommandsTest.ok;
import static io.vettid.cli.VettidCommandsTest.registration;
import static io.vettid.cli.VettidCommandsTest.transcript;
import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.crypto.Suites;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.eventspace.EventSpaceServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The design notes' shape, with the command line: two EventSpace servers (two operators, two CAs),
 * vaults registered with them whose own servers listen on loopback only and hold only the
 * internal namespace. Alice and Bob share the first server, Carol is on the second; each pair
 * connects through {@code invite} / {@code accept} and events flow both ways, each deposited on the
 * recipient's EventSpace server.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EventSpaceTopologyTest {
  static final char[] PASS = VettidCommandsTest.PASS;
  @TempDir static Path dir;
  static final List<AutoCloseable> OPENED = new ArrayList<>();
  static EventSpaceServer first;
  static EventSpaceServer second;
  static VaultHome alice;
  static VaultHome carol;
  static VaultDaemon aliceVault;
  static VaultDaemon carolVault;
  static final ByteArrayOutputStream aliceTranscript = new ByteArrayOutputStream();
  static final ByteArrayOutputStream carolTranscript = new ByteArrayOutputStream();

  @BeforeAll
  static void twoServersAndTwoVaults() throws Exception {
    first = opened(EventSpaceServer.builder(dir.resolve("es-1"), secret()).start());
    second = opened(EventSpaceServer.builder(dir.resolve("es-2"), secret()).start());
    alice = vault("alice", "Alice", first);
    carol = vault("carol", "Carol", second);
    aliceVault = opened(VaultDaemon.start(alice, PASS, new PrintStream(aliceTranscript, true, StandardCharsets.UTF_8)));
    carolVault = opened(VaultDaemon.start(carol, PASS, new PrintStream(carolTranscript, true, StandardCharsets.UTF_8)));
    for (VaultHome h : List.of(alice, carol)) {
      ok(h, "rules", "add", "--id", "chat", "--event-type", "chat.message", "--action", "handle", "--handler", "chat");
    }
  }

  private static byte[] secret() {
    byte[] s = new byte[32];
    new SecureRandom().nextBytes(s);
    return s;
  }

  private static <T extends AutoCloseable> T opened(T t) {
    OPENED.add(t);
    return t;
  }

  private static VaultHome vault(String dirName, String name, EventSpaceServer es) throws Exception {
    VaultHome home = new VaultHome(dir.resolve(dirName));
    VaultInit.run(home, name, OptionalInt.empty(), OptionalInt.of(18), "Berlin area", Suites.MLKEM768_MLDSA65_V1, "127.0.0.1", 0,
        registration(es), PASS, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    return home;
  }

  @AfterAll
  static void stop() {
    for (int i = OPENED.size() - 1; i >= 0; i--) {
      try {
        OPENED.get(i).close();
      } catch (Exception e) {
        // best effort
      }
    }
  }

  @Test
  @Order(1)
  void vaultsOnTwoEventSpaceServersConnectAndExchangeEventsBothWays() throws Exception {
    // the invitation names alice's EventSpace server and pins its CA, not alice's own server
    String invitation = ok(alice, "invite").out().strip();
    assertThat(invitation).contains("&n=" + first.address().hostPort(), "&c=" + first.address().caPin())
        .doesNotContain(aliceVault.address().hostPort());
    // carol's acceptance reaches alice's server with the invitation's bootstrap user; alice's vault
    // confirms and delivers the confirmation to carol's server: the one command connects both sides
    assertThat(ok(carol, "accept", invitation).out()).contains("connected to Alice", "safety number");

    String toAlice = cli(carol, "--json", "send", "Alice", "chat.message", "{\"text\":\"from the other server\"}")
        .json().path("eventId").asText();
    await(() -> transcript(aliceTranscript).matches("(?s).*handled +chat\\.message +from Carol .*event " + toAlice
        + ".*"), "alice handled carol's message, deposited on alice's EventSpace server");
    String toCarol = cli(alice, "--json", "send", "Carol", "chat.message", "{\"text\":\"and back\"}")
        .json().path("eventId").asText();
    await(() -> transcript(carolTranscript).matches("(?s).*handled +chat\\.message +from Alice .*event " + toCarol
        + ".*"), "carol handled alice's message, deposited on carol's EventSpace server");
    assertThat(first.concierge().subscribers()).isEqualTo(1);
    assertThat(second.concierge().subscribers()).isEqualTo(1);
  }

  @Test
  @Order(2)
  void aRemoteInvitationsAcceptanceWaitsForTheInvitersApprovalThenCompletesByItself() throws Exception {
    String invitation = ok(carol, "invite", "--remote").out().strip();
    assertThat(ok(alice, "accept", invitation).out()).contains("delivered", "once they approve");
    await(() -> cli(carol, "invite", "pending").out().contains("Alice"), "carol sees alice's acceptance waiting");
    String id = cli(carol, "--json", "invite", "pending").json().path("pending").get(0).path("id").asText();
    int before = aliceVault.connections().list().size();
    assertThat(ok(carol, "invite", "approve", "--", id).out()).contains("connected to Alice", "delivered");
    await(() -> aliceVault.connections().list().size() == before + 1, "alice's side completed by itself");
    assertThat(ok(carol, "invite", "pending").out()).doesNotContain(id);
  }

  @Test
  @Order(3)
  void aVaultsOwnServerListensOnLoopbackAndItsEventSpacesAreOnTheEventSpaceServer() throws Exception {
    for (VaultDaemon v : List.of(aliceVault, carolVault)) {
      assertThat(v.address().host()).isEqualTo("127.0.0.1");
      assertThat(v.runtime().connection().getConnectedUrl()).contains("127.0.0.1:" + v.address().port());
    }
    assertThat(aliceVault.publicAddress()).isEqualTo(first.address());
    assertThat(carolVault.publicAddress()).isEqualTo(second.address());
    // the deposit streams are on the EventSpace server, in the vault's deposit account; the vault's own
    // account there holds nothing of the internal namespace
    SubscriberAccounts external = SubscriberAccounts.restore(aliceVault.externalAccounts().export());
    try (Connection watcher = connect(first.address(), external.issueWatcher("test"))) {
      var streams = watcher.jetStreamManagement().getStreamNames();
      assertThat(streams).containsExactlyInAnyOrder(Subjects.depositStream(external.guid(), "home"),
          Subjects.handshakeStream(external.guid()));
      assertThat(watcher.keyValueManagement().getBucketNames()).isEmpty();
    }
    // and none of it is on the vault's own server
    assertThat(aliceVault.runtime().connection().jetStreamManagement().getStreamNames())
        .contains(Subjects.DATA_VAULT_STREAM).doesNotContain(Subjects.depositStream(external.guid(), "home"));
  }

  private static Connection connect(ServerAddress a, io.vettid.nats.auth.UserCredentials user) throws Exception {
    return Nats.connect(new Options.Builder().server(a.url()).sslContext(a.sslContext()).authHandler(user.authHandler())
        .connectionTimeout(Duration.ofSeconds(5)).noReconnect().build());
  }
}
