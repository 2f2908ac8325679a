package io.vettid.samples.hello;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import java.time.Duration;
import java.util.List;

/**
 * Sends one Internal Event through a JetStream stream and reads it back.
 *
 * <pre>java io.vettid.samples.hello.HelloEvents nats://127.0.0.1:4222</pre>
 */
public final class HelloEvents {
  private HelloEvents() {}

  /**
   * Publishes a {@code hello.world} event and returns what came back, decoded strictly.
   *
   * @param url a NATS server URL (JetStream enabled)
   * @return the event read back from the stream
   * @throws Exception if NATS fails or the event does not decode
   */
  public static InternalEvent roundTrip(String url) throws Exception {
    try (Connection nc = Nats.connect(url)) {
      nc.jetStreamManagement().addStream(StreamConfiguration.builder()
          .name("Hello").subjects("Hello.Queue").storageType(StorageType.File).build());

      InternalEvent event = InternalEvent.builder()
          .type(EventType.of("hello.world"))
          .connectionId(ConnectionId.random())
          .payload(JsonNodeFactory.instance.objectNode().put("text", "hello, vault"))
          .build();
      nc.jetStream().publish("Hello.Queue", InternalEventCodec.encode(event),
          PublishOptions.builder().messageId(event.eventId().value()).build());

      JetStreamSubscription sub = nc.jetStream()
          .subscribe("Hello.Queue", PullSubscribeOptions.builder().durable("hello").build());
      List<Message> got = sub.fetch(1, Duration.ofSeconds(5));
      if (got.isEmpty()) {
        throw new IllegalStateException("no event came back from Hello.Queue");
      }
      got.get(0).ack();
      return InternalEventCodec.decode(got.get(0).getData()); // strict: throws on anything malformed
    }
  }

  /**
   * Runs the sample.
   *
   * @param args the NATS URL (default {@code nats://127.0.0.1:4222})
   * @throws Exception if it fails
   */
  public static void main(String[] args) throws Exception {
    InternalEvent back = roundTrip(args.length > 0 ? args[0] : "nats://127.0.0.1:4222");
    System.out.println("read back " + back);
  }
}
