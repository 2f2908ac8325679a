package io.vettid.nats.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.NKey;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * jnats ships with bcprov-lts8on, which the build excludes in favour of bcprov-jdk18on (one Bouncy
 * Castle on the path). NKeys are Ed25519 through Bouncy Castle: this proves they still work.
 */
class JnatsNKeyTest {

  @Test
  void nkeysSignAndVerifyWithTheProjectsBouncyCastle() throws Exception {
    NKey user = NKey.createUser(null);
    byte[] nonce = "server nonce".getBytes(StandardCharsets.US_ASCII);

    byte[] signature = user.sign(nonce);

    assertThat(new String(user.getPublicKey())).startsWith("U");
    assertThat(user.verify(nonce, signature)).isTrue();
    signature[0] ^= 1;
    assertThat(user.verify(nonce, signature)).isFalse();
  }
}
