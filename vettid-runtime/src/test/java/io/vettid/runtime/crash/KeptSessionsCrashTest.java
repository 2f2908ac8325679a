package io.vettid.runtime.crash;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.InternalEvent;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.api.InternalEventCodec;
import io.vettid.crypto.envelope.EnvelopeException;
import io.vettid.crypto.envelope.Opener;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.connection.ConnectionKeys;
import io.vettid.testkit.NatsServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart under traffic (issue #20): a vault with {@value #DEFAULT_CONNECTIONS} connections (ML-KEM
 * keys; the benchmark uses RSA) is killed with SIGKILL while its peers keep sending, and started
 * again. Its envelope sessions were kept (sealed in its {@code Connections} bucket, written before
 * the deposits they opened were acknowledged), so the events the peers sealed on their sessions
 * after the kill, without a key block, open: nothing is quarantined (no {@code UNKNOWN_SESSION}),
 * lost or handled twice. Its replies, sealed on sessions it kept too (sequences reserved before
 * use), all open at the peers: no sequence used twice across the kill, and nothing but the replies
 * sent (no {@code session.reset}). Without kept sessions every event after the restart would be
 * {@code UNKNOWN_SESSION}.
 */
class KeptSessionsCrashTest {
  @RegisterExtension final NatsServerExtension vault = NatsServerExtension.builder().tls().encryptedAtRest().build();
  @RegisterExtension final NatsServerExtension eventSpace = NatsServerExtension.builder().tls().encryptedAtRest()
      .build();
  @TempDir Path dir;

  static final int DEFAULT_CONNECTIONS = 1000;
  private static final int CONNECTIONS = Integer.getInteger("vettid.crash.connections", DEFAULT_CONNECTIONS);
  /** Events per connection: the first round before the vault starts, the rest while it is killed and restarted. */
  private static final int ROUNDS = 4;
  private static final Suite SUITE = Suites.MLKEM768_MLDSA65_V1;

