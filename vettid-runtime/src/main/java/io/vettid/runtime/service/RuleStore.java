package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;
import io.nats.client.api.KeyValueWatcher;
import io.nats.client.impl.NatsKeyValueWatchSubscription;
import io.vettid.api.Decision;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.RuleEngine;
import io.vettid.nats.subjects.Subjects;
import io.vettid.rules.DeclarativeRuleEngine;
import io.vettid.rules.PeerDirectory;
import io.vettid.rules.RuleExplanation;
import io.vettid.rules.RuleValidationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner's rules, kept in the vault's {@code Vault} key/value bucket under {@value #KEY} and
 * applied as they change: a watch on the key swaps the {@link DeclarativeRuleEngine} in place, so
 * a rule written now decides the next event. Rules are validated before they are written ({@link
 * #put} throws {@link RuleValidationException} naming the rule and field). Fail safe: with no
 * rules, deleted rules, or a stored value that does not validate (written around this class), every
 * event is denied.
 *
 * <pre>{@code
 * try (RuleStore rules = RuleStore.open(nc)) {
 *   rules.put("[{\"id\":\"friends\",\"eventType\":\"contact.request\",\"action\":\"hold\"}]");
 *   Decision d = rules.evaluate(event);
 * }
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class RuleStore implements RuleEngine, AutoCloseable {
  /** The key of the rule set in the {@code Vault} bucket. */
  public static final String KEY = "rules";

  private static final Logger LOG = LoggerFactory.getLogger(RuleStore.class);

  private final KeyValue kv;
  private final AtomicReference<DeclarativeRuleEngine> current = new AtomicReference<>(DeclarativeRuleEngine.empty());
  private final AtomicReference<Long> revision = new AtomicReference<>(0L);
  private final NatsKeyValueWatchSubscription watch;
  private volatile PeerDirectory peers = PeerDirectory.none();
  private final java.util.List<java.util.function.Consumer<Applied>> appliedListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * A revision of the rules that took effect.
   *
   * @param revision its revision in the bucket
   * @param ruleIds the rules now in force, in order (empty when deleted or invalid)
   * @param valid false if the stored rules did not validate (every event is denied); true for
   *     rules deleted (no rules: every event is denied)
   */
  public record Applied(long revision, java.util.List<String> ruleIds, boolean valid) {}

  private RuleStore(Connection nc) throws IOException, JetStreamApiException, InterruptedException {
    this.kv = nc.keyValue(Subjects.name("Vault"));
    CountDownLatch initial = new CountDownLatch(1);
    this.watch = kv.watch(KEY, new KeyValueWatcher() {
      @Override
      public void watch(KeyValueEntry entry) {
        apply(entry);
      }

      @Override
      public void endOfData() {
        initial.countDown();
      }
    });
    if (!initial.await(10, TimeUnit.SECONDS)) {
      throw new IOException("the rule set could not be read from the Vault bucket within 10 s");
    }
  }

  /**
   * Opens the rule store and reads the current rules.
   *
   * @param nc a connection of the vault's account (the {@code Vault} bucket must exist)
   * @return the store, watching for changes
   * @throws IOException if the bucket cannot be read
   * @throws JetStreamApiException if the bucket does not exist
   * @throws InterruptedException if interrupted while reading
   */
  public static RuleStore open(Connection nc) throws IOException, JetStreamApiException, InterruptedException {
    return new RuleStore(Objects.requireNonNull(nc, "nc"));
  }

  private void apply(KeyValueEntry entry) {
    boolean valid = true;
    if (entry.getOperation() != KeyValueOperation.PUT || entry.getValue() == null) {
      current.set(DeclarativeRuleEngine.empty());
      LOG.info("rules deleted: every event is denied until rules are written");
    } else {
      try {
        current.set(DeclarativeRuleEngine.parse(entry.getValue()).withPeers(peers));
        LOG.info("rules revision {} applied ({} rules)", entry.getRevision(), current.get().ruleIds().size());
      } catch (RuleValidationException e) {
        current.set(DeclarativeRuleEngine.empty());
        valid = false;
        LOG.warn("stored rules revision {} do not validate ({}); denying every event", entry.getRevision(), e.getMessage());
      }
    }
    revision.set(entry.getRevision());
    Applied applied = new Applied(entry.getRevision(), current.get().ruleIds(), valid);
    for (java.util.function.Consumer<Applied> l : appliedListeners) {
      try {
        l.accept(applied);
      } catch (RuntimeException e) {
        LOG.warn("a listener of rule changes failed ({})", e.getClass().getSimpleName());
      }
    }
  }

  /**
   * Tells a listener of every revision of the rules that takes effect from now on (on the watch's
   * thread; it must be quick).
   *
   * @param listener the listener
   */
  public void onApplied(java.util.function.Consumer<Applied> listener) {
    appliedListeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Validates and writes a rule set; it applies to the next event (after the watch delivers it,
   * normally within milliseconds; {@link #awaitRevision} waits for it).
   *
   * @param json the rule set (see {@link DeclarativeRuleEngine})
   * @return the new revision
   * @throws RuleValidationException if a rule is invalid; nothing is written
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the bucket refuses the write
   */
  public long put(String json) throws RuleValidationException, IOException, JetStreamApiException {
    Objects.requireNonNull(json, "json");
    DeclarativeRuleEngine.parse(json);
    return kv.put(KEY, json.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Waits until a revision written by {@link #put} is the one applied.
   *
   * @param rev the revision
   * @param timeout how long to wait
   * @return whether it was applied in time
   * @throws InterruptedException if interrupted
   */
  public boolean awaitRevision(long rev, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (revision.get() < rev) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  /** {@return the rule set now in force, as JSON text, or empty text when none} */
  public String text() {
    try {
      KeyValueEntry e = kv.get(KEY);
      return e == null || e.getValue() == null ? "" : new String(e.getValue(), StandardCharsets.UTF_8);
    } catch (IOException | JetStreamApiException e) {
      throw new IllegalStateException("cannot read the rules: " + e.getMessage(), e);
    }
  }

  /**
   * Sets who is at the other end of each connection, for rules that name a peer (by default no
   * peer is known, and such rules never match).
   *
   * @param directory the vault's peers
   */
  public void peers(PeerDirectory directory) {
    this.peers = Objects.requireNonNull(directory, "directory");
    current.updateAndGet(e -> e.withPeers(directory));
  }

  /**
   * Evaluates the rules now in force for an event and says why, rule by rule.
   *
   * @param event the event
   * @return the decision and the rules asked
   */
  public RuleExplanation explain(InternalEvent event) {
    return current.get().explain(event);
  }

  /** {@return the engine now in force} */
  public DeclarativeRuleEngine engine() {
    return current.get();
  }

  @Override
  public Decision evaluate(InternalEvent event) {
    return current.get().evaluate(event);
  }

  @Override
  public void close() {
    try {
      watch.unsubscribe();
    } catch (RuntimeException e) {
      LOG.debug("rule watch already closed", e);
    }
  }
}
