package io.vettid.runtime.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventBatch;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.KeyId;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.envelope.Opener;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.testkit.NatsServerExtension;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Event Watcher on a real nats-server (TLS, encrypted): forward what opens, quarantine the rest as received. */
class EventWatcherTest {
  static final String GUID = "w1";
  static final String ES = "home";
  static final ConnectionId BOB = ConnectionId.of("conn-bob");
  static final Suite SUITE = Suites.DEFAULT; // RSA-4096: the default is what is tested

  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().tls().encryptedAtRest().build();

  static PrivateKeyEntry bobSigning;
  static PublicKeyEntry bobSigningPublic;
  static PrivateKeyEntry aliceWrapping;
  static PublicKeyEntry aliceWrappingPublic;
  static PublicKeyEntry strangerWrappingPublic;
  static PrivateKeyEntry impostorClaimingBob;

  @BeforeAll
  static void keys() throws Exception {
    if (bobSigning != null) {
      return; // made once per run (RSA-4096 generation is slow); EventWatcherAcknowledgementTest shares them
    }
    SecureRandom random = new SecureRandom();
    KeyPair sign = SUITE.signature().generateKeyPair(random);
    KeyPair wrap = SUITE.wrap().generateKeyPair(random);
    KeyPair stranger = SUITE.wrap().generateKeyPair(random);
    bobSigningPublic = PublicKeyEntry.of(SUITE.signature(), sign.getPublic());
    bobSigning = new PrivateKeyEntry(bobSigningPublic.keyId(), SUITE.signature(), sign.getPrivate());
    aliceWrappingPublic = PublicKeyEntry.of(SUITE.wrap(), wrap.getPublic());
    aliceWrapping = new PrivateKeyEntry(aliceWrappingPublic.keyId(), SUITE.wrap(), wrap.getPrivate());
    strangerWrappingPublic = PublicKeyEntry.of(SUITE.wrap(), stranger.getPublic());
    // mallory signs with her own key but claims bob's keyID
    KeyPair mallory = SUITE.signature().generateKeyPair(random);
    impostorClaimingBob = new PrivateKeyEntry(bobSigningPublic.keyId(), SUITE.signature(), mallory.getPrivate());
  }

  static Opener opener() {
    return Opener.builder(
        (KeyId id) -> id.equals(aliceWrapping.keyId()) ? Optional.of(aliceWrapping) : Optional.empty(),
        (KeyId id) -> id.equals(bobSigningPublic.keyId()) ? Optional.of(bobSigningPublic) : Optional.empty()).build();
  }

  static InternalEvent event(ConnectionId from, int n) {
    return InternalEvent.builder().type(EventType.of("chat.message")).connectionId(from)
        .payload(JsonNodeFactory.instance.objectNode().put("n", n)).build();
  }

  @Test
  void forwardsWhatOpensAndQuarantinesEachFailureWithItsReason() throws Exception {
    Connection nc = NATS.connect();
    JetStreamLayout layout = JetStreamLayout.builder().build();
    layout.ensureVault(nc);
    layout.ensureEventSpace(nc, GUID, ES);
    String deposit = Subjects.deposit(GUID, ES, BOB).value();
    Sealer sealer = Sealer.builder(SUITE, bobSigning, aliceWrappingPublic, deposit).build();

    List<InternalEvent> good = new ArrayList<>();
    List<byte[]> bad = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      InternalEvent e = event(BOB, i);
      good.add(e);
      nc.jetStream().publish(deposit, sealer.seal(e).sealed());
    }
    // sealed to a key this vault does not hold
    bad.add(Sealer.builder(SUITE, bobSigning, strangerWrappingPublic, deposit).build().seal(event(BOB, 100)).sealed());
    // a key block signed by someone who is not bob, under bob's keyID
    bad.add(Sealer.builder(SUITE, impostorClaimingBob, aliceWrappingPublic, deposit).build()
        .seal(event(BOB, 103)).sealed());
    // tampered ciphertext
    byte[] tampered = sealer.seal(event(BOB, 101)).sealed();
    tampered[tampered.length - 1] ^= 1;
    bad.add(tampered);
    // opens, but is not an Internal Event
    bad.add(sealer.sealBytes("{not json".getBytes(StandardCharsets.UTF_8)));
    // opens, but speaks for another connection
    bad.add(sealer.seal(event(ConnectionId.of("conn-carol"), 102)).sealed());
    // not an envelope at all
    bad.add("garbage".getBytes(StandardCharsets.UTF_8));
    for (byte[] b : bad) {
      nc.jetStream().publish(deposit, b);
    }

