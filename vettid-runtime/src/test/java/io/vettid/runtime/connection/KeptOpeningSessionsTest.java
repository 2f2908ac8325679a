package io.vettid.runtime.connection;

import static io.vettid.proptest.Gens.anyByte;
import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.vettid.api.ConnectionId;
import io.vettid.crypto.SecretBox;
import io.vettid.crypto.envelope.SessionStates;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.testkit.NatsServerExtension;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The opening sessions kept in batches (PROTOCOL section 6): one entry per acknowledgement batch,
 * whatever number of connections it covers; a restart reads, for each connection, the state of
 * the entry of highest order; a snapshot replaces what came before it; a batch that does not open
 * makes every kept opening session untrusted (each peer is asked for a new session), never an
 * older state used in its place.
 */
class KeptOpeningSessionsTest {
  @RegisterExtension final NatsServerExtension nats = NatsServerExtension.builder().tls().encryptedAtRest().build();

  private final byte[] secret = new byte[32];
  private Connection nc;
  private final ConnectionId a = ConnectionId.of("conn-a");
  private final ConnectionId b = ConnectionId.of("conn-b");

  @BeforeEach
  void connect() throws Exception {
    new SecureRandom().nextBytes(secret);
    nc = nats.connect();
    JetStreamLayout.builder().build().ensureVault(nc);
  }

