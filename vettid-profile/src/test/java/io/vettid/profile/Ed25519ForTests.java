package io.vettid.profile;

import io.vettid.api.spi.KeyAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Set;

/**
 * A signature algorithm from the JDK (Ed25519), so that vettid-profile is tested through the SPI
 * alone, as a third party's algorithm would be; RSA-4096 profiles are tested in the runtime.
 */
class Ed25519ForTests implements KeyAlgorithm {
  @Override
  public String name() {
    return "Ed25519-test";
  }

  @Override
  public String keyIdTag() {
    return "edtest";
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.SIGNATURE);
  }

  @Override
  public KeyPair generateKeyPair(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
    g.initialize(255, random);
    return g.generateKeyPair();
  }

  @Override
  public PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
  }

  @Override
  public PrivateKey decodePrivateKey(byte[] encoded) throws GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(encoded));
  }

  @Override
  public byte[] sign(PrivateKey privateKey, byte[] message, SecureRandom random) throws GeneralSecurityException {
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(privateKey);
    s.update(message);
    return s.sign();
  }

  @Override
  public boolean verify(PublicKey publicKey, byte[] message, byte[] signature) throws GeneralSecurityException {
    if (signature.length != 64) {
      return false; // the JDK's Ed25519 reads the first 64 bytes and ignores the rest: a signature is 64 bytes
    }
    Signature s = Signature.getInstance("Ed25519");
    s.initVerify(publicKey);
    s.update(message);
    return s.verify(signature);
  }
}