  @Test
  void aVaultKilledUnderTrafficGoesOnWithItsSessionsAndLosesNothing() throws Exception {
    Connection remote = eventSpace.connect();
    JetStreamLayout.builder().build().ensureEventSpace(remote, KeptSessionsChild.GUID, KeptSessionsChild.ES);
    Connection own = vault.connect();
    JetStreamLayout.builder().build().ensureVault(own);
    own.jetStreamManagement().addStream(StreamConfiguration.builder().name(PEERS)
        .subjects(KeptSessionsChild.PEER_PREFIX + "*").storageType(StorageType.File)
        .duplicateWindow(Duration.ofMinutes(2)).build());

    // the keys of every connection: the vault's half in the child's file, the peers' half here
    SecureRandom random = new SecureRandom();
    Base64.Encoder b64 = Base64.getEncoder();
    ArrayNode file = JsonNodeFactory.instance.arrayNode();
    List<Sealer> peers = new ArrayList<>();
    List<Opener> peerOpeners = new ArrayList<>();
    List<EventId> ids = new ArrayList<>();
    List<ConnectionId> conns = new ArrayList<>();
    for (int i = 0; i < CONNECTIONS; i++) {
      ConnectionKeys mine = ConnectionKeys.generate(SUITE, random);
      ConnectionKeys peer = ConnectionKeys.generate(SUITE, random);
      ConnectionId id = ConnectionId.of("kept-" + i);
      file.addObject().put("id", id.value())
          .put("signing", b64.encodeToString(mine.signing().key().getEncoded()))
          .put("signingPublic", b64.encodeToString(mine.signingPublic().key().getEncoded()))
          .put("wrapping", b64.encodeToString(mine.wrapping().key().getEncoded()))
          .put("wrappingPublic", b64.encodeToString(mine.wrappingPublic().key().getEncoded()))
          .put("peerSigning", b64.encodeToString(peer.signingPublic().key().getEncoded()))
          .put("peerWrapping", b64.encodeToString(peer.wrappingPublic().key().getEncoded()));
      peers.add(Sealer.builder(SUITE, peer.signing(), mine.wrappingPublic(),
          Subjects.deposit(KeptSessionsChild.GUID, KeptSessionsChild.ES, id).value()).build());
      peerOpeners.add(Opener.builder(k -> k.equals(peer.wrapping().keyId()) ? Optional.of(peer.wrapping())
          : Optional.empty(), k -> k.equals(mine.signingPublic().keyId()) ? Optional.of(mine.signingPublic())
          : Optional.empty()).build());
      ids.add(EventId.random());
      conns.add(id);
    }
    Path keys = dir.resolve("keys.json");
    Files.write(keys, new ObjectMapper().writeValueAsBytes(file));
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String[] args = {vault.url(), vault.tlsMaterial().caFile().toString(), eventSpace.url(),
        eventSpace.tlsMaterial().caFile().toString(), keys.toString(), HexFormat.of().formatHex(secret)};

    JetStream js = remote.jetStream();
    sendRound(js, peers, conns, ids, 1); // each session's key block
    Process first = Children.start(KeptSessionsChild.class, args);
    long before = waitForReplies(own, CONNECTIONS / 2, Duration.ofSeconds(120));
    if (before < CONNECTIONS / 2) {
      first.destroyForcibly(); // no child outlives a failed test
    }
    assertThat(before).as("replies before the kill (quarantined: %s)", quarantineReasons(own))
        .isGreaterThanOrEqualTo(CONNECTIONS / 2);

    // the peers go on sending on their sessions (no key block) while the vault dies and comes back
    AtomicReference<Exception> failed = new AtomicReference<>();
    Thread senders = new Thread(() -> {
      try {
        for (int round = 2; round <= ROUNDS; round++) {
          sendRound(js, peers, conns, ids, round);
        }
      } catch (Exception e) {
        failed.set(e);
      }
    });
    senders.start();
    Thread.sleep(300);
    first.destroyForcibly(); // SIGKILL
    assertThat(first.waitFor(60, TimeUnit.SECONDS)).as("the first child died").isTrue();
    assertThat(first.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    long atKill = waitForReplies(own, 0, Duration.ZERO);

    long restart = System.nanoTime();
    Process second = Children.start(KeptSessionsChild.class, args);
    long firstAfter;
    double toFirst;
    try {
      firstAfter = waitForReplies(own, atKill + 1, Duration.ofSeconds(60));
      toFirst = (System.nanoTime() - restart) / 1e9;
      senders.join(120_000);
      assertThat(failed.get()).as("the peers' sends").isNull();
      waitForReplies(own, (long) CONNECTIONS * ROUNDS, Duration.ofSeconds(180));
      // every delivery acknowledged: nothing can come again, so anything handled twice is in by now
      assertThat(Children.awaitEverythingAcknowledged(own, Duration.ofSeconds(60)))
          .as("every delivery acknowledged").isTrue();
    } finally {
      second.destroyForcibly();
      second.waitFor(10, TimeUnit.SECONDS);
    }

    Children.Counts counts = Children.count(own.keyValue("EventHandlers"), conns, ids, ROUNDS);
    int lost = counts.lost();
    int twice = counts.twice();
    // every reply the vault sealed opens at its peer, in deposit order: no sequence (nonce) used
    // twice, no session the peer does not know, nothing but the replies (no session.reset)
    Map<String, Integer> replies = new java.util.HashMap<>();
    Map<String, Integer> refused = new java.util.TreeMap<>();
    long deposits = own.jetStreamManagement().getStreamInfo(PEERS).getStreamState().getMsgCount();
    for (long seq = 1; seq <= deposits; seq++) {
      io.nats.client.api.MessageInfo m = own.jetStreamManagement().getMessage(PEERS, seq);
      int i = conns.indexOf(ConnectionId.of(m.getSubject().substring(KeptSessionsChild.PEER_PREFIX.length())));
      try {
        InternalEvent reply = InternalEventCodec.decode(peerOpeners.get(i).open(m.getData(), m.getSubject()).plaintext());
        replies.merge(reply.type().value() + ":" + reply.eventId().value() + ":" + reply.payload().path("n").asText(),
            1, Integer::sum);
      } catch (EnvelopeException e) {
        refused.merge(e.reason().name(), 1, Integer::sum);
      }
    }
    long quarantined = own.jetStreamManagement().getStreamInfo(Subjects.QUARANTINE_STREAM).getStreamState()
        .getMsgCount();
    System.out.printf("kept sessions crash test: connections=%d events=%d replies-before-kill=%d at-kill=%d"
        + " restart-to-first-reply=%.2fs (reply %d) lost=%d handled-twice=%d quarantined=%d replies=%d"
        + " refused-at-peers=%s%n", CONNECTIONS, CONNECTIONS * ROUNDS, before, atKill, toFirst, firstAfter, lost, twice,
        quarantined, deposits, refused);
    assertThat(quarantined).as("quarantined (UNKNOWN_SESSION or any other reason): %s", quarantineReasons(own))
        .isZero();
    assertThat(lost).as("events lost").isZero();
    assertThat(twice).as("events handled twice").isZero();
    assertThat(refused).as("replies the peers could not open (a nonce used twice, a session they lack)").isEmpty();
    assertThat(replies).as("distinct replies, and nothing else (no session.reset)").hasSize(CONNECTIONS * ROUNDS)
        .allSatisfy((k, v) -> assertThat(k).startsWith(CrashChild.TALLY.value() + ":"));
    assertThat(replies.values()).as("each replied once").allMatch(c -> c == 1);
    // the opening sessions were kept in batches and snapshots (the child writes one whenever the
    // batches since the last hold twice its bytes), nothing as single entries
    List<String> kept = own.keyValue(Subjects.name("Connections")).keys().stream()
        .filter(k -> k.startsWith("open")).toList();
    assertThat(kept).as("a snapshot's chunks").anyMatch(k -> k.startsWith("openall."));
    assertThat(kept).as("batches and snapshots' chunks only").allMatch(k -> k.startsWith("opens.")
        || k.startsWith("openall."));
  }

  private static final String PEERS = "PeerDeposits";

  /** Waits until the vault's deposits to its peers number at least so many, or the time is up; returns how many. */
  private static long waitForReplies(Connection own, long atLeast, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long n;
    do {
      n = own.jetStreamManagement().getStreamInfo(PEERS).getStreamState().getMsgCount();
      if (n >= atLeast) {
        return n;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    return n;
  }

  /** The reasons of the first quarantined messages, for a failure's message. */
  private static String quarantineReasons(Connection own) throws Exception {
    Map<String, Integer> reasons = new java.util.TreeMap<>();
    long n = own.jetStreamManagement().getStreamInfo(Subjects.QUARANTINE_STREAM).getStreamState().getMsgCount();
    for (long seq = 1; seq <= Math.min(n, 20); seq++) {
      io.nats.client.api.MessageInfo m = own.jetStreamManagement().getMessage(Subjects.QUARANTINE_STREAM, seq);
      reasons.merge(m.getHeaders().getFirst("VettID-Reason") + ": " + m.getHeaders().getFirst("VettID-Detail"), 1,
          Integer::sum);
    }
    return n + " " + reasons;
  }

  /** One event from every peer, sealed on its session and deposited on the vault's EventSpace. */
  private static void sendRound(JetStream js, List<Sealer> peers, List<ConnectionId> conns, List<EventId> ids,
      int round) throws Exception {
    List<java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck>> acks = new ArrayList<>();
    for (int i = 0; i < peers.size(); i++) {
      InternalEvent e = InternalEvent.builder().type(CrashChild.TALLY).eventId(ids.get(i)).connectionId(conns.get(i))
          .payload(JsonNodeFactory.instance.objectNode().put("n", String.valueOf(round))).build();
      acks.add(js.publishAsync(Subjects.deposit(KeptSessionsChild.GUID, KeptSessionsChild.ES, conns.get(i)).value(),
          new Headers().put("Nats-Msg-Id", "send-" + ids.get(i).value() + "-" + round), peers.get(i).seal(e).sealed()));
    }
    for (var a : acks) {
      assertThat(a.get(30, TimeUnit.SECONDS).hasError()).isFalse();
    }
  }
}