  /** A state told apart by the sessions it retired ({@code n} of them). */
  private static SessionStates.Openings state(int n) {
    List<SessionStates.Retired> retired = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] id = new byte[16];
      id[0] = (byte) i;
      retired.add(new SessionStates.Retired(id, Instant.ofEpochMilli(1_000L * (i + 1))));
    }
    return new SessionStates.Openings(List.of(), retired);
  }

  private static int stateOf(SessionStates.Openings o) {
    return o.retired().size();
  }

  private static ConnectionStore.OpeningsOf of(ConnectionId id, int n) {
    return new ConnectionStore.OpeningsOf(id, state(n));
  }

  /** Writes a connection's opening sessions as a single entry, as builds before the batches did. */
  private void writeSingleEntry(ConnectionId id, int n) throws Exception {
    String k = "open." + id.value();
    byte[] key = SecretBox.derive(secret, "vettid/connections/sessions/v1", 32);
    nc.keyValue(Subjects.name("Connections")).put(k, SecretBox.seal(key, k.getBytes(StandardCharsets.UTF_8),
        SessionStates.encode(state(n)), new SecureRandom()));
  }

  @Test
  void eachConnectionGoesOnWithItsNewestStateAndASnapshotReplacesWhatCameBefore() throws Exception {
    writeSingleEntry(a, 1);
    writeSingleEntry(b, 2);
    ConnectionStore first = new ConnectionStore(nc, secret);
    assertThat(first.preloadSessions()).isEqualTo(2);
    first.saveOpenings(List.of(of(a, 3), of(b, 4))).stored().get();
    first.saveOpenings(List.of(of(a, 5))).stored().get();

    ConnectionStore second = new ConnectionStore(nc, secret); // a restart
    second.preloadSessions();
    assertThat(stateOf(second.openings(a))).as("the later batch").isEqualTo(5);
    assertThat(stateOf(second.openings(b))).as("the batch, newer than the single entry").isEqualTo(4);
    assertThat(second.openings(ConnectionId.of("conn-none"))).isNull();
    // taken once from the preload; read again, it comes from the entry that holds it
    assertThat(stateOf(second.openings(a))).isEqualTo(5);

    // a snapshot (in two chunks), a batch after it, and what came before removed
    List<ConnectionStore.OpeningsOf> all = new ArrayList<>();
    all.add(of(a, 5));
    all.add(of(b, 4));
    for (int i = 0; i < 3_000; i++) { // past one chunk's 512 KB
      all.add(of(ConnectionId.of("conn-" + i), 1 + i % 40));
    }
    ConnectionStore.SnapshotWritten snapshot = second.saveSnapshot(all);
    second.saveOpenings(List.of(of(b, 6))).stored().get();
    long firstChunk = snapshot.stored().get();
    assertThat(snapshot.bytes()).isGreaterThan(ConnectionStore.SNAPSHOT_CHUNK_BYTES);
    assertThat(second.dropSessionsBefore(firstChunk)).as("two single entries and two batches").isEqualTo(4);
    KeyValue kv = nc.keyValue(Subjects.name("Connections"));
    List<String> left = kv.keys().stream().filter(k -> k.startsWith("open")).toList();
    assertThat(left).as("the snapshot's chunks and the batch after it").filteredOn(k -> k.startsWith("opens."))
        .hasSize(1);
    assertThat(left).filteredOn(k -> k.startsWith("openall.")).hasSizeGreaterThanOrEqualTo(2)
        .hasSize(left.size() - 1);

    ConnectionStore third = new ConnectionStore(nc, secret);
    assertThat(third.preloadSessions()).isEqualTo(3_002);
    assertThat(stateOf(third.openings(a))).as("from the snapshot").isEqualTo(5);
    assertThat(stateOf(third.openings(b))).as("the batch after the snapshot").isEqualTo(6);
    assertThat(stateOf(third.openings(ConnectionId.of("conn-2999")))).as("the second chunk").isEqualTo(1 + 2999 % 40);
    assertThat(stateOf(third.openings(ConnectionId.of("conn-7")))).isEqualTo(8);
    assertThat(stateOf(third.openings(ConnectionId.of("conn-7")))).as("again: from the chunk that holds it")
        .isEqualTo(8);

    // the order goes on above what is kept: a batch written now is newer than all of it
    third.saveOpenings(List.of(of(a, 7))).stored().get();
    ConnectionStore fourth = new ConnectionStore(nc, secret);
    fourth.preloadSessions();
    assertThat(stateOf(fourth.openings(a))).isEqualTo(7);
  }

  @Test
  void aBatchThatDoesNotOpenLeavesNoKeptOpeningSessionTrusted() throws Exception {
    ConnectionStore store = new ConnectionStore(nc, secret);
    store.preloadSessions();
    store.saveOpenings(List.of(of(a, 1), of(b, 1))).stored().get();
    store.saveOpenings(List.of(of(a, 2))).stored().get();
    KeyValue kv = nc.keyValue(Subjects.name("Connections"));
    String later = kv.keys().stream().filter(k -> k.startsWith("opens.")).max(String::compareTo).orElseThrow();
    byte[] sealed = kv.get(later).getValue();
    sealed[sealed.length - 1] ^= 1;
    kv.put(later, sealed);

    ConnectionStore restarted = new ConnectionStore(nc, secret);
    restarted.preloadSessions();
    // the altered batch may hold a newer state of any connection: none is used, not even b's,
    // whose newest state is in the intact batch (an older one would open replayed deposits)
    assertThatThrownBy(() -> restarted.openings(a)).isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("does not open");
    assertThatThrownBy(() -> restarted.openings(b)).isInstanceOf(GeneralSecurityException.class);
  }

  @Test
  void aBatchIsReadBackAsWrittenAndAnythingElseIsRefusedWithAClearError() {
    tries(300).forAll(ints(0, 20), ints(0, 8)).checkAssert((n, retired) -> {
      List<ConnectionStore.OpeningsOf> batch = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        batch.add(of(ConnectionId.of("c" + i), (retired + i) % 9));
      }
      ConnectionStore.Batch back = ConnectionStore.decodeBatch(ConnectionStore.encodeBatch(7, batch));
      assertThat(back.order()).isEqualTo(7);
      assertThat(back.states()).hasSize(n);
      for (ConnectionStore.OpeningsOf o : batch) {
        assertThat(stateOf(SessionStates.decodeOpenings(back.states().get(o.local().value()))))
            .isEqualTo(stateOf(o.openings()));
      }
    });
    byte[] sample = ConnectionStore.encodeBatch(3, List.of(of(a, 2), of(b, 1)));
    tries(2000).forAll(ints(0, sample.length - 1), anyByte()).checkAssert((at, value) -> {
      byte[] mutated = sample.clone();
      mutated[at] = value;
      try {
        ConnectionStore.Batch back = ConnectionStore.decodeBatch(mutated);
        assertThat(back.states()).isNotEmpty(); // a change the form allows (a state's byte): a batch all the same
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).isNotBlank();
      }
    });
    tries(1000).forAll(bytes(0, 300)).checkAssert(random -> {
      try {
        ConnectionStore.decodeBatch(random);
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).isNotBlank();
      }
    });
    for (int cut = 0; cut < sample.length; cut++) {
      byte[] truncated = java.util.Arrays.copyOf(sample, cut);
      assertThatThrownBy(() -> ConnectionStore.decodeBatch(truncated)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ConnectionStore.decodeBatch(java.util.Arrays.copyOf(sample, sample.length + 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after its end");
  }
}
