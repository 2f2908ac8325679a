package io.vettid.crypto.rsa;

import io.vettid.api.spi.KeyAlgorithm;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * RSA with 4096-bit keys, VettID's default: RSA-OAEP with SHA-256 and MGF1-SHA-256 wraps keys
 * (the context is the OAEP label, so a wrap opens only under the same context), and RSA-PSS with
 * SHA-256, MGF1-SHA-256 and a 32-byte salt signs. Public exponent 65537. Keys of any other size
 * or exponent are refused. Uses the JDK's providers; stateless and thread-safe.
 */
public final class Rsa4096 implements KeyAlgorithm {
  /** The algorithm name. */
  public static final String NAME = "RSA-4096";

  /** The keyID tag. */
  public static final String TAG = "rsa4096";

  /** Modulus size in bits. */
  public static final int BITS = 4096;

  private static final PSSParameterSpec PSS =
      new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);

  /** Creates the algorithm (used by {@link java.util.ServiceLoader}). */
  public Rsa4096() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String keyIdTag() {
    return TAG;
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.KEY_WRAP, Capability.SIGNATURE);
  }

  @Override
  public KeyPair generateKeyPair(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(new RSAKeyGenParameterSpec(BITS, RSAKeyGenParameterSpec.F4), Objects.requireNonNull(random, "random"));
    return g.generateKeyPair();
  }

  @Override
  public PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
    Objects.requireNonNull(encoded, "encoded");
    PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(encoded));
    return checked(key);
  }

  @Override
  public PrivateKey decodePrivateKey(byte[] encoded) throws GeneralSecurityException {
    Objects.requireNonNull(encoded, "encoded");
    PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(encoded));
    return checked(key);
  }

  @Override
  public byte[] wrapKey(PublicKey recipient, byte[] keyMaterial, byte[] context, SecureRandom random)
      throws GeneralSecurityException {
    Objects.requireNonNull(keyMaterial, "keyMaterial");
    Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
    c.init(Cipher.ENCRYPT_MODE, checked(recipient), oaep(context), Objects.requireNonNull(random, "random"));
    return c.doFinal(keyMaterial);
  }

  @Override
  public byte[] unwrapKey(PrivateKey privateKey, byte[] wrapped, byte[] context)
      throws GeneralSecurityException {
    Objects.requireNonNull(wrapped, "wrapped");
    Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
    c.init(Cipher.DECRYPT_MODE, checked(privateKey), oaep(context));
    return c.doFinal(wrapped);
  }

  @Override
  public byte[] sign(PrivateKey privateKey, byte[] message, SecureRandom random)
      throws GeneralSecurityException {
    Objects.requireNonNull(message, "message");
    Signature s = Signature.getInstance("RSASSA-PSS");
    s.setParameter(PSS);
    s.initSign(checked(privateKey), Objects.requireNonNull(random, "random"));
    s.update(message);
    return s.sign();
  }

  @Override
  public boolean verify(PublicKey publicKey, byte[] message, byte[] signature)
      throws GeneralSecurityException {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(signature, "signature");
    Signature s = Signature.getInstance("RSASSA-PSS");
    s.setParameter(PSS);
    s.initVerify(checked(publicKey));
    s.update(message);
    try {
      return s.verify(signature);
    } catch (java.security.SignatureException e) {
      return false;
    }
  }

  private static OAEPParameterSpec oaep(byte[] context) {
    return new OAEPParameterSpec(
        "SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
        new PSource.PSpecified(Objects.requireNonNull(context, "context")));
  }

  private static <K extends java.security.Key> K checked(K key) throws InvalidKeyException {
    Objects.requireNonNull(key, "key");
    BigInteger modulus;
    if (key instanceof RSAPublicKey pub) {
      modulus = pub.getModulus();
      if (!pub.getPublicExponent().equals(RSAKeyGenParameterSpec.F4)) {
        throw new InvalidKeyException("RSA-4096 keys must use public exponent 65537");
      }
    } else if (key instanceof RSAPrivateKey priv) {
      modulus = priv.getModulus();
    } else {
      throw new InvalidKeyException("not an RSA key: " + key.getAlgorithm());
    }
    if (modulus.bitLength() != BITS) {
      throw new InvalidKeyException(
          "RSA-4096 needs a " + BITS + "-bit modulus, this key has " + modulus.bitLength() + " bits");
    }
    return key;
  }
}
