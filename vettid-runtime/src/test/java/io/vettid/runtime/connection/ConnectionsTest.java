package io.vettid.runtime.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.VettidException;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.service.EventWatcher;
import io.vettid.runtime.service.RuntimeCounters;
import io.vettid.testkit.NatsServerExtension;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bob deposits on alice's EventSpace through {@link Connections}; alice's watcher opens with hers.
 * A post-quantum suite keeps key generation quick; the default suite is exercised by the demo and
 * the watcher test.
 */
class ConnectionsTest {
  @RegisterExtension final NatsServerExtension nats = NatsServerExtension.builder().tls().encryptedAtRest().build();

  private static final Suite SUITE = Suites.MLKEM768_MLDSA65_V1;
  private static final String ALICE = "a1";
  private static final String ES = "home";
  private static final ConnectionId BOB_AT_ALICE = ConnectionId.of("bob-at-alice");
  private static final ConnectionId ALICE_AT_BOB = ConnectionId.of("alice-at-bob");
  private static final EventType HELLO = EventType.of("chat.message");

  private Connection nc;
  private Connections alice;
  private Connections bob;
  private ConnectionKeys aliceKeys;
  private ConnectionKeys bobKeys;
  private EventWatcher watcher;
  private RuntimeCounters counters;

  @BeforeEach
  void connect() throws Exception {
    nc = nats.connect();
    JetStreamLayout layout = JetStreamLayout.builder().build();
    layout.ensureVault(nc);
    layout.ensureEventSpace(nc, ALICE, ES);
    SecureRandom random = new SecureRandom();
    aliceKeys = ConnectionKeys.generate(SUITE, random);
    bobKeys = ConnectionKeys.generate(SUITE, random);
    alice = new Connections();
    bob = new Connections();
    // alice's side of the connection deposits on bob's EventSpace; only bob -> alice is watched here
    alice.add(BOB_AT_ALICE, ALICE_AT_BOB, Subjects.deposit("b1", ES, ALICE_AT_BOB).value(), nc, aliceKeys,
        bobKeys.signingPublic(), bobKeys.wrappingPublic());
    bob.add(ALICE_AT_BOB, BOB_AT_ALICE, Subjects.deposit(ALICE, ES, BOB_AT_ALICE).value(), nc, bobKeys,
        aliceKeys.signingPublic(), aliceKeys.wrappingPublic());
    counters = new RuntimeCounters();
    watcher = new EventWatcher(nc, nc, ALICE, ES, alice.opener(), counters);
  }

  private void bobSays(String text) throws VettidException {
    bob.send(ALICE_AT_BOB, HELLO, JsonNodeFactory.instance.objectNode().put("text", text));
  }

  private void drain(int n) throws InterruptedException {
    int done = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (done < n && System.nanoTime() < deadline) {
      done += watcher.poll(10, Duration.ofMillis(200));
    }
    assertThat(done).isEqualTo(n);
  }

  @Test
  void eventsSealedToTheOldKeyOpenDuringTheGracePeriodAndNotAfter() throws Exception {
    bobSays("before");
    PublicKeyEntry oldKey = alice.link(BOB_AT_ALICE).wrappingKey();
    PublicKeyEntry newKey = alice.link(BOB_AT_ALICE).rotateWrappingKey();
    assertThat(newKey.keyId()).isNotEqualTo(oldKey.keyId());
    bobSays("in flight, still sealed to the old key");
    bob.link(ALICE_AT_BOB).peerRotated(newKey);
    bobSays("sealed to the new key");
    drain(3);
    assertThat(watcher.forwarded()).isEqualTo(3);

    alice.link(BOB_AT_ALICE).retireAfter(Duration.ZERO); // the peer acknowledged; no grace left
    // a straggler sealed to the old key arrives after the old key was destroyed
    Sealer stale = Sealer.builder(SUITE, bobKeys.signing(), oldKey,
        Subjects.deposit(ALICE, ES, BOB_AT_ALICE).value()).build();
    InternalEvent late = InternalEvent.builder().type(HELLO).connectionId(BOB_AT_ALICE)
        .payload(JsonNodeFactory.instance.objectNode()).build();
    nc.jetStream().publish(Subjects.deposit(ALICE, ES, BOB_AT_ALICE).value(),
        stale.sealBytes(InternalEventCodec.encode(late)));
    bobSays("still fine on the new key");
    drain(2);
    assertThat(watcher.forwarded()).isEqualTo(4);
    assertThat(watcher.quarantined(FailureReason.UNKNOWN_KEY_ID)).isEqualTo(1);
  }

