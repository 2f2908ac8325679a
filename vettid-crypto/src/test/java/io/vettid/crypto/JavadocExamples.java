package io.vettid.crypto;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.vettid.api.ExternalEvent;
import io.vettid.api.InternalEvent;
import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.envelope.EnvelopeOpener;
import io.vettid.crypto.envelope.Opener;
import io.vettid.crypto.envelope.Sealer;
import io.vettid.crypto.envelope.SessionStates;
import io.vettid.crypto.keyring.KeyRing;
import io.vettid.crypto.keyring.RotationPolicy;
import io.vettid.crypto.keyring.RotationScheduler;
import io.vettid.crypto.keyring.SealedKeyRing;
import io.vettid.crypto.pool.KeyPool;
import io.vettid.crypto.pool.KeyPools;
import io.vettid.crypto.rsa.Rsa4096;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The javadoc examples of vettid-crypto, compiled with its tests (never run): each stands between
 * a line {@code // example: <Class>} and a line {@code // end}, exactly as the javadoc of that
 * class shows it (vettid-runtime's {@code DocumentationExamplesTest} holds the two together).
 */
@SuppressWarnings({"unused", "resource"})
final class JavadocExamples {
  private JavadocExamples() {}

  void publicKeyBox(PublicKeyEntry peerWrapping, PrivateKeyEntry myWrapping, byte[] context, byte[] secret)
      throws Exception {
    // example: PublicKeyBox
    byte[] box = PublicKeyBox.seal(peerWrapping, context, secret, new SecureRandom());
    byte[] opened = PublicKeyBox.open(myWrapping, context, box);
    // end
  }

  void ephemeralBox(SecureRandom random, byte[] theirPublicKey, byte[] context, byte[] secret) throws Exception {
    // example: EphemeralBox
    EphemeralBox.KeyPair mine = EphemeralBox.generate(random);     // publish mine.publicKey()
    byte[] box = EphemeralBox.seal(theirPublicKey, context, secret, random);
    byte[] opened = mine.open(context, box);
    mine.destroy();
    // end
  }

  void secretBox(byte[] vaultSecret, byte[] record, SecureRandom random) throws Exception {
    // example: SecretBox
    byte[] key = SecretBox.derive(vaultSecret, "vettid/connections/v1", 32);
    byte[] box = SecretBox.seal(key, "connection:abc".getBytes(UTF_8), record, random);
    byte[] again = SecretBox.open(key, "connection:abc".getBytes(UTF_8), box);
    // end
  }

  void sealedKeyRing(KeyRing ring, char[] passphrase, Providers<KeyAlgorithm> algorithms, Clock clock,
      SecureRandom random) throws Exception {
    // example: SealedKeyRing
    byte[] sealed = SealedKeyRing.seal(ring, "identity", passphrase);
    KeyRing again = SealedKeyRing.open(sealed, "identity", passphrase, algorithms, RotationPolicy.DEFAULT, clock, random);
    // end
  }

  void rotationScheduler(KeyRing ring) {
    // example: RotationScheduler
    try (RotationScheduler s = RotationScheduler.start(List.of(ring), Duration.ofMinutes(1))) {
      // the ring rotates by its policy while the scheduler runs
    }
    // end
  }

  void keyRing(KeyId envelopeKeyId, char[] passphrase) throws Exception {
    // example: KeyRing
    KeyRing ring = KeyRing.generate(new Rsa4096(), RotationPolicy.DEFAULT, Clock.systemUTC(), new SecureRandom());
    PrivateKeyEntry signing = ring.usePrimary();                    // counts a use
    Optional<PrivateKeyEntry> opener = ring.privateKey(envelopeKeyId); // primary or in grace
    byte[] atRest = SealedKeyRing.seal(ring, "identity", passphrase); // never store a ring unsealed
    // end
  }

  void sealer(PrivateKeyEntry myPrivateKey, PublicKeyEntry peerPublicKey, String destination, InternalEvent event)
      throws Exception {
    // example: Sealer
    Sealer sealer = Sealer.builder(Suites.DEFAULT, myPrivateKey, peerPublicKey, destination).build();
    ExternalEvent out = sealer.seal(event);            // keyID of the peer + envelope bytes
    // end
  }

  void sealerJournal(Suite suite, PrivateKeyEntry mine, PublicKeyEntry theirs, String destination,
      Map<String, byte[]> store, String name,
      SessionStates.Sealing kept) {
    // example: Sealer#journal
    Sealer sealer = Sealer.builder(suite, mine, theirs, destination)
        .journal(session -> store.put(name, seal(SessionStates.encode(session))))
        .resume(kept)                                  // null: start a new session
        .build();
    // end
  }

  private static byte[] seal(byte[] plain) {
    return plain;
  }

  void openerRestore(KeyRing ring, Signers signers, byte[] kept) {
    // example: Opener#restore
    Opener opener = Opener.builder(ring::privateKey, signers::find)
        .restore(SessionStates.decodeOpenings(kept))
        .build();
    // end
  }

  /** Finds signing keys (for the example). */
  interface Signers {
    Optional<PublicKeyEntry> find(KeyId id);
  }

  void sessionStates(SessionStates.Sealing state) {
    // example: SessionStates
    byte[] kept = SessionStates.encode(state);              // seal this before storing it
    SessionStates.Sealing back = SessionStates.decodeSealing(kept);
    // end
  }

  void envelopeOpener(KeyRing ring, Map<KeyId, PublicKeyEntry> signers, byte[] depositBytes, String depositSubject)
      throws Exception {
    // example: EnvelopeOpener
    EnvelopeOpener opener = Opener.builder(ring::privateKey, id -> Optional.ofNullable(signers.get(id))).build();
    Opener.Opened opened = opener.open(depositBytes, depositSubject);
    // end
  }

  void opener(KeyRing keyRing, Map<KeyId, PublicKeyEntry> signers, ExternalEvent externalEvent, String destination)
      throws Exception {
    // example: Opener
    Opener opener = Opener.builder(keyRing::privateKey, id -> Optional.ofNullable(signers.get(id))).build();
    InternalEvent event = opener.openEvent(externalEvent, destination);
    // end
  }

  void keyPool(KeyRing ring) throws Exception {
    // example: KeyPool
    try (KeyPool pool = KeyPool.start(new Rsa4096(), 8, 1)) {
      KeyPair pair = pool.take();        // from the pool, or generated now if it is empty
      ring.install(pair);
    }
    // end
  }

  void keyPools(io.vettid.crypto.Suite suite) throws Exception {
    // example: KeyPools
    try (KeyPools pools = KeyPools.start(List.of(suite.signature(), suite.wrap()), 2)) {
      KeyPair wrapping = pools.keyPair(suite.wrap(), new SecureRandom());
    }
    // end
  }

  void sealedBytes(byte[] secrets, char[] passphrase) throws Exception {
    // example: SealedBytes
    byte[] sealed = SealedBytes.seal(secrets, passphrase, "vault-secrets");
    byte[] again = SealedBytes.open(sealed, passphrase, "vault-secrets");
    // end
  }

  void suites() throws Exception {
    // example: Suites
    Suite suite = Suites.byName("VETTID-MLKEM768-MLDSA65-V1").orElse(Suites.DEFAULT);
    KeyPair wrap = suite.wrap().generateKeyPair(new SecureRandom());
    // end
  }
}
