package io.vettid.runtime.crash;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.InternalEvent;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.crypto.envelope.SessionPolicy;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.eventspace.ConciergeClient;
import io.vettid.runtime.eventspace.EventSpaceServer;
import io.vettid.testkit.NatsServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vault killed with SIGKILL while its Event Watcher reads a deposit stream on another server
 * (the EventSpace server's role: a second nats-server process, or an {@link EventSpaceServer} of
 * three nodes with replicas 3, where the vault is registered and in operator mode), and started
 * again: every deposit is handled, none twice. The watcher acknowledges a remote deposit only after its event is stored
 * in the vault's own queue, and the Manager acknowledges the queue only after the handler's commit.
 */
class RemoteWatcherCrashTest {
  @RegisterExtension final NatsServerExtension vault = NatsServerExtension.builder().tls().encryptedAtRest().build();
  @RegisterExtension final NatsServerExtension eventSpace = NatsServerExtension.builder().tls().encryptedAtRest()
      .build();
  @TempDir Path dir;

  private static final int EVENT_IDS = 30;
  private static final int PER_ID = 8;
  private static final int TOTAL = EVENT_IDS * PER_ID;
  private static final Suite SUITE = Suites.MLKEM768_MLDSA65_V1;

  @Test
  void aVaultKilledWhileItsWatcherReadsARemoteStreamLosesNothingAndHandlesNothingTwice() throws Exception {
    Connection remote = eventSpace.connect();
    JetStreamLayout.builder().build().ensureEventSpace(remote, RemoteWatcherChild.GUID, RemoteWatcherChild.ES);
    crashAndCount("one server", remote, RemoteWatcherChild.GUID, keys -> startChild(keys, eventSpace.url(),
        eventSpace.tlsMaterial().caFile().toString(), RemoteWatcherChild.GUID));
  }

  @Test
  void aVaultKilledWhileItsWatcherReadsAStreamOfAThreeNodeEventSpaceServerLosesNothing() throws Exception {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    try (EventSpaceServer cluster = EventSpaceServer.builder(dir.resolve("es"), secret).nodes(3).start()) {
      ConciergeClient.Registration reg = ConciergeClient.register(cluster.address(),
          cluster.concierge().issueToken(Duration.ofMinutes(5)), SubscriberAccounts.create(JetStreamLimits.subscriberDefault()));
      SubscriberAccounts external = reg.accounts();
      Path watcher = dir.resolve("watcher.creds");
      Path responder = dir.resolve("responder.creds");
      external.issueWatcher("child").writeTo(watcher);
      external.issueResponder("child").writeTo(responder);
      // the test deposits as the peer would, through a user of the deposit account
      Connection remote = Nats.connect(cluster.clientOptions().maxReconnects(-1)
          .authHandler(external.deposits().issueUser("test", UserPermissions.ACCOUNT_OWNER).authHandler()).build());
      JetStreamLayout.builder().replicas(reg.replicas()).build().ensureEventSpace(remote, external.guid(),
          RemoteWatcherChild.ES);
      String ca = dir.resolve("es").resolve("tls").resolve("ca.pem").toString();
      crashAndCount("3-node cluster", remote, external.guid(), keys -> startChild(keys, String.join(",", cluster.urls()), ca,
          external.guid(), watcher.toString(), responder.toString()));
      remote.close();
    }
  }

  /** Starts the vault's child process with the keys file. */
  @FunctionalInterface
  private interface Starter {
    Process start(Path keys) throws Exception;
  }

  /**
   * Deposits every event on the remote stream, starts the vault, kills it with SIGKILL after a
   * quarter of the replies, starts it again, and counts: nothing lost, nothing handled twice.
   */
  private void crashAndCount(String what, Connection remote, String guid, Starter starter) throws Exception {
    Connection own = vault.connect();
    JetStreamLayout.builder().build().ensureVault(own);
    own.jetStreamManagement().addStream(StreamConfiguration.builder().name("CrashOut")
        .subjects(CrashChild.OUT_SUBJECT).storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(2)).build());

