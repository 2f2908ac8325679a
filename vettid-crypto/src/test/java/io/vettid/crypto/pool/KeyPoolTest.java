package io.vettid.crypto.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.crypto.pq.MlKem768;
import io.vettid.crypto.rsa.Rsa4096;
import java.security.KeyPair;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class KeyPoolTest {

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  @Test
  void fillsInTheBackgroundAndHandsEachPairOutOnce() throws Exception {
    try (KeyPool pool = KeyPool.start(new MlKem768(), 5, 1)) {
      await(() -> pool.ready() == 5, "the pool filled to its target");
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        KeyPair pair = pool.take();
        assertThat(seen.add(new MlKem768().keyId(pair.getPublic()).value())).isTrue();
      }
      assertThat(pool.hits()).isEqualTo(5);
      assertThat(pool.misses()).isZero();
      await(() -> pool.ready() == 5, "the pool refilled");
      assertThat(pool.generated()).isGreaterThanOrEqualTo(10);
    }
  }

  @Test
  void anEmptyPoolGeneratesOnTheCallersThread() throws Exception {
    KeyPool pool = KeyPool.start(new Rsa4096(), 1, 1);
    pool.close();

    KeyPair pair = pool.take();

    assertThat(pair.getPublic().getAlgorithm()).isEqualTo("RSA");
    assertThat(pool.misses()).isEqualTo(1);
    assertThat(pool.poll()).isEmpty();
  }

  @Test
  void validatesItsSize() {
    assertThatThrownBy(() -> KeyPool.start(new MlKem768(), 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KeyPool.start(new MlKem768(), 1, 17)).isInstanceOf(IllegalArgumentException.class);
  }
}