    // the runtime's listener hears of each refusal too (what `events tail` shows the owner)
    RuntimeCounters counters = new RuntimeCounters();
    Quarantine quarantine = new Quarantine(nc, counters);
    List<EventService.Settled> notices = new java.util.concurrent.CopyOnWriteArrayList<>();
    quarantine.observe(notices::add);
    EventWatcher watcher = new EventWatcher(nc, nc, GUID, ES, opener(), counters, quarantine);
    int processed = 0;
    for (int i = 0; i < 20 && processed < 11; i++) {
      processed += watcher.poll(100, Duration.ofMillis(500));
    }

    assertThat(processed).isEqualTo(11);
    assertThat(watcher.forwarded()).isEqualTo(5);
    assertThat(watcher.quarantined(FailureReason.UNKNOWN_KEY_ID)).isEqualTo(1);
    assertThat(watcher.quarantined(FailureReason.BAD_SIGNATURE)).isEqualTo(1);
    assertThat(watcher.quarantined(FailureReason.DECRYPTION_FAILED)).isEqualTo(1);
    assertThat(watcher.quarantined(FailureReason.MALFORMED)).isEqualTo(3);
    assertThat(notices).extracting(EventService.Settled::reason).containsExactlyInAnyOrder(
        FailureReason.UNKNOWN_KEY_ID, FailureReason.BAD_SIGNATURE, FailureReason.DECRYPTION_FAILED,
        FailureReason.MALFORMED, FailureReason.MALFORMED, FailureReason.MALFORMED);
    assertThat(notices).allSatisfy(n -> {
      assertThat(n.service()).isEqualTo(Subjects.consumer("Watcher", ES));
      assertThat(n.outcome()).isEqualTo(EventService.Outcome.QUARANTINED);
      assertThat(n.connectionId()).isEqualTo(BOB);
      assertThat(n.eventId()).isNull();
    });

    // deposits opened in a row travel as one batch message; one alone travels as itself
    String idPrefix = "deposit." + Subjects.depositStream(GUID, ES) + ".";
    List<Message> queued = fetchAll(nc, Subjects.DATA_VAULT_QUEUE.value(), "Manager_test");
    // the queue is the vault's: keep this EventSpace's forwards (the other test's may be there too)
    queued.removeIf(m -> !m.getHeaders().getFirst("Nats-Msg-Id").startsWith(idPrefix));
    assertThat(queued).isNotEmpty().hasSizeLessThanOrEqualTo(5);
    List<InternalEvent> forwarded = new ArrayList<>();
    for (Message m : queued) {
      assertThat(m.getHeaders().getFirst(EventWatcher.EVENTSPACE_HEADER)).as("the EventSpace it came through")
          .isEqualTo(ES);
      String count = m.getHeaders().getFirst(InternalEventBatch.HEADER);
      int before = forwarded.size();
      if (count == null) {
        forwarded.add(InternalEventCodec.decode(m.getData()));
      } else {
        List<byte[]> events = InternalEventBatch.decode(m.getData());
        assertThat(events).hasSize(Integer.parseInt(count));
        for (byte[] e : events) {
          forwarded.add(InternalEventCodec.decode(e));
        }
      }
      // the forward's id names the deposit sequences it carries, one each
      String id = m.getHeaders().getFirst("Nats-Msg-Id");
      assertThat(id).startsWith(idPrefix);
      assertThat(id.substring(idPrefix.length()).split("\\.")).hasSize(forwarded.size() - before)
          .allSatisfy(seq -> assertThat(Long.parseLong(seq)).isPositive());
    }
    assertThat(forwarded).containsExactlyElementsOf(good); // in deposit order