    // the peer's keys, and the vault's wrapping key for it, handed to the child in a file
    SecureRandom random = new SecureRandom();
    KeyPair sign = SUITE.signature().generateKeyPair(random);
    KeyPair wrap = SUITE.wrap().generateKeyPair(random);
    PublicKeyEntry peerPublic = PublicKeyEntry.of(SUITE.signature(), sign.getPublic());
    PrivateKeyEntry peer = new PrivateKeyEntry(peerPublic.keyId(), SUITE.signature(), sign.getPrivate());
    Base64.Encoder b64 = Base64.getEncoder();
    Path keys = dir.resolve("keys.json");
    Files.writeString(keys, new ObjectMapper().createObjectNode().put("suite", SUITE.name())
        .put("peerSigning", b64.encodeToString(sign.getPublic().getEncoded()))
        .put("wrapping", b64.encodeToString(wrap.getPrivate().getEncoded()))
        .put("wrappingPublic", b64.encodeToString(wrap.getPublic().getEncoded())).toString());

    // every deposit carries its own session key block, so a restarted vault opens each on its own
    ConnectionId from = ConnectionId.of("conn-crash");
    String subject = Subjects.deposit(guid, RemoteWatcherChild.ES, from).value();
    Sealer sealer = Sealer.builder(SUITE, peer, PublicKeyEntry.of(SUITE.wrap(), wrap.getPublic()), subject)
        .policy(new SessionPolicy(1, Duration.ofHours(1))).build();
    List<EventId> ids = new ArrayList<>();
    for (int i = 0; i < EVENT_IDS; i++) {
      ids.add(EventId.random());
    }
    for (int n = 1; n <= PER_ID; n++) {
      for (EventId id : ids) {
        InternalEvent e = InternalEvent.builder().type(CrashChild.TALLY).eventId(id).connectionId(from)
            .payload(JsonNodeFactory.instance.objectNode().put("n", String.valueOf(n))).build();
        remote.jetStream().publish(subject, new Headers().put("Nats-Msg-Id", "send-" + id.value() + "-" + n),
            sealer.seal(e).sealed());
      }
    }

    Process first = starter.start(keys);
    long out = Children.waitForReplies(own, TOTAL / 4, Duration.ofSeconds(60));
    assertThat(out).as("replies before the kill").isGreaterThanOrEqualTo(TOTAL / 4).isLessThan(TOTAL);
    first.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no graceful close
    assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("the first child died").isTrue();
    assertThat(first.exitValue()).as("killed by SIGKILL").isEqualTo(137);

    Process second = starter.start(keys);
    try {
      Children.waitForReplies(own, TOTAL, Duration.ofSeconds(90));
      // every delivery acknowledged, the vault's queue and the remote deposit stream: nothing can
      // come again, so anything handled twice is in by now
      assertThat(Children.awaitEverythingAcknowledged(own, Duration.ofSeconds(60))
          && Children.awaitEverythingAcknowledged(remote, Duration.ofSeconds(60)))
          .as("every delivery acknowledged").isTrue();
    } finally {
      second.destroyForcibly();
      second.waitFor(10, TimeUnit.SECONDS);
    }

    Children.Counts counts = Children.count(own.keyValue("EventHandlers"),
        java.util.Collections.nCopies(ids.size(), from), ids, PER_ID);
    int lost = counts.lost();
    int twice = counts.twice();
    Map<String, Integer> replies = Children.replies(own);
    long quarantined = own.jetStreamManagement().getStreamInfo(Subjects.QUARANTINE_STREAM).getStreamState()
        .getMsgCount();
    System.out.printf("remote watcher crash test (%s): events=%d replies-before-kill=%d lost=%d handled-twice=%d"
        + " quarantined=%d%n", what, TOTAL, out, lost, twice, quarantined);
    assertThat(lost).as("events lost").isZero();
    assertThat(twice).as("events handled twice").isZero();
    assertThat(replies).as("distinct replies").hasSize(TOTAL);
    assertThat(replies.values()).as("each replied once").allMatch(c -> c == 1);
    assertThat(quarantined).as("quarantined").isZero();
  }

  private Process startChild(Path keys, String... remote) throws Exception {
    List<String> args = new ArrayList<>(List.of(vault.url(), vault.tlsMaterial().caFile().toString(), remote[0],
        remote[1], keys.toString()));
    args.addAll(Arrays.asList(remote).subList(2, remote.length));
    return Children.start(RemoteWatcherChild.class, args.toArray(String[]::new));
  }
}
