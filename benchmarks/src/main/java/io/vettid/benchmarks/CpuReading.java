package io.vettid.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * CPU time of the server process and of this JVM, read at the start of a measured run: what a run
 * cost per event, on each side, and (with the profiling aids) where.
 */
final class CpuReading {
  private final long serverPid;
  private final long[] otherServerPids;
  private final int monitorPort;
  private final long server;
  private final long client = clientCpuNanos();
  private final Map<String, Long> threads = threadCpuNanos();
  private final long jit = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
  private final long[] varz;
  private final long[] userSys;

  /**
   * Reads the CPU times now.
   *
   * @param serverPid the nats-server's process id, 0 when unknown
   * @param monitorPort its monitoring port
   * @param otherServerPids further nats-server processes the run uses, whose CPU time counts as the
   *     server's too (the split topology: the vault's server and the EventSpace server)
   */
  CpuReading(long serverPid, int monitorPort, long... otherServerPids) {
    this.serverPid = serverPid;
    this.otherServerPids = otherServerPids.clone();
    this.monitorPort = monitorPort;
    this.server = serverCpuNanos();
    this.varz = detail() ? varz() : null;
    this.userSys = detail() ? userSys() : null;
  }

  /** Whether the runs print their CPU by thread and the server's traffic (the profiling aids core and paced). */
  static boolean detail() {
    return Boolean.getBoolean("bench.core") || Boolean.getBoolean("bench.paced");
  }

  /** The server's user and system CPU per event, from /proc (bench.core). */
  String serverUserSysPerEvent(int events) {
    long[] now = userSys();
    double tick = 1e6 / 100; // microseconds per clock tick (USER_HZ 100)
    return String.format(" user=%.1f sys=%.1f us/event", (now[0] - userSys[0]) * tick / events,
        (now[1] - userSys[1]) * tick / events);
  }

  /** The server's message and byte counts per event since this account began (bench.core). */
  String serverTrafficPerEvent(int events) {
    long[] now = varz();
    return String.format(" in_msgs=%.2f out_msgs=%.2f in_bytes=%.0f out_bytes=%.0f",
        (now[0] - varz[0]) / (double) events, (now[1] - varz[1]) / (double) events,
        (now[2] - varz[2]) / (double) events, (now[3] - varz[3]) / (double) events);
  }

  /** This JVM's CPU per event by thread group (senders, watcher, services, NATS I/O...), in microseconds. */
  String threadsPerEvent(int events) {
    Map<String, Long> now = threadCpuNanos();
    StringBuilder b = new StringBuilder();
    now.forEach((k, v) -> {
      double us = (v - threads.getOrDefault(k, 0L)) / 1e3 / events;
      if (us >= 0.5) {
        b.append(String.format(" %s=%.1f", k, us));
      }
    });
    return b.toString();
  }

  double serverMicrosPerEvent(int events) {
    long now = serverCpuNanos();
    return server < 0 || now < 0 ? Double.NaN : (now - server) / 1e3 / events;
  }

  double clientMicrosPerEvent(int events) {
    return (clientCpuNanos() - client) / 1e3 / events;
  }

  double jitMicrosPerEvent(int events) {
    return (ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit) * 1e3 / events;
  }

  /** in_msgs, out_msgs, in_bytes, out_bytes from the server's /varz. */
  private long[] varz() {
    try {
      var httpClient = java.net.http.HttpClient.newHttpClient();
      String body = httpClient.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + monitorPort + "/varz")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
      return new long[] {n.path("in_msgs").asLong(), n.path("out_msgs").asLong(), n.path("in_bytes").asLong(),
          n.path("out_bytes").asLong()};
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private long[] userSys() {
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc/" + serverPid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    } catch (java.io.IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  private long serverCpuNanos() {
    long sum = cpuNanos(serverPid);
    for (long pid : otherServerPids) {
      long one = cpuNanos(pid);
      sum = sum < 0 || one < 0 ? -1 : sum + one;
    }
    return sum;
  }

  private static long cpuNanos(long pid) {
    return pid <= 0 ? -1 : ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration())
        .map(Duration::toNanos).orElse(-1L);
  }

  private static Map<String, Long> threadCpuNanos() {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> byGroup = new java.util.TreeMap<>();
    byGroup.put("senders(ended)", Senders.SENDER_CPU.get());
    long gcMillis = 0;
    for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcMillis += Math.max(0, gc.getCollectionTime());
    }
    byGroup.put("gc-pauses(wall)", gcMillis * 1_000_000);
    byGroup.put("jit(wall)", ManagementFactory.getCompilationMXBean().getTotalCompilationTime() * 1_000_000);
    for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      long cpu = mx.getThreadCpuTime(t.getThreadId());
      if (cpu > 0) {
        byGroup.merge(t.getThreadName().replaceAll("[0-9]+", "N"), cpu, Long::sum);
      }
    }
    return byGroup;
  }

  private static long clientCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
