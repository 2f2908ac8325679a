package io.vettid.testkit;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.pq.MlDsa65;
import io.vettid.crypto.pq.MlKem768;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The key algorithm contract fails the algorithms that break it, each on the check it breaks. */
class KeyAlgorithmContractTest {

  /** An algorithm that does what another does, to be broken in one place. */
  private static class Delegate implements KeyAlgorithm {
    final KeyAlgorithm real;

    Delegate(KeyAlgorithm real) {
      this.real = real;
    }

    @Override
    public String name() {
      return "contract-" + real.name();
    }

    @Override
    public String keyIdTag() {
      return real.keyIdTag();
    }

    @Override
    public Set<Capability> capabilities() {
      return real.capabilities();
    }

    @Override
    public KeyPair generateKeyPair(SecureRandom random) throws GeneralSecurityException {
      return real.generateKeyPair(random);
    }

    @Override
    public PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
      return real.decodePublicKey(encoded);
    }

    @Override
    public PrivateKey decodePrivateKey(byte[] encoded) throws GeneralSecurityException {
      return real.decodePrivateKey(encoded);
    }

    @Override
    public byte[] wrapKey(PublicKey recipient, byte[] keyMaterial, byte[] context, SecureRandom random)
        throws GeneralSecurityException {
      return real.wrapKey(recipient, keyMaterial, context, random);
    }

    @Override
    public byte[] unwrapKey(PrivateKey privateKey, byte[] wrapped, byte[] context) throws GeneralSecurityException {
      return real.unwrapKey(privateKey, wrapped, context);
    }

    @Override
    public byte[] sign(PrivateKey privateKey, byte[] message, SecureRandom random) throws GeneralSecurityException {
      return real.sign(privateKey, message, random);
    }

    @Override
    public boolean verify(PublicKey publicKey, byte[] message, byte[] signature) throws GeneralSecurityException {
      return real.verify(publicKey, message, signature);
    }
  }

  private static KeyAlgorithmContract holding(KeyAlgorithm algorithm) {
    return new KeyAlgorithmContract() {
      @Override
      protected KeyAlgorithm algorithm() {
        return algorithm;
      }
    };
  }

  @Test
  void aDecoderThatThrowsAnythingButAGeneralSecurityExceptionFails() {
    KeyAlgorithm sloppy = new Delegate(new MlKem768()) {
      @Override
      public PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
        if (encoded.length == 0) {
          throw new IllegalArgumentException("empty");
        }
        return real.decodePublicKey(encoded);
      }
    };
    assertThatThrownBy(holding(sloppy)::bytesThatAreNotAKeyOfThisAlgorithmAreRefused)
        .isInstanceOf(AssertionFailedError.class).hasMessageContaining("only GeneralSecurityException may escape");
  }

  @Test
  void aWrapThatIgnoresItsContextFails() {
    KeyAlgorithm contextFree = new Delegate(new MlKem768()) {
      @Override
      public byte[] wrapKey(PublicKey recipient, byte[] key, byte[] context, SecureRandom random)
          throws GeneralSecurityException {
        return real.wrapKey(recipient, key, new byte[0], random);
      }

      @Override
      public byte[] unwrapKey(PrivateKey privateKey, byte[] wrapped, byte[] context) throws GeneralSecurityException {
        return real.unwrapKey(privateKey, wrapped, new byte[0]);
      }
    };
    assertThatThrownBy(holding(contextFree)::wrapsOpenOnlyWithTheirKeyAndContext)
        .isInstanceOf(AssertionFailedError.class).hasMessageContaining("unwrap under another context was taken");
  }

  @Test
  void aVerifierThatSaysYesFails() {
    KeyAlgorithm yes = new Delegate(new MlDsa65()) {
      @Override
      public boolean verify(PublicKey publicKey, byte[] message, byte[] signature) {
        return true;
      }
    };
    assertThatThrownBy(holding(yes)::signaturesVerifyForTheirMessageAndKeyOnly)
        .isInstanceOf(AssertionFailedError.class).hasMessageContaining("verifies under another key");
  }

  @Test
  void aBadTagOrAVectorVerifiedWronglyFails() throws Exception {
    KeyAlgorithm shouting = new Delegate(new MlDsa65()) {
      @Override
      public String keyIdTag() {
        return "MLDSA!";
      }
    };
    assertThatThrownBy(holding(shouting)::itHasANameATagAndCapabilities).isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("keyIdTag()");

    MlDsa65 dsa = new MlDsa65();
    KeyPair pair = dsa.generateKeyPair(new SecureRandom());
    byte[] message = {1, 2, 3};
    byte[] signature = dsa.sign(pair.getPrivate(), message, new SecureRandom());
    KeyAlgorithmContract claimsInvalid = new KeyAlgorithmContract() {
      @Override
      protected KeyAlgorithm algorithm() {
        return dsa;
      }

      @Override
      protected List<SignatureVector> signatureVectors() {
        return List.of(new SignatureVector("a valid signature marked invalid", pair.getPublic().getEncoded(), message,
            signature, false));
      }
    };
    assertThatThrownBy(claimsInvalid::givenVectorsVerifyExactlyAsTheySay).isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("a valid signature marked invalid");
  }

  @Test
  void aSoundAlgorithmPassesEveryCheck() {
    KeyAlgorithmContract c = holding(new Delegate(new MlKem768()));
    assertThatCode(c::itHasANameATagAndCapabilities).doesNotThrowAnyException();
    assertThatCode(c::keysDecodeFromTheirEncodingsToTheSameKeyId).doesNotThrowAnyException();
    assertThatCode(c::bytesThatAreNotAKeyOfThisAlgorithmAreRefused).doesNotThrowAnyException();
    assertThatCode(c::wrapsOpenOnlyWithTheirKeyAndContext).doesNotThrowAnyException();
    assertThatCode(c::signaturesVerifyForTheirMessageAndKeyOnly).doesNotThrowAnyException();
  }
}
