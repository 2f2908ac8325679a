package io.vettid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.cli.demo.Demo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's main command: two vaults on an embedded server, everything accounted for. */
class DemoTest {

  @Test
  void twoVaultsExchangeEventsWithOneHeldOneDeniedAndAKeyRotatedAndLoseNothing() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();

    Demo.Result r = new Demo(new PrintStream(printed, true, StandardCharsets.UTF_8)).run(2);

    String out = printed.toString(StandardCharsets.UTF_8);
    // bob: profile request, 5 chats, rotation, contact request, payment; alice: 5 chats;
    // replies: profile response, rotation ack, contact response
    assertThat(r.sent()).isEqualTo(9 + 5 + 3);
    assertThat(r.held()).isEqualTo(1);
    assertThat(r.quarantined()).isEqualTo(1);
    assertThat(r.delivered()).isEqualTo(r.sent() - 1);
    assertThat(r.lost()).isZero();
    assertThat(out).containsPattern("(?m)^summary: delivered=16 held=1 quarantined=1 lost=0$");
    // the topology: an EventSpace server, each vault registered with it and on its own loopback server
    assertThat(out).contains("EventSpace server ready at tls://127.0.0.1:", "alice registered as subscriber",
        "bob registered as subscriber", "(loopback, internal namespace only)", "names the EventSpace server");
    assertThat(out).contains("[alice] HELD contact.request from bob");
    assertThat(out).contains("[alice] QUARANTINED (DENIED_BY_RULE) payment.request from bob");
    assertThat(out).contains("[alice] handled connection.rotate from bob");
    assertThat(out).contains("[bob] handled connection.rotate.ack from alice");
    assertThat(out).contains("[bob] handled contact.response from alice");
    assertThat(out).as("payloads are never printed")
        .doesNotContain("alice@example.org").doesNotContain("hello bob").doesNotContain("Berlin area");
  }

  @Test
  void rejectsAChatCountOutOfRange() {
    Demo demo = new Demo(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));

    assertThatThrownBy(() -> demo.run(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..1000");
  }
}