  /**
   * Issue #20 (found by the soak): a deposit carrying a session's key block that the peer's stream
   * refused as full was sealed again without it, so no envelope of that session ever opened there
   * (up to 10,000 events quarantined {@code UNKNOWN_SESSION}). Now the envelope sealed again carries
   * the key block, and everything opens.
   */
  @Test
  void aKeyBlockDepositTheFullStreamRefusedIsSealedAgainWithItsKeyBlock() throws Exception {
    String subject = Subjects.deposit(ALICE, ES, BOB_AT_ALICE).value();
    String stream = Subjects.depositStream(ALICE, ES);
    java.util.List<java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck>> filling =
        new java.util.ArrayList<>();
    for (long i = 0; i < JetStreamLayout.DEPOSITS_PER_CONNECTION; i++) {
      filling.add(nc.jetStream().publishAsync(subject, new byte[] {1}));
    }
    java.util.concurrent.CompletableFuture.allOf(filling.toArray(java.util.concurrent.CompletableFuture[]::new))
        .get(30, java.util.concurrent.TimeUnit.SECONDS);

    // the session's first envelope, with its key block, is refused: the connection's share is full
    java.util.concurrent.CompletableFuture<io.vettid.api.EventId> first = bob.sendAsync(ALICE_AT_BOB, HELLO,
        JsonNodeFactory.instance.objectNode().put("text", "first"));
    Thread.sleep(30);
    assertThat(first).isNotDone();
    nc.jetStreamManagement().purgeStream(stream); // the peer's watcher frees the share
    first.get(10, java.util.concurrent.TimeUnit.SECONDS);
    bobSays("second");
    bobSays("third");
    drain(3);

    assertThat(counters.snapshot().quarantined().getOrDefault(FailureReason.UNKNOWN_SESSION, 0L)).isZero();
    assertThat(watcher.forwarded()).isEqualTo(3);
  }

  @Test
  void asynchronousDepositsFromSeveralThreadsAllOpenInOrderAndARevokedOneFails() throws Exception {
    int threads = 4;
    int each = 50;
    java.util.List<java.util.concurrent.CompletableFuture<io.vettid.api.EventId>> all =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.List<Thread> senders = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int from = t;
      Thread th = new Thread(() -> {
        for (int i = 0; i < each; i++) {
          all.add(bob.sendAsync(ALICE_AT_BOB, HELLO, JsonNodeFactory.instance.objectNode().put("n", from * 1000 + i)));
        }
      });
      senders.add(th);
      th.start();
    }
    for (Thread th : senders) {
      th.join();
    }
    java.util.concurrent.CompletableFuture.allOf(all.toArray(java.util.concurrent.CompletableFuture[]::new))
        .get(20, java.util.concurrent.TimeUnit.SECONDS);
    drain(threads * each);
    // one session, its key block first and sequences increasing: nothing quarantined
    assertThat(watcher.forwarded()).isEqualTo(threads * each);
    assertThat(counters.snapshot().quarantinedTotal()).isZero();
    assertThat(bob.sent()).isEqualTo(threads * each);

    bob.revoke(ALICE_AT_BOB);
    assertThat(bob.sendAsync(ALICE_AT_BOB, HELLO, JsonNodeFactory.instance.objectNode()))
        .failsWithin(Duration.ofSeconds(1)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .satisfies(e -> assertThat(((VettidException) e.getCause()).reason()).isEqualTo(FailureReason.CONNECTION_REVOKED));
  }

