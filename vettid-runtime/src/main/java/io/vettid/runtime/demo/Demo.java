package io.vettid.runtime.demo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.InvalidEventException;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.nats.subjects.Subjects;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The demo behind {@code vettid demo}: starts an embedded {@code nats-server} (JetStream, store
 * encrypted at rest with a random key), sends Internal Events through the {@code DataVault.Queue}
 * work-queue stream, reads them back, decodes each one strictly, and reports what arrived.
 *
 * <p>This is the foundation's demo; the two-vault demo with sealed External Events replaces it
 * as the runtime grows. Payloads are never printed, only ids, types and sizes.
 *
 * <pre>{@code
 * Demo.Result r = new Demo(System.out).run(10);
 * assert r.lost() == 0;
 * }</pre>
 */
public final class Demo {
  private static final String QUEUE_SUBJECT = Subjects.DATA_VAULT_QUEUE.value();
  private static final String QUEUE_STREAM = Subjects.DATA_VAULT_STREAM;

  private final PrintStream out;

  /**
   * Creates the demo.
   *
   * @param out where progress is printed
   */
  public Demo(PrintStream out) {
    this.out = Objects.requireNonNull(out, "out");
  }

  /**
   * What the demo observed.
   *
   * @param sent events published
   * @param received distinct events received and decoded
   * @param lost events sent but not received
   * @param duplicates events received more than once
   * @param rejected messages that failed strict decoding
   */
  public record Result(int sent, int received, int lost, int duplicates, int rejected) {}

  /**
   * Runs the demo on its own embedded server.
   *
   * @param events how many events to send (1..10,000)
   * @return what was observed
   * @throws Exception if the server cannot start or NATS fails
   */
  public Result run(int events) throws Exception {
    checkCount(events);
    java.nio.file.Path tlsDir = java.nio.file.Files.createTempDirectory("vettid-demo-tls-");
    try {
      TlsMaterial tls = TlsMaterial.generate(tlsDir, List.of("localhost"), List.of("127.0.0.1"));
      char[] storeKey = NatsServerConfig.randomStoreKey();
      NatsServerConfig config = NatsServerConfig.builder()
          .serverName("vettid-demo")
          .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, storeKey)
          .tls(tls.serverTls(false))
          .build();
      Arrays.fill(storeKey, '\0');
      out.println("Starting an embedded nats-server (JetStream, store encrypted at rest, TLS)...");
      try (NatsServer server = NatsServer.start(config)) {
        out.println("nats-server ready at " + server.clientUrl());
        return run(server.clientUrl(), tls.clientContext(), events);
      }
    } finally {
      try (java.util.stream.Stream<java.nio.file.Path> walk = java.nio.file.Files.walk(tlsDir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * Runs the demo against a running server.
   *
   * @param url the server URL
   * @param events how many events to send (1..10,000)
   * @return what was observed
   * @throws Exception if NATS fails
   */
  public Result run(String url, int events) throws Exception {
    return run(url, null, events);
  }

  /**
   * Runs the demo against a running server, over TLS when a context is given.
   *
   * @param url the server URL
   * @param tls the TLS context (trusting the server's CA), or null for a plaintext test server
   * @param events how many events to send (1..10,000)
   * @return what was observed
   * @throws Exception if NATS fails
   */
  public Result run(String url, javax.net.ssl.SSLContext tls, int events) throws Exception {
    Objects.requireNonNull(url, "url");
    checkCount(events);
    Options.Builder options = new Options.Builder().server(url).connectionTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      options.sslContext(tls);
    }
    try (Connection nc = Nats.connect(options.build())) {
      nc.jetStreamManagement().addStream(StreamConfiguration.builder()
          .name(QUEUE_STREAM)
          .subjects(QUEUE_SUBJECT)
          .retentionPolicy(RetentionPolicy.WorkQueue)
          .storageType(StorageType.File)
          .duplicateWindow(Duration.ofMinutes(2))
          .build());
      JetStream js = nc.jetStream();
      ConnectionId connection = ConnectionId.random();
      List<InternalEvent> sent = new ArrayList<>();
      for (int i = 0; i < events; i++) {
        InternalEvent event = InternalEvent.builder()
            .type(EventType.of("demo.hello"))
            .connectionId(connection)
            .payload(JsonNodeFactory.instance.objectNode().put("greeting", "hello").put("n", i))
            .build();
        js.publish(QUEUE_SUBJECT, InternalEventCodec.encode(event),
            PublishOptions.builder().messageId(event.eventId().value()).build());
        sent.add(event);
      }
      out.println("sent " + events + " Internal Event(s) to " + QUEUE_SUBJECT);

      JetStreamSubscription sub = js.subscribe(QUEUE_SUBJECT,
          PullSubscribeOptions.builder().durable(Subjects.consumer("Manager", "demo")).build());
      Set<InternalEvent> expected = new HashSet<>(sent);
      Set<InternalEvent> seen = new HashSet<>();
      int duplicates = 0;
      int rejected = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (seen.size() + rejected < events && System.nanoTime() < deadline) {
        for (Message m : sub.fetch(Math.min(events, 256), Duration.ofSeconds(1))) {
          try {
            InternalEvent e = InternalEventCodec.decode(m.getData());
            if (!expected.contains(e)) {
              rejected++;
            } else if (!seen.add(e)) {
              duplicates++;
            } else if (seen.size() <= 5) {
              out.println("received " + e);
            }
          } catch (InvalidEventException ex) {
            rejected++;
            out.println("rejected a message: " + ex.getMessage());
          }
          m.ack();
        }
      }
      if (events > 5) {
        out.println("... and " + (seen.size() - Math.min(seen.size(), 5)) + " more");
      }
      Result r = new Result(events, seen.size(), events - seen.size(), duplicates, rejected);
      out.println("sent=" + r.sent() + " received=" + r.received() + " lost=" + r.lost()
          + " duplicates=" + r.duplicates() + " rejected=" + r.rejected());
      return r;
    }
  }

  private static void checkCount(int events) {
    if (events < 1 || events > 10_000) {
      throw new IllegalArgumentException("events must be 1..10000, got " + events);
    }
  }

}
