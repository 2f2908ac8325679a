package io.vettid.crypto.envelope;

import io.vettid.api.KeyId;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Key pairs for tests, generated once per test run and per suite (RSA-4096 generation is slow;
 * the default is never weakened to save time).
 */
final class TestParties {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Map<String, TestParties> BY_SUITE = new ConcurrentHashMap<>();

  final Suite suite;
  final PrivateKeyEntry aliceSigning;
  final PublicKeyEntry aliceSigningPublic;
  final PrivateKeyEntry bobWrapping;
  final PublicKeyEntry bobWrappingPublic;

  private TestParties(Suite suite) throws GeneralSecurityException {
    this.suite = suite;
    KeyPair aliceSign = suite.signature().generateKeyPair(RANDOM);
    KeyPair bobWrap = suite.wrap().generateKeyPair(RANDOM);
    this.aliceSigningPublic = PublicKeyEntry.of(suite.signature(), aliceSign.getPublic());
    this.aliceSigning = new PrivateKeyEntry(aliceSigningPublic.keyId(), suite.signature(), aliceSign.getPrivate());
    this.bobWrappingPublic = PublicKeyEntry.of(suite.wrap(), bobWrap.getPublic());
    this.bobWrapping = new PrivateKeyEntry(bobWrappingPublic.keyId(), suite.wrap(), bobWrap.getPrivate());
  }

  static TestParties of(Suite suite) {
    return BY_SUITE.computeIfAbsent(suite.name(), n -> {
      try {
        return new TestParties(suite);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  Sealer.Builder sealer(String destination) {
    return Sealer.builder(suite, aliceSigning, bobWrappingPublic, destination);
  }

  Opener.Builder opener() {
    Opener.KeyFinder<PrivateKeyEntry> mine =
        id -> id.equals(bobWrapping.keyId()) ? Optional.of(bobWrapping) : Optional.empty();
    Opener.KeyFinder<PublicKeyEntry> senders =
        id -> id.equals(aliceSigningPublic.keyId()) ? Optional.of(aliceSigningPublic) : Optional.empty();
    return Opener.builder(mine, senders);
  }
}
