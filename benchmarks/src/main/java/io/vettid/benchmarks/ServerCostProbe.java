package io.vettid.benchmarks;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.tls.TlsMaterial;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What nats-server's CPU costs per 1 KiB message for the JetStream patterns the pipeline uses
 * (TLS and an encrypted file store, as the benchmark's server): a limits stream consumed and
 * acknowledged, a work queue (an acknowledgement deletes), with {@code Nats-Msg-Id}, publishes
 * alone, KV puts of fresh keys with and without an expected revision, and a work queue carrying 16
 * events per message. Modes containing {@code ackall} read with an {@code AckPolicy.All} consumer
 * and acknowledge every 48th message; modes ending in {@code +purge} purge below the last message
 * read every {@code -Dprobe.purgeEvery} messages (default 2,048). Each pattern runs twice; read the
 * second round. Run with
 * {@code java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)
 * io.vettid.benchmarks.ServerCostProbe [messages [mode,mode,... [rounds]]]}.
 */
public final class ServerCostProbe {
  private ServerCostProbe() {}

  static long pid;

  static long cpu() {
    return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).map(Duration::toNanos).orElse(-1L);
  }

  /**
   * Runs the patterns.
   *
   * @param args the number of messages per pattern (default 20,000), optionally a comma-separated list
   *     of patterns and the number of rounds (default 2)
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    Path tmp = Files.createTempDirectory("probe");
    TlsMaterial tls = TlsMaterial.generate(tmp, List.of("localhost"), List.of("127.0.0.1"));
    char[] key = NatsServerConfig.randomStoreKey();
    int n = Integer.parseInt(args.length > 0 ? args[0] : "20000");
    try (NatsServer server = NatsServer.start(NatsServerConfig.builder().serverName("probe")
        .jetStreamEncryption(NatsServerConfig.Cipher.valueOf(System.getProperty("bench.cipher", "CHACHAPOLY")), key)
        .tls(tls.serverTls(false)).build())) {
      pid = server.pid();
      Options o = new Options.Builder().server(server.clientUrl()).sslContext(tls.clientContext()).build();
      try (Connection nc = Nats.connect(o); Connection sub = Nats.connect(o)) {
        byte[] payload = new byte[Integer.getInteger("probe.size", 1024)];
        List<String> modes = args.length > 1 ? List.of(args[1].split(","))
            : List.of("limits", "workqueue", "workqueue+msgid", "publish-only", "publish-only+msgid", "kv-unique",
                "kv-unique+expect", "kv-unique+expect-after-10k", "workqueue-batch16", "limits+purge");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        for (int rep = 0; rep < rounds; rep++) {
          for (String mode : modes) {
            probe(nc, sub, mode, payload, n);
          }
        }
      }
    }
  }

  /** Measures one pattern: the server's CPU per message and the rate, on a stream (or bucket) of its own. */
  private static void probe(Connection nc, Connection sub, String mode, byte[] payload, int n) throws Exception {
    String stream = "S" + System.nanoTime() % 1000000;
    boolean kv = mode.startsWith("kv");
    if (kv) {
      nc.keyValueManagement().create(KeyValueConfiguration.builder().name(stream).storageType(StorageType.File)
          .maxHistoryPerKey(1).build());
    } else {
      nc.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(stream + ".>")
          .retentionPolicy(mode.startsWith("workqueue") ? RetentionPolicy.WorkQueue : RetentionPolicy.Limits)
          .storageType(StorageType.File).duplicateWindow(Duration.ofMinutes(2)).build());
    }
    JetStream js = nc.jetStream();
    String target = kv ? "$KV." + stream + ".k" : stream + ".In";
    if (mode.endsWith("after-10k")) {
      publish(js, target, payload, 10000, mode, true);
    }
    int batch = mode.endsWith("batch16") ? 16 : 1;
    Thread consumer = !mode.startsWith("publish") && !kv ? consumer(sub, stream, mode, n / batch) : null;
    long c0 = cpu();
    long t0 = System.nanoTime();
    publish(js, target, batch > 1 ? new byte[1024 * batch] : payload, n / batch, mode, false);
    if (consumer != null) {
      consumer.join();
    }
    long t = System.nanoTime() - t0;
    long c = cpu() - c0;
    System.out.printf("%-30s %8.0f msg/s  server %6.1f us/event%n", mode, n / (t / 1e9), c / 1e3 / n);
    if (kv) {
      nc.keyValueManagement().delete(stream);
    } else {
      nc.jetStreamManagement().deleteStream(stream);
    }
  }

  /** A started consumer of {@code count} messages of the pattern's stream. */
  private static Thread consumer(Connection sub, String stream, String mode, int count) throws Exception {
    JetStreamSubscription s = sub.jetStream().subscribe(stream + ".In",
        PullSubscribeOptions.builder().configuration(io.nats.client.api.ConsumerConfiguration.builder()
            .durable("c").ackPolicy(mode.contains("ackall") ? io.nats.client.api.AckPolicy.All
                : io.nats.client.api.AckPolicy.Explicit).build()).build());
    int[] got = new int[1];
    Thread consumer = new Thread(() -> {
      var reader = s.reader(256, 64);
      try {
        while (got[0] < count) {
          Message m = reader.nextMessage(Duration.ofMillis(500));
          if (m != null) {
            got[0]++;
            if (!mode.contains("ackall") || got[0] % 48 == 0 || got[0] == count) {
              m.ack();
            }
            if (mode.endsWith("+purge") && got[0] % Integer.getInteger("probe.purgeEvery", 2048) == 0) {
              // everything up to this message is acknowledged: purge below it in one request
              sub.jetStreamManagement().purgeStream(stream, io.nats.client.PurgeOptions.builder()
                  .sequence(m.metaData().streamSequence() + 1).build());
            }
          }
        }
      } catch (InterruptedException e) {
        return;
      } catch (java.io.IOException | io.nats.client.JetStreamApiException e) {
        throw new IllegalStateException(e);
      } finally {
        reader.stop();
      }
    });
    consumer.start();
    return consumer;
  }

  static void publish(JetStream js, String target, byte[] payload, int n, String mode, boolean pre) throws Exception {
    ArrayDeque<CompletableFuture<PublishAck>> window = new ArrayDeque<>();
    for (int i = 0; i < n; i++) {
      Headers h = new Headers();
      String subject = target;
      if (mode.contains("msgid")) {
        h.put("Nats-Msg-Id", "id-" + i + "-" + System.nanoTime());
      }
      if (mode.startsWith("kv")) {
        subject = target + (pre ? "p" : "") + i;
        if (mode.contains("expect")) {
          h.put("Nats-Expected-Last-Subject-Sequence", "0");
        }
      }
      window.add(js.publishAsync(subject, h, payload));
      if (window.size() >= 256) {
        window.poll().get(30, TimeUnit.SECONDS);
      }
    }
    for (CompletableFuture<PublishAck> f : window) {
      f.get(30, TimeUnit.SECONDS);
    }
  }
}
