package io.vettid.crypto.pq;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.internal.Bc;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.params.MLDSAParameters;
import org.bouncycastle.crypto.params.MLDSAPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLDSAPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithContext;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.MLDSASigner;

/**
 * ML-DSA-65 signatures (FIPS 204, pure mode, empty context, hedged randomized signing). It cannot
 * wrap keys; a suite pairs it with a key-wrap algorithm. Stateless and thread-safe.
 */
public final class MlDsa65 implements KeyAlgorithm {
  /** The algorithm name. */
  public static final String NAME = "ML-DSA-65";

  /** Creates the algorithm (used by {@link java.util.ServiceLoader}). */
  public MlDsa65() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String keyIdTag() {
    return "mldsa65";
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.SIGNATURE);
  }

  @Override
  public KeyPair generateKeyPair(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance(NAME, Bc.PROVIDER);
    g.initialize(org.bouncycastle.jcajce.spec.MLDSAParameterSpec.ml_dsa_65, Objects.requireNonNull(random, "random"));
    return g.generateKeyPair();
  }

  @Override
  public PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
    PublicKey key = KeyFactory.getInstance(NAME, Bc.PROVIDER)
        .generatePublic(new X509EncodedKeySpec(Objects.requireNonNull(encoded, "encoded")));
    publicParameters(key);
    return key;
  }

  @Override
  public PrivateKey decodePrivateKey(byte[] encoded) throws GeneralSecurityException {
    PrivateKey key = KeyFactory.getInstance(NAME, Bc.PROVIDER)
        .generatePrivate(new PKCS8EncodedKeySpec(Objects.requireNonNull(encoded, "encoded")));
    privateParameters(key);
    return key;
  }

  @Override
  public byte[] sign(PrivateKey privateKey, byte[] message, SecureRandom random) throws GeneralSecurityException {
    Objects.requireNonNull(message, "message");
    MLDSASigner signer = new MLDSASigner();
    signer.init(true, new ParametersWithRandom(privateParameters(privateKey), Objects.requireNonNull(random, "random")));
    signer.update(message, 0, message.length);
    try {
      return signer.generateSignature();
    } catch (CryptoException e) {
      throw new GeneralSecurityException("ML-DSA-65 signing failed", e);
    }
  }

  @Override
  public boolean verify(PublicKey publicKey, byte[] message, byte[] signature) throws GeneralSecurityException {
    return verifyRaw(publicParameters(publicKey), new byte[0], message, signature);
  }

  /**
   * Verifies with a raw FIPS 204 public key (for test vectors).
   *
   * @param publicKey the public key parameters
   * @param context the FIPS 204 context string (0..255 bytes; VettID signs with the empty one)
   * @param message the message
   * @param signature the signature
   * @return whether the signature is valid; {@code false} also for a context over 255 bytes
   */
  static boolean verifyRaw(MLDSAPublicKeyParameters publicKey, byte[] context, byte[] message, byte[] signature) {
    Objects.requireNonNull(context, "context");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(signature, "signature");
    if (context.length > 255) {
      return false;
    }
    try {
      MLDSASigner verifier = new MLDSASigner();
      verifier.init(false, context.length == 0 ? publicKey : new ParametersWithContext(publicKey, context));
      verifier.update(message, 0, message.length);
      return verifier.verifySignature(signature);
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * A raw FIPS 204 ML-DSA-65 public key (1952 bytes).
   *
   * @param raw the encoding
   * @return the parameters
   * @throws InvalidKeyException if the length is wrong
   */
  static MLDSAPublicKeyParameters rawPublicKey(byte[] raw) throws InvalidKeyException {
    if (raw.length != 1952) {
      throw new InvalidKeyException("ML-DSA-65 public keys are 1952 bytes, got " + raw.length);
    }
    return new MLDSAPublicKeyParameters(MLDSAParameters.ml_dsa_65, raw);
  }

  private static MLDSAPublicKeyParameters publicParameters(PublicKey key) throws GeneralSecurityException {
    return Bc.lowLevel(key, MLDSAPublicKeyParameters.class,
        k -> k.getParameters() == MLDSAParameters.ml_dsa_65, "ML-DSA-65 public key");
  }


  private static MLDSAPrivateKeyParameters privateParameters(PrivateKey key) throws GeneralSecurityException {
    return Bc.lowLevel(key, MLDSAPrivateKeyParameters.class,
        k -> k.getParameters() == MLDSAParameters.ml_dsa_65, "ML-DSA-65 private key");
  }

}
