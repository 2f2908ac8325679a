package io.vettid.benchmarks;

import io.nats.client.Connection;
import io.nats.client.ConsumeOptions;
import io.nats.client.IterableConsumer;
import io.nats.client.JetStream;
import io.nats.client.Message;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
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

  /**
   * How every raw consumer reads: as the vault's watcher and services do (the runtime's {@code
   * PollingLoop.CONSUME}), pull requests of 256 kept outstanding, the next asked for after a
   * quarter is consumed, each expiring after 5 s with heartbeats.
   */
  static final ConsumeOptions CONSUME = ConsumeOptions.builder().batchSize(256).thresholdPercent(25)
      .expiresIn(5_000).build();

  /** A durable consumer of the stream ({@code explicit} acknowledgements), read as {@link #CONSUME}. */
  static IterableConsumer consume(Connection c, String stream, String durable) throws Exception {
    c.jetStreamManagement().addOrUpdateConsumer(stream, ConsumerConfiguration.builder().durable(durable)
        .ackPolicy(AckPolicy.Explicit).build());
    return c.jetStream().getConsumerContext(stream, durable).iterate(CONSUME);
  }

  /** Publishes {@code n} events (at {@code rate} per second, or as fast as the senders go) and consumes them. */
  Run run(String name, int n, int rate) throws Exception {
    String stream = "BenchRaw" + System.nanoTime() % 100000;
    try (Connection pub = connector.connect(); Connection sub = connector.connect()) {
      addStream(pub, stream, 1);
      JetStream js = pub.jetStream();
      Measured m = new Measured(n);
      Thread consumer = m.consumer(sub, stream);
      consumer.start();
      CpuReading cpu = cpuReading.get();
      long start = System.nanoTime();
      publish(js, stream + ".In", n, rate, start);
      Run r = m.await(name, start, cpu);
      pub.jetStreamManagement().deleteStream(stream);
      report(r, cpu, n);
      return r;
    }
  }

  /**
   * Raw JetStream across two servers, the yardstick of the split topology: published to a stream
   * on the first server ({@code source}, the EventSpace server), read there by a relay that
   * republishes each message to a stream on the second (this instance's server, the vault's) and
   * acknowledges it once that publish is acknowledged (at most 256 in flight), and consumed there.
   * The same work the remote watcher does, without opening anything.
   *
   * @param replicas the source stream's replicas: 1, or 3 on a cluster (as the deposit streams there)
   */
  Run relayed(String name, int n, Connector source, int replicas) throws Exception {
    String stream = "BenchRelay" + System.nanoTime() % 100000;
    try (Connection pub = source.connect(); Connection relayIn = source.connect(); Connection relayOut = connector.connect();
        Connection sub = connector.connect()) {
      addStream(pub, stream, replicas);
      addStream(relayOut, stream, 1);
      Measured m = new Measured(n);
      Thread consumer = m.consumer(sub, stream);
      consumer.start();
      IterableConsumer in = consume(relayIn, stream, "relay");
      JetStream out = relayOut.jetStream();
      Thread relay = new Thread(() -> relay(in, out, stream + ".In", n), "bench-relay");
      relay.start();
      CpuReading cpu = cpuReading.get();
      long start = System.nanoTime();
      publish(pub.jetStream(), stream + ".In", n, 0, start);
      Run r = m.await(name, start, cpu);
      relay.join(10_000);
      pub.jetStreamManagement().deleteStream(stream);
      relayOut.jetStreamManagement().deleteStream(stream);
      report(r, cpu, n);
      return r;
    }
  }

  private static void relay(IterableConsumer in, JetStream out, String subject, int n) {
    record Pending(Message m, CompletableFuture<PublishAck> ack) {}
    java.util.ArrayDeque<Pending> inFlight = new java.util.ArrayDeque<>();
    int relayed = 0;
    try {
      while (relayed < n) {
        Message m = in.nextMessage(inFlight.isEmpty() ? Duration.ofMillis(500) : null);
        if (m != null) {
          inFlight.add(new Pending(m, out.publishAsync(subject,
              new Headers().put("t", m.getHeaders().getFirst("t")), m.getData())));
        }
        // what is acknowledged, what the full window waits for, and everything when nothing more waits
        boolean drain = m == null;
        while (!inFlight.isEmpty() && (drain || inFlight.size() >= 256 || inFlight.peek().ack().isDone())) {
          Pending p = inFlight.poll();
          p.ack().get(10, TimeUnit.SECONDS);
          p.m().ack();
          relayed++;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("the relay failed", e);
    } finally {
      in.stop();
    }
  }

  private static void addStream(Connection c, String stream, int replicas) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        c.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(stream + ".In")
            .storageType(StorageType.File).replicas(replicas).build());
        return;
      } catch (io.nats.client.JetStreamApiException e) {
        // error creating store (10049): a node of a cluster just started may not hold the account yet
        if (e.getApiErrorCode() != 10049 || attempt == 40) {
          throw e;
        }
        Thread.sleep(250);
      }
    }
  }

  private void report(Run r, CpuReading cpu, int n) {
    printer.accept(r);
    if (CpuReading.detail()) {
      out.println("    client CPU by thread, us/event:" + cpu.threadsPerEvent(n));
      out.println("    server traffic per event:" + cpu.serverTrafficPerEvent(n) + cpu.serverUserSysPerEvent(n));
    }
  }

  /** A raw run's consumer: it acknowledges each message and measures its latency from the header {@code t}. */
  private static final class Measured {
    private final int n;
    private final Latencies lat;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile long end;

    Measured(int n) {
      this.n = n;
      this.lat = new Latencies(n);
    }

    Thread consumer(Connection sub, String stream) throws Exception {
      IterableConsumer reader = consume(sub, stream, "bench");
      return new Thread(() -> {
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
        } catch (io.nats.client.JetStreamStatusCheckedException e) {
          throw new IllegalStateException(e);
        } finally {
          reader.stop();
        }
        end = System.nanoTime();
        done.countDown();
      }, "bench-raw-consumer");
    }

    Run await(String name, long start, CpuReading cpu) throws InterruptedException {
      if (!done.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + ": not all messages arrived");
      }
      return new Run(name, n, n / ((end - start) / 1e9), lat.percentileMillis(0.5), lat.percentileMillis(0.99), cpu);
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
