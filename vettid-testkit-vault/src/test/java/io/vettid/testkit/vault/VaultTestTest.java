package io.vettid.testkit.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A vault per test: events deposited are settled by the owner's rules and the built-in handlers. */
@VaultTest
class VaultTestTest {
  private static InternalEvent chat(String text) {
    return InternalEvent.builder().type(EventType.of("chat.message")).eventId(EventId.random())
        .connectionId(ConnectionId.of("conn-bob")).payload(JsonNodeFactory.instance.objectNode().put("text", text))
        .build();
  }

  @Test
  void depositedEventsAreHandledOrQuarantinedAsTheRulesSay(TestVault vault) throws Exception {
    vault.deposit(chat("before any rule"));
    vault.awaitSettled(1, Duration.ofSeconds(20));
    assertThat(vault.counters().quarantined().get(FailureReason.NO_MATCHING_RULE)).isEqualTo(1);

    vault.rules("[{\"id\": \"chat\", \"eventType\": \"chat.message\", \"action\": \"handle\", \"handler\": \"chat\"}]");
    vault.deposit(chat("one"), chat("two"));
    assertThat(vault.awaitSettled(3, Duration.ofSeconds(20)).handled()).isEqualTo(2);
    assertThat(vault.quarantined(10)).singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo(FailureReason.NO_MATCHING_RULE));
    assertThat(vault.replies()).isEmpty(); // the chat handler keeps messages, it does not answer
  }

  @Test
  void eachTestHasAVaultOfItsOwnAndAWaitThatFailsSaysWhatItSaw(TestVault vault) throws Exception {
    assertThat(vault.counters().received()).as("a fresh vault").isZero();
    assertThatThrownBy(() -> vault.awaitSettled(1, Duration.ofMillis(300))).isInstanceOf(AssertionError.class)
        .hasMessageContaining("0 of 1 events settled");
    assertThatThrownBy(() -> vault.rules("[{\"id\": \"x\", \"action\": \"explode\"}]"))
        .hasMessageContaining("x");
  }
}
