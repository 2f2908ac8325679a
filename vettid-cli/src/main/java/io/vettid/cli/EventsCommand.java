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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vettid events tail | show | feed | delete | purge}: follows what the vault settles, and
 * shows the owner her own handled events, payloads included (only over her control channel).
 */
@Command(name = "events", mixinStandardHelpOptions = true,
    description = "Follow what the vault settles; read, search and delete the events it handled (the owner's feed).",
    subcommands = {EventsCommand.Tail.class, EventsCommand.Show.class, EventsCommand.FeedSearch.class,
        EventsCommand.Delete.class, EventsCommand.Purge.class})
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

    @Option(names = "--payload", description = "Show each handled event's payload too (from the owner's feed).")
    boolean payload;

    private VaultClient client;

    @Override
    public Integer call() throws Exception {
      VettidCli root = root(spec);
      Duration limit = timeout == null ? null : duration(timeout);
      java.util.concurrent.BlockingQueue<JsonNode> live = new java.util.concurrent.LinkedBlockingQueue<>();
      try (VaultClient c = VaultClient.open(root.vaultHome().dir)) {
        client = c;
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
      if (payload && "handled".equals(n.path("outcome").asText())) {
        EventEndpoints.Item item = content(n);
        if (json) {
          ((com.fasterxml.jackson.databind.node.ObjectNode) n).set("payload", item == null ? null : item.payload());
        }
        System.out.println(json ? n.toString() : EventsFormat.line(n) + System.lineSeparator() + "    "
            + (item == null ? "(not in the feed)" : item.payload().toString()));
      } else {
        System.out.println(json ? n.toString() : EventsFormat.line(n));
      }
      System.out.flush();
      return true;
    }

    /** The handled event as the feed keeps it (it is written as the notice goes out: a moment's wait). */
    private EventEndpoints.Item content(JsonNode n) {
      for (int attempt = 0; attempt < 20; attempt++) {
        try {
          java.util.List<EventEndpoints.Item> items = client.call(EventEndpoints.SHOW,
              new EventEndpoints.Show(n.path("eventId").asText(), n.path("connection").asText())).events();
          return items.get(items.size() - 1);
        } catch (io.vettid.runtime.client.VaultClientException e) {
          if (e.serviceCode() != io.vettid.runtime.client.ControlEndpoint.NOT_FOUND) {
            return null; // refused for another reason than not yet kept
          }
        } catch (Exception e) {
          return null;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
      return null;
    }
  }

  /** One line and the payload of an event of the feed. */
  static void print(EventEndpoints.Item i, java.io.PrintStream out) {
    out.println(i.time() + "  " + i.type() + "  from " + ("?".equals(i.peer()) ? i.connection()
        : i.peer() + " (" + i.connection() + ")") + "  event " + i.eventId());
    out.println("    " + i.payload());
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Show a handled event of yours with its payload (from the owner's feed; only over your control"
          + " channel, never in a log).")
  static final class Show extends VaultRequest<EventEndpoints.Show, EventEndpoints.Feed> {
    @Parameters(paramLabel = "EVENT_ID", description = "The eventId (events tail shows it).")
    String eventId;

    @Option(names = "--from", paramLabel = "CONNECTION", description = "The connection id or peer it came from.")
    String from;

    Show() {
      super(EventEndpoints.SHOW);
    }

    @Override
    EventEndpoints.Show request() {
      return new EventEndpoints.Show(eventId, from);
    }

    @Override
    void print(EventEndpoints.Feed a, java.io.PrintStream out) {
      a.events().forEach(i -> EventsCommand.print(i, out));
    }
  }

  @Command(name = "feed", mixinStandardHelpOptions = true,
      description = "Search the events the vault handled, with their payloads: by type, connection and time, the"
          + " newest last.")
  static final class FeedSearch extends VaultRequest<EventEndpoints.Search, EventEndpoints.Feed> {
    @Option(names = "--type", description = "Only events of this type.")
    String type;

    @Option(names = "--from", paramLabel = "CONNECTION", description = "Only events from this connection (id or peer).")
    String from;

    @Option(names = "--since", paramLabel = "TIME", description = "Only events at or after this time (ISO-8601).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Only events before this time (ISO-8601).")
    String until;

    @Option(names = "--last", defaultValue = "20", description = "At most this many, the newest (default ${DEFAULT-VALUE}).")
    int last;

    FeedSearch() {
      super(EventEndpoints.FEED);
    }

    @Override
    EventEndpoints.Search request() {
      if (last < 1 || last > 10_000) {
        throw new IllegalArgumentException("--last must be 1..10000");
      }
      return new EventEndpoints.Search(type, from, since, until, last);
    }

    @Override
    void print(EventEndpoints.Feed a, java.io.PrintStream out) {
      a.events().forEach(i -> EventsCommand.print(i, out));
      if (a.events().isEmpty()) {
        out.println("(no handled event matches)");
      }
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Erase a handled event from the feed (its stored bytes are overwritten).")
  static final class Delete extends VaultRequest<EventEndpoints.Show, EventEndpoints.Deleted> {
    @Parameters(paramLabel = "EVENT_ID", description = "The eventId.")
    String eventId;

    Delete() {
      super(EventEndpoints.DELETE);
    }

    @Override
    EventEndpoints.Show request() {
      return new EventEndpoints.Show(eventId, null);
    }

    @Override
    void print(EventEndpoints.Deleted a, java.io.PrintStream out) {
      out.println("erased " + a.deleted() + " event(s) of " + eventId);
    }
  }

  @Command(name = "purge", mixinStandardHelpOptions = true,
      description = "Purge the feed of one connection (--from), or all of it (--all).")
  static final class Purge extends VaultRequest<EventEndpoints.Purge, EventEndpoints.Deleted> {
    @Option(names = "--from", paramLabel = "CONNECTION", description = "The connection id or peer.")
    String from;

    @Option(names = "--all", description = "Every connection's events.")
    boolean all;

    Purge() {
      super(EventEndpoints.PURGE);
    }

    @Override
    EventEndpoints.Purge request() {
      if (all == (from != null)) {
        throw new IllegalArgumentException("give --from CONNECTION or --all");
      }
      return new EventEndpoints.Purge(from, all ? Boolean.TRUE : null);
    }

    @Override
    void print(EventEndpoints.Deleted a, java.io.PrintStream out) {
      out.println("purged " + a.deleted() + " event(s)");
    }
  }
}
