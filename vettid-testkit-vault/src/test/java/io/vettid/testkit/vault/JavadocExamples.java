package io.vettid.testkit.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vettid.api.InternalEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The javadoc's examples, compiled as they read (DocumentationExamplesTest in vettid-runtime). */
@SuppressWarnings("unused")
class JavadocExamples {
  InternalEvent open;

  // example: VaultTest
  @VaultTest
  class PollTest {
    @Test
    void votesAreCounted(TestVault vault) throws Exception {
      vault.rules("[{\"id\": \"polls\", \"eventType\": \"poll.open\", \"action\": \"handle\", \"handler\": \"poll\"}]");
      vault.deposit(open);
      vault.awaitSettled(1, Duration.ofSeconds(20));
      assertEquals(0, vault.counters().quarantinedTotal());
    }
  }
  // end
}
