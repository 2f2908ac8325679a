package io.vettid.testkit.vault;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives each test method a started vault: a real {@code nats-server} (random port, TLS, JetStream
 * encrypted at rest, temp directory; stopped and deleted after the test) and a VettID runtime on
 * it, with the handlers and rule engines found by {@link java.util.ServiceLoader} (the built-in
 * ones and the test's own). Declare a {@link TestVault} parameter to get it.
 *
 * <pre>{@code
 * @VaultTest
 * class PollTest {
 *   @Test
 *   void votesAreCounted(TestVault vault) throws Exception {
 *     vault.rules("[{\"id\": \"polls\", \"eventType\": \"poll.open\", \"action\": \"handle\", \"handler\": \"poll\"}]");
 *     vault.deposit(open);
 *     vault.awaitSettled(1, Duration.ofSeconds(20));
 *     assertEquals(0, vault.counters().quarantinedTotal());
 *   }
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(VaultExtension.class)
public @interface VaultTest {}
