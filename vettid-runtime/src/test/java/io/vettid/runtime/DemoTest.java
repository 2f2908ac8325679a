package io.vettid.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.nats.server.NatsServer;
import io.vettid.runtime.demo.Demo;
import io.vettid.testkit.NatsTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

@NatsTest
class DemoTest {

  @Test
  void everyEventSentThroughJetStreamArrivesOnceAndDecodes(NatsServer server) throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    Demo.Result r = new Demo(new PrintStream(printed, true, StandardCharsets.UTF_8)).run(server.clientUrl(), 40);

    assertThat(r).isEqualTo(new Demo.Result(40, 40, 0, 0, 0));
    String out = printed.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("sent=40 received=40 lost=0 duplicates=0 rejected=0");
    assertThat(out).as("payloads are never printed").doesNotContain("hello\"").doesNotContain("greeting");
  }

  @Test
  void startsItsOwnEmbeddedServer() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    Demo.Result r = new Demo(new PrintStream(printed, true, StandardCharsets.UTF_8)).run(3);

    assertThat(r.lost()).isZero();
    assertThat(r.received()).isEqualTo(3);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("store encrypted at rest");
  }

  @Test
  void rejectsAnEventCountOutOfRange() {
    Demo demo = new Demo(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

    assertThatThrownBy(() -> demo.run(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..10000");
  }
}
