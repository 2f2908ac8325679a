package io.vettid.benchmarks;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Raw JetStream, the yardstick: the same payloads published with a timestamp header to a stream of
 * their own, consumed with a pull consumer and acknowledged, in an account of their own on the
 * same server.
 */
final class RawJetStream {
  /** Opens a connection in the raw runs' account. */
  @FunctionalInterface
  interface Connector {
    Connection connect() throws Exception;
  }

  private final Connector connector;
  private final byte[] payloadBytes;
  private final Supplier<CpuReading> cpuReading;
  private final Consumer<Run> printer;
  private final PrintStream out;

  RawJetStream(Connector connector, byte[] payloadBytes, Supplier<CpuReading> cpuReading, Consumer<Run> printer,
      PrintStream out) {
    this.connector = connector;
    this.payloadBytes = payloadBytes;
    this.cpuReading = cpuReading;
    this.printer = printer;
    this.out = out;
  }

  /** Publishes {@code n} events (at {@code rate} per second, or as fast as the senders go) and consumes them. */
  Run run(String name, int n, int rate) throws Exception {
    String stream = "BenchRaw" + System.nanoTime() % 100000;
    try (Connection pub = connector.connect(); Connection sub = connector.connect()) {
      pub.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(stream + ".In")
          .storageType(StorageType.File).build());
      JetStream js = pub.jetStream();
      JetStreamSubscription s = sub.jetStream().subscribe(stream + ".In",
          PullSubscribeOptions.builder().durable("bench").build());
      Latencies lat = new Latencies(n);
      CountDownLatch done = new CountDownLatch(1);
      long[] end = new long[1];
      Thread consumer = new Thread(() -> {
        // a reader keeps pull requests outstanding, as the vault's watcher and services do
        io.nats.client.JetStreamReader reader = s.reader(256, 64);
        int got = 0;
        try {
          while (got < n) {
            Message m = reader.nextMessage(Duration.ofMillis(500));
            if (m == null) {
              continue;
            }
            lat.add(System.nanoTime() - Long.parseLong(m.getHeaders().getFirst("t")));
            m.ack();
            got++;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } finally {
          reader.stop();
        }
        end[0] = System.nanoTime();
        done.countDown();
      });
      consumer.start();
      CpuReading cpu = cpuReading.get();
      long start = System.nanoTime();
      publish(js, stream + ".In", n, rate, start);
      if (!done.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + ": not all messages arrived");
      }
      Run r = new Run(name, n, n / ((end[0] - start) / 1e9), lat.percentileMillis(0.5), lat.percentileMillis(0.99), cpu);
      pub.jetStreamManagement().deleteStream(stream);
      printer.accept(r);
      if (CpuReading.detail()) {
        out.println("    client CPU by thread, us/event:" + cpu.threadsPerEvent(n));
        out.println("    server traffic per event:" + cpu.serverTrafficPerEvent(n) + cpu.serverUserSysPerEvent(n));
      }
      return r;
    }
  }

  /** Publishes at the rate, or with the pipeline's senders: 4 threads, each with a window of 256 in flight. */
  private void publish(JetStream js, String subject, int n, int rate, long start) throws Exception {
    if (rate > 0) {
      List<CompletableFuture<PublishAck>> inflight = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Senders.pace(start, i, rate);
        inflight.add(js.publishAsync(subject, new Headers().put("t", Long.toString(System.nanoTime())), payloadBytes));
      }
      for (CompletableFuture<PublishAck> f : inflight) {
        f.get(10, TimeUnit.SECONDS);
      }
      return;
    }
    Senders.onThreads(4, t -> {
      Senders.Window window = new Senders.Window();
      for (int i = 0; i < n / 4 + (t < n % 4 ? 1 : 0); i++) {
        window.add(js.publishAsync(subject, new Headers().put("t", Long.toString(System.nanoTime())), payloadBytes));
      }
      window.drain();
    });
  }
}
