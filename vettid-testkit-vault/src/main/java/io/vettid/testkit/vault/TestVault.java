package io.vettid.testkit.vault;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.service.Quarantine;
import io.vettid.runtime.service.RuntimeCounters;
import io.vettid.runtime.service.RuleStore;
import io.vettid.testkit.NatsServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A started vault for one test ({@link VaultTest}): a VettID runtime on its own real nats-server.
 * Deposit events as its Event Watcher would queue them, then wait until they are settled and look
 * at what became of them: the counters, the replies the handlers sent, the quarantine.
 */
public final class TestVault implements AutoCloseable {
  /**
   * A reply a handler sent to a connection (the vault has no connections here: the reply is kept).
   *
   * @param to the connection it was for
   * @param type its type
   * @param eventId the eventId it answers
   * @param payload its payload
   */
  public record Reply(ConnectionId to, EventType type, EventId eventId, ObjectNode payload) {}

  private final VettIdRuntime runtime;
  private final Connection nc;
  private final List<Reply> replies;

  private TestVault(VettIdRuntime runtime, Connection nc, List<Reply> replies) {
    this.runtime = runtime;
    this.nc = nc;
    this.replies = replies;
  }

  static TestVault start(NatsServerExtension nats) throws Exception {
    List<Reply> replies = new CopyOnWriteArrayList<>();
    VettIdRuntime runtime = VettIdRuntime.connect(nats.options())
        .replies((to, type, id, payload, dedupe) -> replies.add(new Reply(to, type, id, payload.deepCopy())))
        .start();
    try {
      return new TestVault(runtime, nats.connect(), replies);
    } catch (Exception e) {
      runtime.close();
      throw e;
    }
  }

  /**
   * Replaces the owner's rules and waits until the runtime applies them.
   *
   * @param json the rules, a JSON array (see {@code RuleStore})
   * @throws Exception if they are not valid rules (nothing changes) or cannot be stored
   */
  public void rules(String json) throws Exception {
    RuleStore store = runtime.rules().orElseThrow(() -> new IllegalStateException("this runtime has no RuleStore"));
    if (!store.awaitRevision(store.put(Objects.requireNonNull(json, "json")), Duration.ofSeconds(10))) {
      throw new IllegalStateException("the runtime did not apply the rules within 10 s");
    }
  }

  /**
   * Queues events for the vault's Manager, as its Event Watcher queues opened deposits.
   *
   * @param events the events
   * @throws Exception if one cannot be published
   */
  public void deposit(InternalEvent... events) throws Exception {
    for (InternalEvent e : events) {
      nc.jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(), InternalEventCodec.encode(Objects.requireNonNull(e)));
    }
  }

  /**
   * Waits until at least {@code events} events are settled: handled, quarantined, dropped, held for
   * approval, or recognised as duplicates.
   *
   * @param events how many
   * @param timeout how long to wait at most
   * @return the counters then
   * @throws AssertionError if fewer were settled in time (the message has the counts)
   * @throws InterruptedException if the test's thread is interrupted
   */
  public RuntimeCounters.Snapshot awaitSettled(long events, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeCounters.Snapshot s = runtime.counters().snapshot();
    while (settled(s) < events && System.nanoTime() < deadline) {
      Thread.sleep(20);
      s = runtime.counters().snapshot();
    }
    if (settled(s) < events) {
      throw new AssertionError(settled(s) + " of " + events + " events settled within " + timeout + ": handled "
          + s.handled() + ", quarantined " + s.quarantined() + ", dropped " + s.dropped() + ", held " + s.held()
          + ", duplicates " + s.duplicates());
    }
    return s;
  }

  private static long settled(RuntimeCounters.Snapshot s) {
    return s.handled() + s.quarantinedTotal() + s.dropped() + s.held() + s.duplicates();
  }

  /** {@return the replies handlers sent so far, in order} */
  public List<Reply> replies() {
    return List.copyOf(replies);
  }

  /** {@return the counters now} */
  public RuntimeCounters.Snapshot counters() {
    return runtime.counters().snapshot();
  }

  /**
   * The quarantined events, with their reasons.
   *
   * @param max how many at most
   * @return the entries, oldest first
   * @throws Exception if the quarantine cannot be read
   */
  public List<Quarantine.Entry> quarantined(int max) throws Exception {
    return runtime.quarantine().list(max);
  }

  /** {@return the runtime, for anything else} */
  public VettIdRuntime runtime() {
    return runtime;
  }

  /** {@return a connection to the vault's server, closed after the test} */
  public Connection connection() {
    return nc;
  }

  @Override
  public void close() {
    runtime.close();
  }
}
