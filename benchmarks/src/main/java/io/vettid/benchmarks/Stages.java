package io.vettid.benchmarks;

import io.nats.client.Connection;
import io.vettid.api.EventId;
import io.vettid.nats.subjects.Subjects;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A profiling aid (bench.stages, paced runs): when each measured event's forward to DataVault.Queue
 * and its handler record were published, seen by a core subscription on a connection of its own,
 * so the latency splits into the watcher's part, the Manager's part and the record's round trip.
 */
final class Stages implements AutoCloseable {
  private final PrintStream out;

  private final Connection nc;
  private final java.util.concurrent.atomic.AtomicLongArray forwarded;
  private final java.util.concurrent.atomic.AtomicLongArray recorded;
  private final java.util.concurrent.atomic.AtomicLongArray handled;
  private final java.util.concurrent.atomic.AtomicLongArray sent;
  private final java.util.regex.Pattern id = java.util.regex.Pattern.compile("\"t(\\d+)-");

  Stages(int n, Connection nc, PrintStream out) {
    this.nc = nc;
    this.out = out;
    forwarded = new java.util.concurrent.atomic.AtomicLongArray(n);
    recorded = new java.util.concurrent.atomic.AtomicLongArray(n);
    handled = new java.util.concurrent.atomic.AtomicLongArray(n);
    sent = new java.util.concurrent.atomic.AtomicLongArray(n);
    io.nats.client.Dispatcher d = nc.createDispatcher(m -> {
      long now = System.nanoTime();
      boolean queue = m.getSubject().equals(Subjects.DATA_VAULT_QUEUE.value());
      java.util.regex.Matcher x = id.matcher(new String(m.getData(), java.nio.charset.StandardCharsets.UTF_8));
      while (x.find()) {
        int i = Integer.parseInt(x.group(1));
        if (i < forwarded.length()) {
          (queue ? forwarded : recorded).compareAndSet(i, 0, now);
        }
      }
    });
    d.subscribe(Subjects.DATA_VAULT_QUEUE.value());
    d.subscribe("$KV." + Subjects.name("EventHandlers") + ".>");
  }

  void handled(EventId e, long now, long sentAt) {
    String v = e.value();
    int dash = v.indexOf('-');
    if (v.charAt(0) == 't' && dash > 1) {
      int i = Integer.parseInt(v, 1, dash, 10);
      if (i < handled.length()) {
        handled.set(i, now);
        sent.set(i, sentAt);
      }
    }
  }

  void print() throws java.io.IOException {
    List<long[]> rows = new ArrayList<>();
    for (int i = 0; i < handled.length(); i++) {
      if (sent.get(i) != 0 && forwarded.get(i) != 0 && recorded.get(i) != 0 && handled.get(i) != 0) {
        rows.add(new long[] {sent.get(i), forwarded.get(i), recorded.get(i), handled.get(i)});
      }
    }
    String[] names = {"send->forward", "forward->record", "record->handled"};
    for (int k = 0; k < 3; k++) {
      int kk = k;
      long[] d = rows.stream().mapToLong(r -> r[kk + 1] - r[kk]).sorted().toArray();
      if (d.length > 0) {
        out.printf("    %-16s p50 %.2f ms p90 %.2f p99 %.2f (of %d)%n", names[k], d[d.length / 2] / 1e6,
            d[(int) (d.length * 0.9)] / 1e6, d[(int) (d.length * 0.99)] / 1e6, d.length);
      }
    }
    String dir = System.getProperty("bench.latencyDir");
    if (dir != null) {
      StringBuilder b = new StringBuilder();
      long first = rows.isEmpty() ? 0 : rows.stream().mapToLong(r -> r[0]).min().getAsLong();
      for (long[] r : rows) {
        b.append(String.format("%.3f %.3f %.3f %.3f%n", (r[0] - first) / 1e6, (r[1] - r[0]) / 1e6,
            (r[2] - r[1]) / 1e6, (r[3] - r[2]) / 1e6));
      }
      java.nio.file.Files.writeString(Path.of(dir, "stages-" + System.nanoTime() + ".tsv"), b);
    }
  }

  @Override
  public void close() throws InterruptedException {
    nc.close();
  }
}
