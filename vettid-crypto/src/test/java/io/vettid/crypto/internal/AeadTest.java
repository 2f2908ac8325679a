package io.vettid.crypto.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;

/**
 * Aead keeps a few ciphers per thread, each with its last key: reuse must never carry state from
 * one operation to the next, nor confuse keys.
 */
class AeadTest {
  private final SecureRandom random = new SecureRandom();

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  @Test
  void aForgottenKeyIsHeldByNoThreadsCipherAndAWipedOneIsNotFoundAgain() throws Exception {
    byte[] key = bytes(32);
    byte[] copy = key.clone();
    Aead.seal(key, bytes(12), new byte[0], bytes(40));
    Thread other = new Thread(() -> {
      try {
        Aead.seal(key, bytes(12), new byte[0], bytes(40));
      } catch (java.security.GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    });
    other.start();
    other.join();
    assertThat(Aead.holding(copy)).as("one cipher on each of the two threads").isGreaterThanOrEqualTo(2);

    Aead.forget(key);
    java.util.Arrays.fill(key, (byte) 0);

    assertThat(Aead.holding(copy)).isZero();
    // and a key the owner only wiped (without forget) leaves no copy of its bytes behind
    byte[] second = bytes(32);
    byte[] secondCopy = second.clone();
    Aead.seal(second, bytes(12), new byte[0], bytes(40));
    java.util.Arrays.fill(second, (byte) 0);
    assertThat(Aead.holding(secondCopy)).isZero();
  }

  @Test
  void aFailedOpenLeavesNothingBehindForTheNextOperationOnTheThread() throws Exception {
    byte[] key = bytes(32);
    byte[] nonce = bytes(12);
    byte[] sealed = Aead.seal(key, nonce, bytes(5), bytes(100));
    byte[] aad = bytes(7);
    assertThatThrownBy(() -> Aead.open(key, nonce, bytes(5), sealed)).isInstanceOf(AEADBadTagException.class);
    // the same thread's cipher, reinitialised, opens an honest message and refuses a tampered one
    byte[] n3 = bytes(12);
    byte[] again = Aead.seal(key, n3, aad, "hello".getBytes());
    assertThat(Aead.open(key, n3, aad, again)).isEqualTo("hello".getBytes());
    again[0] ^= 1;
    assertThatThrownBy(() -> Aead.open(key, n3, aad, again)).isInstanceOf(AEADBadTagException.class);
  }

  @Test
  void manyThreadsWithManyKeysSealAndOpenEachOthersMessages() throws Exception {
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < 40; i++) { // more keys than a thread's cipher cache holds
      keys.add(bytes(32));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<byte[][]>> sealed = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        int n = i;
        sealed.add(pool.submit(() -> {
          byte[] key = keys.get(n % keys.size());
          byte[] nonce = ByteBuffer.allocate(12).putInt(8, n).array();
          byte[] plain = ByteBuffer.allocate(64).putInt(n).array();
          return new byte[][] {key, nonce, Aead.seal(key, nonce, new byte[] {(byte) n}, plain), plain};
        }));
      }
      List<Future<Boolean>> opened = new ArrayList<>();
      for (int i = 0; i < sealed.size(); i++) {
        byte[][] s = sealed.get(i).get(10, TimeUnit.SECONDS);
        int n = i;
        opened.add(pool.submit(() -> java.util.Arrays.equals(Aead.open(s[0], s[1], new byte[] {(byte) n}, s[2]), s[3])));
      }
      for (Future<Boolean> f : opened) {
        assertThat(f.get(10, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sealingTwiceWithTheSameKeyAndNonceIsStillRefused() throws Exception {
    byte[] key = bytes(32);
    byte[] nonce = bytes(12);
    Aead.seal(key, nonce, new byte[0], bytes(10));
    // the JDK refuses to re-init an encrypting GCM cipher with its last key and nonce: reuse of
    // the per-thread cipher keeps that guard
    assertThatThrownBy(() -> Aead.seal(key, nonce, new byte[0], bytes(10)))
        .isInstanceOf(java.security.InvalidAlgorithmParameterException.class);
  }

  @Test
  void theGuardHoldsWithOtherKeysUsedInBetween() throws Exception {
    byte[] key = bytes(32);
    byte[] nonce = bytes(12);
    Aead.seal(key, nonce, new byte[0], bytes(10));
    for (int i = 0; i < 5; i++) {
      Aead.seal(bytes(32), bytes(12), new byte[0], bytes(10));
    }
    // the key's cipher is still cached with its last nonce: a copy of the key finds it
    assertThatThrownBy(() -> Aead.seal(key.clone(), nonce, new byte[0], bytes(10)))
        .isInstanceOf(java.security.InvalidAlgorithmParameterException.class);
  }

  @Test
  void aKeyArrayChangedByItsCallerAfterwardsChangesNothingCached() throws Exception {
    byte[] key = bytes(32);
    byte[] original = key.clone();
    byte[] n1 = bytes(12);
    byte[] sealed = Aead.seal(key, n1, new byte[0], "one".getBytes());
    key[0] ^= 1; // the caller reuses its array for another key
    byte[] n2 = bytes(12);
    byte[] other = Aead.seal(key, n2, new byte[0], "two".getBytes());
    assertThat(Aead.open(original, n1, new byte[0], sealed)).isEqualTo("one".getBytes());
    assertThat(Aead.open(key, n2, new byte[0], other)).isEqualTo("two".getBytes());
    assertThatThrownBy(() -> Aead.open(key, n1, new byte[0], sealed)).isInstanceOf(AEADBadTagException.class);
  }
}
