package io.vettid.crypto.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.pq.MlDsa65;
import io.vettid.crypto.pq.MlKem768;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyPoolsTest {
  @Test
  void aPooledAlgorithmIsServedFromItsPoolAndAnyOtherGeneratedNow() throws Exception {
    MlKem768 kem = new MlKem768();
    try (KeyPools pools = KeyPools.start(List.of(kem, new MlKem768()), 2)) {
      KeyPool pool = pools.pool(kem.name()).orElseThrow();
      KeyPoolTest.await(() -> pool.ready() == 2, "the pool filled");
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        KeyPair p = pools.keyPair(kem, new SecureRandom());
        assertThat(seen.add(kem.keyId(p.getPublic()).value())).as("each pair given once").isTrue();
      }
      assertThat(pool.hits() + pool.misses()).isEqualTo(4);
      assertThat(pool.hits()).isGreaterThanOrEqualTo(2);

      MlDsa65 dsa = new MlDsa65();
      KeyPair signing = pools.keyPair(dsa, new SecureRandom());
      assertThat(dsa.keyId(signing.getPublic()).value()).startsWith(dsa.keyIdTag());
      assertThat(pools.pool(dsa.name())).isEmpty();
    }
  }

  /** A plug-in that reuses a built-in name gets pairs of its own making, never the pool's. */
  @Test
  void anotherImplementationOfAPooledNameIsNotServedFromThePool() throws Exception {
    MlKem768 kem = new MlKem768();
    KeyPair own = kem.generateKeyPair(new SecureRandom());
    KeyAlgorithm impostor = (KeyAlgorithm) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {KeyAlgorithm.class}, (proxy, m, args) -> switch (m.getName()) {
          case "name" -> kem.name();
          case "generateKeyPair" -> own;
          default -> m.invoke(kem, args);
        });
    try (KeyPools pools = KeyPools.start(List.of(kem), 1)) {
      KeyPoolTest.await(() -> pools.pool(kem.name()).orElseThrow().ready() == 1, "the pool filled");
      assertThat(pools.keyPair(impostor, new SecureRandom())).isSameAs(own);
      assertThat(pools.pool(kem.name()).orElseThrow().hits()).isZero();
    }
  }

  @Test
  void closedPoolsStillGiveNewPairsAndBadArgumentsAreRefused() throws Exception {
    MlKem768 kem = new MlKem768();
    KeyPools pools = KeyPools.start(List.of(kem), 1);
    pools.close();
    assertThat(pools.keyPair(kem, new SecureRandom()).getPublic()).isNotNull();
    assertThatThrownBy(() -> KeyPools.start(List.of(), 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no algorithm");
    assertThatThrownBy(() -> KeyPools.start(List.of(kem), 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1..64");
    assertThatThrownBy(() -> KeyPools.start(List.of(kem), 65)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> pools.keyPair(null, new SecureRandom())).isInstanceOf(NullPointerException.class);
    assertThat(KeySource.generating().keyPair(kem, new SecureRandom()).getPublic()).isNotNull();
    assertThatThrownBy(() -> KeySource.generating().keyPair(kem, null)).isInstanceOf(NullPointerException.class);
  }
}
