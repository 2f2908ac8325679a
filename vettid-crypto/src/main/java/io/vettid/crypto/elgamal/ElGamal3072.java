package io.vettid.crypto.elgamal;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.internal.Bc;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.bouncycastle.crypto.agreement.DHStandardGroups;
import org.bouncycastle.crypto.params.DHParameters;
import org.bouncycastle.jce.interfaces.ElGamalPrivateKey;
import org.bouncycastle.jce.interfaces.ElGamalPublicKey;
import org.bouncycastle.jce.spec.ElGamalParameterSpec;

/**
 * ElGamal key wrapping (Bouncy Castle) over the standard RFC 7919 {@code ffdhe3072} group (g = 2,
 * a safe prime of 3072 bits), with OAEP padding (SHA-256, MGF1-SHA-256, the wrap context as the
 * label). Keys in any other group are refused, and a public key must lie in the prime-order
 * subgroup (y^q = 1 mod p), which stops small-subgroup tricks. ElGamal does not sign here; its
 * suite pairs it with RSA-4096 signatures.
 */
public final class ElGamal3072 implements KeyAlgorithm {
  /** The algorithm name. */
  public static final String NAME = "ElGamal-3072";

  private static final DHParameters GROUP = DHStandardGroups.rfc7919_ffdhe3072;
  private static final BigInteger P = GROUP.getP();
  private static final BigInteger G = GROUP.getG();
  private static final BigInteger Q = P.subtract(BigInteger.ONE).shiftRight(1);

  /** Creates the algorithm (used by {@link java.util.ServiceLoader}). */
  public ElGamal3072() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String keyIdTag() {
    return "elgamal3072";
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.KEY_WRAP);
  }

  @Override
  public KeyPair generateKeyPair(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("ElGamal", Bc.PROVIDER);
    g.initialize(new ElGamalParameterSpec(P, G), Objects.requireNonNull(random, "random"));
    return g.generateKeyPair();
  }

  @Override
  public PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
    return checked(KeyFactory.getInstance("ElGamal", Bc.PROVIDER)
        .generatePublic(new X509EncodedKeySpec(Objects.requireNonNull(encoded, "encoded"))));
  }

  @Override
  public PrivateKey decodePrivateKey(byte[] encoded) throws GeneralSecurityException {
    return checked(KeyFactory.getInstance("ElGamal", Bc.PROVIDER)
        .generatePrivate(new PKCS8EncodedKeySpec(Objects.requireNonNull(encoded, "encoded"))));
  }

  @Override
  public byte[] wrapKey(PublicKey recipient, byte[] keyMaterial, byte[] context, SecureRandom random)
      throws GeneralSecurityException {
    Objects.requireNonNull(keyMaterial, "keyMaterial");
    Cipher c = Cipher.getInstance("ElGamal/NONE/OAEPPadding", Bc.PROVIDER);
    c.init(Cipher.ENCRYPT_MODE, checked(recipient), oaep(context), Objects.requireNonNull(random, "random"));
    return c.doFinal(keyMaterial);
  }

  @Override
  public byte[] unwrapKey(PrivateKey privateKey, byte[] wrapped, byte[] context) throws GeneralSecurityException {
    Objects.requireNonNull(wrapped, "wrapped");
    if (wrapped.length != 2 * 384) {
      throw new GeneralSecurityException("ElGamal-3072 wraps are 768 bytes, got " + wrapped.length);
    }
    Cipher c = Cipher.getInstance("ElGamal/NONE/OAEPPadding", Bc.PROVIDER);
    c.init(Cipher.DECRYPT_MODE, checked(privateKey), oaep(context));
    return c.doFinal(wrapped);
  }

  private static OAEPParameterSpec oaep(byte[] context) {
    return new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
        new PSource.PSpecified(Objects.requireNonNull(context, "context")));
  }

  private static <K extends Key> K checked(K key) throws InvalidKeyException {
    Objects.requireNonNull(key, "key");
    if (key instanceof ElGamalPublicKey pub) {
      requireGroup(pub.getParameters());
      BigInteger y = pub.getY();
      if (y.compareTo(BigInteger.TWO) < 0 || y.compareTo(P.subtract(BigInteger.TWO)) > 0
          || !y.modPow(Q, P).equals(BigInteger.ONE)) {
        throw new InvalidKeyException("ElGamal-3072 public key is not in the ffdhe3072 prime-order subgroup");
      }
    } else if (key instanceof ElGamalPrivateKey priv) {
      requireGroup(priv.getParameters());
    } else {
      throw new InvalidKeyException("not an ElGamal key: " + key.getAlgorithm());
    }
    return key;
  }

  private static void requireGroup(ElGamalParameterSpec params) throws InvalidKeyException {
    if (params == null || !P.equals(params.getP()) || !G.equals(params.getG())) {
      throw new InvalidKeyException("ElGamal-3072 keys must use the RFC 7919 ffdhe3072 group");
    }
  }
}