  @Test
  void afterRevocationEventsSealedToTheDestroyedKeysAreQuarantined() throws Exception {
    bobSays("hello");
    drain(1);
    assertThat(alice.revoke(BOB_AT_ALICE)).isTrue();
    assertThat(alice.revoke(BOB_AT_ALICE)).isFalse();
    assertThat(alice.list()).isEmpty();
    bobSays("after revocation");
    drain(1);
    assertThat(watcher.forwarded()).isEqualTo(1);
    assertThat(watcher.quarantined(FailureReason.UNKNOWN_KEY_ID)).isEqualTo(1);
    assertThat(counters.snapshot().quarantinedTotal()).isEqualTo(1);
    assertThatThrownBy(() -> alice.send(BOB_AT_ALICE, HELLO, JsonNodeFactory.instance.objectNode()))
        .isInstanceOfSatisfying(VettidException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.CONNECTION_REVOKED));
  }

  /** A second, genuine connection of alice's: its id, alice's keys for it, and its peer's keys. */
  private record Mallory(ConnectionId local, ConnectionKeys aliceForHer, ConnectionKeys keys) {}

  private Mallory addMallory() throws Exception {
    ConnectionId local = ConnectionId.of("mallory-at-alice");
    ConnectionKeys aliceForHer = ConnectionKeys.generate(SUITE, new SecureRandom());
    ConnectionKeys keys = ConnectionKeys.generate(SUITE, new SecureRandom());
    alice.add(local, ConnectionId.of("alice-at-mallory"), Subjects.deposit("m1", ES,
        ConnectionId.of("alice-at-mallory")).value(), nc, aliceForHer, keys.signingPublic(), keys.wrappingPublic());
    return new Mallory(local, aliceForHer, keys);
  }

  @Test
  void aPeerSealingWithItsOwnConnectionKeysOnAnotherConnectionsSubjectIsAWrongKey() throws Exception {
    // mallory is a second, genuine connection of alice's: alice knows her keys, for her subject only
    Mallory m = addMallory();
    ConnectionId malloryAtAlice = m.local();
    ConnectionKeys aliceForMallory = m.aliceForHer();
    ConnectionKeys malloryKeys = m.keys();
    String bobsSubject = Subjects.deposit(ALICE, ES, BOB_AT_ALICE).value();
    InternalEvent asBob = InternalEvent.builder().type(EventType.of("connection.revoked")).connectionId(BOB_AT_ALICE)
        .payload(JsonNodeFactory.instance.objectNode()).build();
    // her own signing key and alice's wrapping key for her, on bob's subject, speaking as bob
    Sealer ownKeys = Sealer.builder(SUITE, malloryKeys.signing(), aliceForMallory.wrappingPublic(), bobsSubject)
        .build();
    nc.jetStream().publish(bobsSubject, ownKeys.sealBytes(InternalEventCodec.encode(asBob)));
    // her own signing key and alice's wrapping key for bob
    Sealer bobsWrapping = Sealer.builder(SUITE, malloryKeys.signing(), aliceKeys.wrappingPublic(), bobsSubject)
        .build();
    nc.jetStream().publish(bobsSubject, bobsWrapping.sealBytes(InternalEventCodec.encode(asBob)));
    bobSays("the real bob still gets through");
    drain(3);

    assertThat(watcher.quarantined(FailureReason.WRONG_KEY)).isEqualTo(2);
    assertThat(watcher.forwarded()).isEqualTo(1);
    assertThat(alice.list()).contains(BOB_AT_ALICE, malloryAtAlice);
  }

  @Test
  void oneConnectionOpeningSessionAfterSessionEvictsOnlyItsOwn() throws Exception {
    Mallory m = addMallory();
    ConnectionId malloryAtAlice = m.local();
    ConnectionKeys aliceForMallory = m.aliceForHer();
    ConnectionKeys malloryKeys = m.keys();
    String bobsSubject = Subjects.deposit(ALICE, ES, BOB_AT_ALICE).value();
    String mallorysSubject = Subjects.deposit(ALICE, ES, malloryAtAlice).value();
    Sealer bobSeals = Sealer.builder(SUITE, bobKeys.signing(), aliceKeys.wrappingPublic(), bobsSubject).build();
    alice.opener().open(bobSeals.sealBytes(new byte[] {'0'}), bobsSubject);
    Sealer mallorySeals = Sealer.builder(SUITE, malloryKeys.signing(), aliceForMallory.wrappingPublic(),
        mallorysSubject).build();
    alice.opener().open(mallorySeals.sealBytes(new byte[] {'0'}), mallorysSubject);
    byte[] mallorysFirstSessionLater = mallorySeals.sealBytes(new byte[] {'1'});
    for (int i = 0; i < LinkIndex.SESSIONS_PER_CONNECTION; i++) {
      Sealer fresh = Sealer.builder(SUITE, malloryKeys.signing(), aliceForMallory.wrappingPublic(), mallorysSubject)
          .build();
      alice.opener().open(fresh.sealBytes(new byte[] {'s'}), mallorysSubject);
    }

    assertThatThrownBy(() -> alice.opener().open(mallorysFirstSessionLater, mallorysSubject))
        .isInstanceOfSatisfying(io.vettid.crypto.envelope.EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.UNKNOWN_SESSION));
    assertThat(alice.opener().open(bobSeals.sealBytes(new byte[] {'1'}), bobsSubject).plaintext())
        .isEqualTo(new byte[] {'1'});
  }

  /**
   * Found by the soak: connections not kept in a store never released the sequences of the
   * deliveries they opened (kept for a redelivery until acknowledged), so each session held every
   * sequence it opened (1.5 million map entries for 10 connections). A checkpoint releases what
   * the previous one's acknowledgement covered, kept or not.
   */
  @Test
  void withoutAStoreTheSequencesOfAcknowledgedDeliveriesAreReleased() throws Exception {
    String bobsSubject = Subjects.deposit(ALICE, ES, BOB_AT_ALICE).value();
    String prefix = bobsSubject.substring(0, bobsSubject.lastIndexOf('.') + 1);
    Sealer bobSeals = Sealer.builder(SUITE, bobKeys.signing(), aliceKeys.wrappingPublic(), bobsSubject).build();
    for (long delivery = 1; delivery <= 100; delivery++) {
      alice.opener().open(bobSeals.sealBytes(new byte[] {1}), bobsSubject, delivery);
    }
    alice.opener().checkpoint(prefix, 100).join();
    for (long delivery = 101; delivery <= 110; delivery++) {
      alice.opener().open(bobSeals.sealBytes(new byte[] {1}), bobsSubject, delivery);
    }
    alice.opener().checkpoint(prefix, 110).join(); // the first checkpoint's deliveries were acknowledged
    long held = alice.link(BOB_AT_ALICE).opener.snapshot().state().sessions().stream()
        .mapToLong(o -> o.redeliverable().size()).sum();
    assertThat(held).as("sequences kept for a redelivery").isEqualTo(10);
  }

  /** Low item of the review: a previous wrapping key whose rotation the peer never acknowledged was kept forever. */
  @Test
  void aPreviousKeyWhoseRotationIsNeverAcknowledgedEndsAfterThirtyDays() throws Exception {
    io.vettid.testkit.ShiftedClock clock = new io.vettid.testkit.ShiftedClock();
    Connections carol = new Connections(clock);
    ConnectionId bobAtCarol = ConnectionId.of("bob-at-carol");
    carol.add(bobAtCarol, ALICE_AT_BOB, Subjects.deposit("b1", ES, ALICE_AT_BOB).value(), nc, aliceKeys,
        bobKeys.signingPublic(), bobKeys.wrappingPublic());
    String subject = Subjects.deposit(ALICE, ES, bobAtCarol).value();
    PublicKeyEntry old = carol.link(bobAtCarol).wrappingKey();
    carol.link(bobAtCarol).rotateWrappingKey(); // announced, never acknowledged
    clock.advance(Duration.ofDays(29));
    carol.retireDue();
    assertThat(carol.opener().open(Sealer.builder(SUITE, bobKeys.signing(), old, subject).build()
        .sealBytes(new byte[] {'0'}), subject).plaintext()).isEqualTo(new byte[] {'0'});

    clock.advance(Duration.ofDays(2));
    assertThat(carol.retireDue()).isEqualTo(1);
    assertThat(carol.retireDue()).as("a retired key is counted once").isZero();
    byte[] late = Sealer.builder(SUITE, bobKeys.signing(), old, subject).build().sealBytes(new byte[] {'1'});
    assertThatThrownBy(() -> carol.opener().open(late, subject))
        .isInstanceOfSatisfying(io.vettid.crypto.envelope.EnvelopeException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.UNKNOWN_KEY_ID));
  }

  @Test
  void addValidatesItsArguments() {
    assertThatThrownBy(() -> alice.add(BOB_AT_ALICE, ALICE_AT_BOB, Subjects.deposit("b1", ES, ALICE_AT_BOB).value(),
        nc, aliceKeys, bobKeys.signingPublic(), bobKeys.wrappingPublic()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already exists");
    assertThatThrownBy(() -> alice.add(ConnectionId.of("other"), ALICE_AT_BOB, "subscriber.b1.home.queue.someone-else",
        nc, aliceKeys, bobKeys.signingPublic(), bobKeys.wrappingPublic()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("remote connection id");
    assertThatThrownBy(() -> alice.link(BOB_AT_ALICE).peerRotated(aliceKeys.signingPublic()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wrap algorithm");
    assertThatThrownBy(() -> alice.link(ConnectionId.of("nobody")).rotateWrappingKey())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no connection");
  }
}
