package io.vettid.cli;

import static io.vettid.cli.Inputs.duration;
import static io.vettid.cli.VettidCli.OK;
import static io.vettid.cli.VettidCli.PROBLEM;
import static io.vettid.cli.VettidCli.root;

import com.fasterxml.jackson.databind.JsonNode;
import io.vettid.runtime.client.EventEndpoints;
import io.vettid.runtime.client.VaultClient;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vettid events tail}: follows what the vault settles. */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Follow what the vault settles.",
    subcommands = {EventsCommand.Tail.class})
final class EventsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "tail", mixinStandardHelpOptions = true,
      description = "Print the last events the vault settled, then new ones as they come (ids, types, outcomes;"
          + " never payloads). Ends at Ctrl-C, after --count events, or after --timeout.")
  static final class Tail implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--last", defaultValue = "10", description = "Earlier events to show first (default ${DEFAULT-VALUE}).")
    int last;

    @Option(names = "--type", description = "Only events of this type.")
    String type;

    @Option(names = "--count", defaultValue = "0", description = "Stop after this many events (default: never).")
    int count;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Stop after this long, such as 30s.")
    String timeout;

    @Override
    public Integer call() throws Exception {
      VettidCli root = root(spec);
      Duration limit = timeout == null ? null : duration(timeout);
      java.util.concurrent.BlockingQueue<JsonNode> live = new java.util.concurrent.LinkedBlockingQueue<>();
      try (VaultClient c = VaultClient.open(root.vaultHome().dir)) {
        io.nats.client.Dispatcher d = c.connection().createDispatcher(m -> {
          try {
            live.add(VaultHome.JSON.readTree(m.getData()));
          } catch (IOException e) {
            // not a notice
          }
        });
        d.subscribe(io.vettid.nats.subjects.Subjects.MANAGER_EVENTS.value());
        c.connection().flush(Duration.ofSeconds(5));
        java.util.Set<String> seen = new java.util.HashSet<>();
        int shown = 0;
        if (last < 0 || last > 10_000) {
          throw new IllegalArgumentException("--last must be 0..10000");
        }
        for (JsonNode n : c.call(EventEndpoints.RECENT, new EventEndpoints.Recent(last)).events()) {
          seen.add(n.toString());
          if (show(n, root.json)) {
            shown++;
            if (count > 0 && shown >= count) {
              return OK;
            }
          }
        }
        long deadline = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
          JsonNode n = live.poll(Math.min(1_000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)),
              java.util.concurrent.TimeUnit.MILLISECONDS);
          if (n == null || !seen.add(n.toString())) {
            continue;
          }
          if (show(n, root.json)) {
            shown++;
            if (count > 0 && shown >= count) {
              return OK;
            }
          }
        }
        if (count > 0) {
          System.err.println("vettid: " + shown + " of " + count + " events within " + timeout);
          return PROBLEM;
        }
        return OK;
      }
    }

    private boolean show(JsonNode n, boolean json) {
      if (type != null && !type.equals(n.path("type").asText())) {
        return false;
      }
      System.out.println(json ? n.toString() : EventsFormat.line(n));
      System.out.flush();
      return true;
    }
  }
}