    List<Message> kept = fetchAll(nc, Subjects.QUARANTINE.value() + ".>", "Owner_quarantine");
    assertThat(kept).hasSize(6);
    List<FailureReason> reasons = new ArrayList<>();
    for (Message m : kept) {
      assertThat(m.getHeaders().getFirst(Quarantine.SOURCE_HEADER)).isEqualTo(deposit);
      reasons.add(FailureReason.valueOf(m.getHeaders().getFirst(Quarantine.REASON_HEADER)));
      assertThat(bad.stream().anyMatch(b -> Arrays.equals(b, m.getData()))).as("kept as received").isTrue();
    }
    assertThat(reasons).containsExactlyInAnyOrder(FailureReason.UNKNOWN_KEY_ID, FailureReason.BAD_SIGNATURE,
        FailureReason.DECRYPTION_FAILED,
        FailureReason.MALFORMED, FailureReason.MALFORMED, FailureReason.MALFORMED);
    // every deposit was acknowledged (the acknowledgements are not awaited): a purge below the
    // consumer's floor soon leaves the deposit stream empty
    long purged = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (purged < 11 && System.nanoTime() < deadline) {
      purged += watcher.purgeAcknowledged();
      Thread.sleep(20);
    }
    assertThat(purged).isEqualTo(11);
    assertThat(watcher.purged()).isEqualTo(11);
    assertThat(nc.jetStreamManagement().getStreamInfo(Subjects.depositStream(GUID, ES)).getStreamState().getMsgCount())
        .isZero();
  }

  @Test
  void aRunningWatcherPurgesWhatItAcknowledgedAndLosesNothing() throws Exception {
    Connection nc = NATS.connect();
    JetStreamLayout layout = JetStreamLayout.builder().build();
    layout.ensureVault(nc);
    String es = "work";
    layout.ensureEventSpace(nc, GUID, es);
    String deposit = Subjects.deposit(GUID, es, BOB).value();
    Sealer sealer = Sealer.builder(SUITE, bobSigning, aliceWrappingPublic, deposit).build();
    try (EventWatcher watcher = new EventWatcher(nc, nc, GUID, es, opener())) {
      // a purge after 4 acknowledgements, and the rest (acknowledged after the floor was read) by time
      watcher.purgeThresholds(4, Duration.ofMillis(300));
      watcher.start();
      for (int i = 0; i < 20; i++) {
        nc.jetStream().publish(deposit, sealer.seal(event(BOB, i)).sealed());
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while ((watcher.forwarded() < 20 || watcher.purged() < 20) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(watcher.forwarded()).isEqualTo(20);
      assertThat(watcher.purged()).isEqualTo(20);
    }
    assertThat(nc.jetStreamManagement().getStreamInfo(Subjects.depositStream(GUID, es)).getStreamState().getMsgCount())
        .isZero();
    // every event reached the queue, once
    List<Integer> seen = new ArrayList<>();
    for (Message m : fetchAll(nc, Subjects.DATA_VAULT_QUEUE.value(), "Manager_test")) {
      for (InternalEvent e : events(m)) {
        seen.add(e.payload().get("n").asInt());
      }
    }
    assertThat(seen).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 20).boxed().toList());
  }

  /**
   * Issue #20, item 5: a new session's opening (its private-key work) runs off the watcher's
   * thread, so the events of another connection's open session go on meanwhile; the connection's
   * own events wait for it, in order. Before, the watcher opened every deposit in delivery order on
   * its own thread, and this test's blocked opening held up everything behind it.
   */
  @Test
  void aNewSessionsOpeningDoesNotHoldUpTheEventsOfOtherConnections() throws Exception {
    Connection nc = NATS.connect();
    JetStreamLayout layout = JetStreamLayout.builder().build();
    layout.ensureVault(nc);
    String es = "gate";
    layout.ensureEventSpace(nc, GUID, es);
    ConnectionId carol = ConnectionId.of("conn-carol");
    String bobs = Subjects.deposit(GUID, es, BOB).value();
    String carols = Subjects.deposit(GUID, es, carol).value();
    Opener forBob = opener();
    Opener forCarol = opener();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean carolWaited = new java.util.concurrent.atomic.AtomicBoolean();
    io.vettid.crypto.envelope.EnvelopeOpener gated = (envelope, destination) -> {
      if (!destination.equals(carols)) {
        return forBob.open(envelope, destination);
      }
      try {
        carolWaited.set(!release.await(30, java.util.concurrent.TimeUnit.SECONDS)); // a slow key block
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return forCarol.open(envelope, destination);
    };
    Sealer bob = Sealer.builder(SUITE, bobSigning, aliceWrappingPublic, bobs).build();
    Sealer toCarol = Sealer.builder(SUITE, bobSigning, aliceWrappingPublic, carols).build();
    EventWatcher watcher = new EventWatcher(nc, nc, GUID, es, gated);
    nc.jetStream().publish(bobs, bob.seal(event(BOB, 0)).sealed()); // bob's session opens first
    pollUntil(watcher, () -> watcher.forwarded() >= 1);
    nc.jetStream().publish(carols, toCarol.seal(event(carol, 0)).sealed()); // carol's key block: blocked
    nc.jetStream().publish(carols, toCarol.seal(event(carol, 1)).sealed()); // waits for it, in order
    for (int i = 1; i <= 10; i++) {
      nc.jetStream().publish(bobs, bob.seal(event(BOB, i)).sealed());
    }

    pollUntil(watcher, () -> watcher.forwarded() >= 11);
    assertThat(watcher.forwarded()).as("bob's events went on while carol's session was being opened").isEqualTo(11);
    assertThat(watcher.openingsInFlight()).as("carol's two deposits").isEqualTo(2);
    release.countDown();
    pollUntil(watcher, () -> watcher.forwarded() >= 13);
    assertThat(watcher.forwarded()).isEqualTo(13);
    assertThat(carolWaited).isFalse();
    // carol's events reached the queue in her order, and everything was acknowledged
    List<Integer> carolsSeen = new ArrayList<>();
    for (Message m : fetchAll(nc, Subjects.DATA_VAULT_QUEUE.value(), "Manager_test")) {
      for (InternalEvent e : events(m)) {
        if (e.connectionId().equals(carol)) {
          carolsSeen.add(e.payload().get("n").asInt());
        }
      }
    }
    assertThat(carolsSeen).containsExactly(0, 1);
    long purged = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (purged < 13 && System.nanoTime() < deadline) {
      watcher.poll(10, Duration.ofMillis(50)); // sends the last acknowledgement
      purged += watcher.purgeAcknowledged();
    }
    assertThat(purged).as("every deposit acknowledged").isEqualTo(13);
    watcher.close();
  }

  /** The events a forward carries: itself, or the events of its batch. */
  private static List<InternalEvent> events(Message m) throws Exception {
    List<byte[]> raw = m.getHeaders().getFirst(InternalEventBatch.HEADER) == null ? List.of(m.getData())
        : InternalEventBatch.decode(m.getData());
    List<InternalEvent> out = new ArrayList<>();
    for (byte[] e : raw) {
      out.add(InternalEventCodec.decode(e));
    }
    return out;
  }

  private static void pollUntil(EventWatcher watcher, java.util.function.BooleanSupplier done) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      watcher.poll(100, Duration.ofMillis(200));
    }
  }

  private static List<Message> fetchAll(Connection nc, String subject, String durable) throws Exception {
    JetStreamSubscription sub = nc.jetStream().subscribe(subject, PullSubscribeOptions.builder().durable(durable).build());
    List<Message> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      List<Message> got = sub.fetch(100, Duration.ofMillis(300));
      got.forEach(Message::ack);
      all.addAll(got);
    }
    return all;
  }
}
