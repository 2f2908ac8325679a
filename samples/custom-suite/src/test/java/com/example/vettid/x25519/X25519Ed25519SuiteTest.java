package com.example.vettid.x25519;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.vettid.ed25519.Ed25519Signatures;
import io.vettid.api.FailureReason;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.envelope.EnvelopeException;
import io.vettid.crypto.envelope.Opener;
import io.vettid.crypto.envelope.Sealer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The suite, registered as a vault registers a trusted plugin's: an envelope of it names id 200,
 * seals with this sample's key wrap and the Ed25519 sample's signature, and opens only unaltered.
 */
class X25519Ed25519SuiteTest {
  private static final String DEST = "subscriber.g1.home.queue.c1";

  private static Optional<KeyAlgorithm> algorithm(String name) {
    return Stream.<KeyAlgorithm>of(new X25519Kem(), new Ed25519Signatures()).filter(a -> a.name().equals(name))
        .findFirst();
  }

  private static Suite suite() {
    return Suites.register(new X25519Ed25519Suite(), X25519Ed25519SuiteTest::algorithm);
  }

  @Test
  void aRegisteredSuiteIsKnownByIdAndNameAndSealsEnvelopes() throws Exception {
    Suite suite = suite();
    assertSame(suite, suite(), "registering the same definition again gives the suite registered first");
    assertEquals(Optional.of(suite), Suites.byId(X25519Ed25519Suite.ID));
    assertEquals(Optional.of(suite), Suites.byName(X25519Ed25519Suite.NAME));

    SecureRandom random = new SecureRandom();
    KeyPair aliceSign = suite.signature().generateKeyPair(random);
    KeyPair bobWrap = suite.wrap().generateKeyPair(random);
    PublicKeyEntry aliceSigning = PublicKeyEntry.of(suite.signature(), aliceSign.getPublic());
    PublicKeyEntry bobWrapping = PublicKeyEntry.of(suite.wrap(), bobWrap.getPublic());
    PrivateKeyEntry bobPrivate = new PrivateKeyEntry(bobWrapping.keyId(), suite.wrap(), bobWrap.getPrivate());
    Sealer sealer = Sealer.builder(suite, new PrivateKeyEntry(aliceSigning.keyId(), suite.signature(),
        aliceSign.getPrivate()), bobWrapping, DEST).build();
    Opener opener = Opener.builder(id -> id.equals(bobPrivate.keyId()) ? Optional.of(bobPrivate) : Optional.empty(),
        id -> id.equals(aliceSigning.keyId()) ? Optional.of(aliceSigning) : Optional.empty()).build();

    byte[] message = "hello over a plugin's suite".getBytes(StandardCharsets.UTF_8);
    byte[] first = sealer.sealBytes(message);
    byte[] altered = sealer.sealBytes(message);
    altered[altered.length - 1] ^= 1;
    Opener.Opened opened = opener.open(first, DEST);
    assertArrayEquals(message, opened.plaintext());
    assertEquals(X25519Ed25519Suite.ID, opened.suite().id());
    assertThrows(EnvelopeException.class, () -> opener.open(altered, DEST), "an altered envelope");
    EnvelopeException elsewhere = assertThrows(EnvelopeException.class,
        () -> Opener.builder(id -> Optional.of(bobPrivate), id -> Optional.of(aliceSigning)).build()
            .open(first, "subscriber.g1.home.queue.other"));
    assertEquals(FailureReason.BAD_SIGNATURE, elsewhere.reason(), "a key block moved to another destination");
  }

  @Test
  void aSuiteThatTakesAnIdOrNameAlreadyHeldIsRefused() {
    suite();
    IllegalStateException sameId = assertThrows(IllegalStateException.class, () -> Suites.register(
        definition(X25519Ed25519Suite.ID, "EXAMPLE-OTHER-V1"), X25519Ed25519SuiteTest::algorithm));
    assertTrue(sameId.getMessage().contains("holds its id"), sameId.getMessage());
    IllegalArgumentException builtIn = assertThrows(IllegalArgumentException.class, () -> Suites.register(
        definition(201, "VETTID-RSA4096-V2"), name -> Optional.empty()));
    assertTrue(builtIn.getMessage().contains("VETTID-"), builtIn.getMessage());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Suites.register(
        definition(202, "EXAMPLE-NOTHING-V1"), name -> Optional.empty()));
    assertTrue(unknown.getMessage().contains("no built-in or trusted plugin provides"), unknown.getMessage());
  }

  private static io.vettid.api.spi.SuiteDefinition definition(int id, String name) {
    return new io.vettid.api.spi.SuiteDefinition() {
      public int id() {
        return id;
      }

      public String name() {
        return name;
      }

      public String wrapAlgorithm() {
        return X25519Kem.NAME;
      }

      public String signatureAlgorithm() {
        return "EXAMPLE-Ed25519";
      }
    };
  }
}
