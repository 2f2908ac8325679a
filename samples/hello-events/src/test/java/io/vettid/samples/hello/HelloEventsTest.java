package io.vettid.samples.hello;

import static org.assertj.core.api.Assertions.assertThat;

import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.nats.server.NatsServer;
import io.vettid.testkit.NatsTest;
import org.junit.jupiter.api.Test;

@NatsTest
class HelloEventsTest {

  @Test
  void theEventComesBackIntact(NatsServer server) throws Exception {
    InternalEvent back = HelloEvents.roundTrip(server.clientUrl());

    assertThat(back.type()).isEqualTo(EventType.of("hello.world"));
    assertThat(back.payload().get("text").asText()).isEqualTo("hello, vault");
  }
}
