package com.example.vettid.ed25519;

import io.vettid.api.spi.KeyAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A third party's {@link KeyAlgorithm}: Ed25519 signatures with the JDK's own provider. Three
 * steps make a plugin: implement the interface (stateless, thread-safe, every failure a
 * {@link GeneralSecurityException}), list the class in
 * {@code META-INF/services/io.vettid.api.spi.KeyAlgorithm} (and {@code provides} in
 * module-info.java), and test it against known-answer vectors.
 *
 * <p>The vectors earn their keep here: JDK 17's Ed25519 verifier accepts a valid signature with a
 * zero byte appended (Wycheproof ed25519 tcId 37, "SignatureWithGarbage"). This plugin refuses any
 * signature that is not exactly {@value #SIGNATURE_BYTES} bytes before asking the JDK.
 */
public final class Ed25519Signatures implements KeyAlgorithm {
  /** The algorithm name; a third party should prefix its own. */
  public static final String NAME = "EXAMPLE-Ed25519";

  /** The only valid Ed25519 signature length (RFC 8032). */
  public static final int SIGNATURE_BYTES = 64;

  /** Creates the algorithm (used by {@link java.util.ServiceLoader}). */
  public Ed25519Signatures() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String keyIdTag() {
    return "exed25519";
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.SIGNATURE);
  }

  @Override
  public KeyPair generateKeyPair(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
    g.initialize(255, Objects.requireNonNull(random, "random"));
    return g.generateKeyPair();
  }

  @Override
  public PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(Objects.requireNonNull(encoded)));
  }

  @Override
  public PrivateKey decodePrivateKey(byte[] encoded) throws GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(Objects.requireNonNull(encoded)));
  }

  @Override
  public byte[] sign(PrivateKey privateKey, byte[] message, SecureRandom random) throws GeneralSecurityException {
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(Objects.requireNonNull(privateKey, "privateKey"));
    s.update(Objects.requireNonNull(message, "message"));
    return s.sign();
  }

  @Override
  public boolean verify(PublicKey publicKey, byte[] message, byte[] signature) throws GeneralSecurityException {
    Objects.requireNonNull(signature, "signature");
    if (signature.length != SIGNATURE_BYTES) {
      return false;
    }
    Signature s = Signature.getInstance("Ed25519");
    s.initVerify(Objects.requireNonNull(publicKey, "publicKey"));
    s.update(Objects.requireNonNull(message, "message"));
    try {
      return s.verify(signature);
    } catch (SignatureException e) {
      return false;
    }
  }
}
