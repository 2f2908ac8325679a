package io.vettid.testkit;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Collects what a NATS server refuses a connection (its asynchronous {@code -ERR}s, such as {@code
 * Permissions Violation for Publish to "..."}), so that a test can wait for a refusal it expects:
 * the permission matrix of a user, checked against a real server.
 *
 * <pre>{@code
 * Refusals refusals = new Refusals();
 * Connection nc = NATS.connect(user, NATS.options().errorListener(refusals));
 * nc.publish("subscriber.g1.home.queue.other", new byte[] {1});
 * refusals.expect("publish", "subscriber.g1.home.queue.other");
 * }</pre>
 */
public final class Refusals implements ErrorListener {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private final BlockingQueue<String> errors = new LinkedBlockingQueue<>();

  @Override
  public void errorOccurred(Connection conn, String error) {
    errors.add(error);
  }

  /**
   * Waits up to 5 seconds for the server's refusal of exactly this subject.
   *
   * @param kind {@code publish} or {@code subscription}
   * @param subject the subject
   * @throws AssertionError if the server did not refuse it
   * @throws InterruptedException if interrupted while waiting
   */
  public void expect(String kind, String subject) throws InterruptedException {
    expectStartingWith(kind, subject + "\"");
  }

  /**
   * Waits up to 5 seconds for the server's refusal of a subject starting with the given text.
   *
   * @param kind {@code publish} or {@code subscription}
   * @param subjectStart how the subject starts
   * @throws AssertionError if the server did not refuse it
   * @throws InterruptedException if interrupted while waiting
   */
  public void expectStartingWith(String kind, String subjectStart) throws InterruptedException {
    expectError("permissions violation for " + kind + " to \"" + subjectStart);
  }

  /**
   * Waits up to 5 seconds for an error of the server that contains the given text (case ignored),
   * such as {@code maximum subscriptions}.
   *
   * @param text what the error says
   * @throws AssertionError if the server said no such thing
   * @throws InterruptedException if interrupted while waiting
   */
  public void expectError(String text) throws InterruptedException {
    String expected = text.toLowerCase(Locale.ROOT);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      String e = errors.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
      if (e != null && e.toLowerCase(Locale.ROOT).contains(expected)) {
        return;
      }
    }
    throw new AssertionError("the server did not refuse: expected '" + expected + "', errors seen: " + errors);
  }

  /** {@return whether no refusal has been seen (that was not waited for)} */
  public boolean isEmpty() {
    return errors.isEmpty();
  }
}
