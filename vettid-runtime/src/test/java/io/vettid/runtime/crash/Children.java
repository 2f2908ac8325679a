package io.vettid.runtime.crash;

import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the crash tests share: starting a child JVM until it says "ready", and reading its replies. */
final class Children {
  private Children() {}

  /**
   * Starts a class of this test class path in a child JVM and waits for its line {@code ready}; its
   * further output is drained (printed with {@code CRASH_DEBUG} set).
   *
   * @param main the class
   * @param args its arguments
   * @return the running process
   */
  static Process start(Class<?> main, String... args) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        main.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder log = new StringBuilder();
    String line;
    while ((line = r.readLine()) != null) {
      log.append(line).append('\n');
      if (line.equals("ready")) {
        Thread drain = new Thread(() -> {
          try {
            String l;
            while ((l = r.readLine()) != null) {
              if (System.getenv("CRASH_DEBUG") != null) {
                System.out.println("child: " + l);
              }
            }
          } catch (java.io.IOException ignored) {
            // the child died
          }
        });
        drain.setDaemon(true);
        drain.start();
        return p;
      }
    }
    throw new AssertionError("the child " + main.getSimpleName() + " did not start:\n" + log);
  }

  /**
   * What the tally handler's records say: for each connection and eventId (paired by position),
   * how many of its {@code perId} events were never handled, and how many were handled again.
   *
   * @param lost events never handled (an eventId without a record lost all of its events)
   * @param twice events handled more than once
   */
  record Counts(int lost, int twice) {}

  static Counts count(io.nats.client.KeyValue records, List<io.vettid.api.ConnectionId> connections,
      List<io.vettid.api.EventId> ids, int perId) throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    int lost = 0;
    int twice = 0;
    for (int i = 0; i < ids.size(); i++) {
      io.nats.client.api.KeyValueEntry e = records.get("Manager.r." + connections.get(i).value() + "."
          + ids.get(i).value());
      if (e == null) {
        lost += perId;
        continue;
      }
      String state = new String(java.util.Base64.getDecoder().decode(json.readTree(e.getValue()).path("state")
          .asText()), StandardCharsets.UTF_8);
      List<String> seen = java.util.Arrays.asList(state.split(","));
      int distinct = new java.util.HashSet<>(seen).size();
      twice += seen.size() - distinct;
      lost += perId - distinct;
    }
    return new Counts(lost, twice);
  }

  /** Waits until stream {@code CrashOut} holds at least so many replies, or the time is up; returns how many. */
  static long waitForReplies(Connection nc, long atLeast, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long n;
    do {
      n = nc.jetStreamManagement().getStreamInfo("CrashOut").getStreamState().getMsgCount();
      if (n >= atLeast) {
        return n;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    return n;
  }

  /**
   * Waits until every durable consumer of every stream the connection sees has nothing left to
   * deliver and nothing delivered but unacknowledged. From then on nothing can be delivered again
   * (a redelivery is of an unacknowledged message only), so a duplicate handling cannot show up
   * later: this replaces sleeping past the ack wait.
   *
   * @return whether that happened before the timeout
   */
  static boolean awaitEverythingAcknowledged(Connection nc, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    do {
      boolean settled = true;
      io.nats.client.JetStreamManagement jsm = nc.jetStreamManagement();
      for (String stream : jsm.getStreamNames()) {
        for (io.nats.client.api.ConsumerInfo ci : jsm.getConsumers(stream)) {
          if (ci.getConsumerConfiguration().getDurable() != null
              && (ci.getNumPending() > 0 || ci.getNumAckPending() > 0)) {
            settled = false;
          }
        }
      }
      if (settled) {
        return true;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    return false;
  }

  /** Every reply in stream {@code CrashOut}, with how often it came. */
  static Map<String, Integer> replies(Connection nc) throws Exception {
    Map<String, Integer> replies = new HashMap<>();
    JetStreamSubscription sub = nc.jetStream().subscribe(CrashChild.OUT_SUBJECT,
        PullSubscribeOptions.builder().durable("check").build());
    List<Message> got;
    while (!(got = sub.fetch(500, Duration.ofSeconds(1))).isEmpty()) {
      for (Message m : got) {
        replies.merge(new String(m.getData(), StandardCharsets.UTF_8), 1, Integer::sum);
        m.ack();
      }
    }
    return replies;
  }
}
