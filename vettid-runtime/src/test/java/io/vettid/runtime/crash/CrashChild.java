package io.vettid.runtime.crash;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandler;
import io.vettid.api.spi.EventHandlerContext;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.VettIdRuntime;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The runtime as a child process for {@link CrashRecoveryTest}: connects to the test's server,
 * handles {@code crash.tally} events (each appends its number to its eventId's state and replies
 * once, the reply landing in stream {@code CrashOut}; one with {@code "finish": true} finishes its
 * handler), and runs until killed.
 */
public final class CrashChild {
  static final EventType TALLY = EventType.of("crash.tally");
  static final String OUT_SUBJECT = "CrashOut.Replies";

  private CrashChild() {}

  /**
   * Runs until killed.
   *
   * @param args server URL, CA certificate file, crash mode ({@code none}, {@code in-handler}: halt
   *     inside the handler of the Nth event, {@code after-reply}: halt right after the Nth reply was
   *     published, before the runtime commits), N
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    String mode = args[2];
    int haltAt = Integer.parseInt(args[3]);
    // replies go out on a connection of their own, ready before the runtime starts consuming
    Connection replies = io.nats.client.Nats.connect(new io.nats.client.Options.Builder().server(args[0])
        .sslContext(TlsMaterial.trusting(Path.of(args[1]))).build());
    VettIdRuntime rt = tally(VettIdRuntime.connect(args[0], TlsMaterial.trusting(Path.of(args[1]))), replies, mode,
        haltAt).start();
    rt.counters(); // started
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /**
   * The runtime's settings for the crash tests: the tally handler and rule, replies on {@code
   * CrashOut}, and the crash point.
   *
   * @param b the builder
   * @param replies the connection replies go out on
   * @param mode {@code none}, {@code in-handler} or {@code after-reply}
   * @param haltAt the event or reply to halt at
   * @return the builder
   */
  static io.vettid.runtime.VettIdRuntimeBuilder tally(io.vettid.runtime.VettIdRuntimeBuilder b, Connection replies,
      String mode, int haltAt) throws io.vettid.rules.RuleValidationException {
    java.util.concurrent.atomic.AtomicInteger handled = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger replied = new java.util.concurrent.atomic.AtomicInteger();
    return b.discoverHandlers(false)
        .builtInHandlers(false)
        .handler(new Tally(() -> {
          if (mode.equals("in-handler") && handled.incrementAndGet() == haltAt) {
            Runtime.getRuntime().halt(137); // like SIGKILL: no hooks, no close
          }
        }))
        .ackWait(Duration.ofSeconds(5))
        // rules given up front: written to the bucket after start, the first events would meet no rule
        .ruleEngine(io.vettid.rules.DeclarativeRuleEngine.parse(
            "[{\"id\":\"tally\",\"eventType\":\"crash.tally\",\"action\":\"handle\",\"handler\":\"tally\"}]"))
        .replies((connection, type, eventId, payload, dedupeId) -> {
          try {
            JetStream js = replies.jetStream();
            PublishAck ack = js.publish(OUT_SUBJECT, new Headers().put("Nats-Msg-Id", dedupeId),
                (eventId.value() + ":" + payload.path("n").asText()).getBytes(StandardCharsets.UTF_8));
            if (ack.hasError()) {
              throw new VettidException(FailureReason.CONNECTION_REVOKED, ack.getError());
            }
            if (mode.equals("after-reply") && replied.incrementAndGet() == haltAt) {
              Runtime.getRuntime().halt(137);
            }
          } catch (java.io.IOException | io.nats.client.JetStreamApiException e) {
            throw new VettidException(FailureReason.CONNECTION_REVOKED, "reply failed: " + e.getMessage(), e);
          }
        });
  }

  static final class Tally implements EventHandlerFactory {
    private final Runnable crashPoint;

    Tally(Runnable crashPoint) {
      this.crashPoint = crashPoint;
    }

    @Override
    public String name() {
      return "tally";
    }

    @Override
    public Set<EventType> eventTypes() {
      return Set.of(TALLY);
    }

    @Override
    public Duration timeout() {
      return Duration.ofSeconds(4); // generous: a cold JVM on a loaded CI machine is slow to start
    }

    @Override
    public EventHandler create(EventHandlerContext ctx) {
      return event -> {
        Thread.sleep(2); // widen the window in which a kill lands mid-event
        String n = event.payload().path("n").asText();
        crashPoint.run();
        String before = ctx.loadState().map(b -> new String(b, StandardCharsets.UTF_8)).orElse("");
        ctx.saveState((before.isEmpty() ? n : before + "," + n).getBytes(StandardCharsets.UTF_8));
        ctx.reply(TALLY, JsonNodeFactory.instance.objectNode().put("n", n));
        if (event.payload().path("finish").asBoolean()) {
          ctx.finish();
        }
      };
    }
  }
}
