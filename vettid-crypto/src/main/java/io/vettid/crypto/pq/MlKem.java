package io.vettid.crypto.pq;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.internal.Aead;
import io.vettid.crypto.internal.Bc;
import io.vettid.crypto.internal.Hkdf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
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
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;

/**
 * ML-KEM (FIPS 203) key wrapping, as a KEM-DEM: encapsulate to the recipient's key, derive a
 * one-time AES-256-GCM key from the shared secret with HKDF-SHA-256, and seal the key material.
 *
 * <pre>
 * kek     = HKDF-SHA-256(ikm = shared secret, salt = "", info = "vettid-mlkem-wrap-v1" || 0x00 || name || 0x00 || context, 32)
 * wrapped = encapsulation || AES-256-GCM(kek, nonce = 12 zero bytes, aad = context, keyMaterial)
 * </pre>
 *
 * <p>The zero nonce is safe because each kek is used for exactly one message. ML-KEM cannot sign;
 * a suite pairs it with a signature algorithm. Keys use the X.509 / PKCS#8 encodings of Bouncy
 * Castle; operations run on Bouncy Castle's FIPS 203 engine.
 */
public abstract class MlKem implements KeyAlgorithm {
  private static final byte[] LABEL = "vettid-mlkem-wrap-v1".getBytes(StandardCharsets.US_ASCII);

  private final String name;
  private final String tag;
  private final MLKEMParameters parameters;

  MlKem(String name, String tag, MLKEMParameters parameters) {
    this.name = name;
    this.tag = tag;
    this.parameters = parameters;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final String keyIdTag() {
    return tag;
  }

  @Override
  public final Set<Capability> capabilities() {
    return EnumSet.of(Capability.KEY_WRAP);
  }

  /** {@return the ciphertext length of one encapsulation, in bytes} */
  public final int encapsulationLength() {
    return parameters.getEncapsulationLength();
  }

  @Override
  public final KeyPair generateKeyPair(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance(name, Bc.PROVIDER);
    g.initialize(org.bouncycastle.jcajce.spec.MLKEMParameterSpec.fromName(name), Objects.requireNonNull(random, "random"));
    return g.generateKeyPair();
  }

  @Override
  public final PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
    PublicKey key = KeyFactory.getInstance(name, Bc.PROVIDER)
        .generatePublic(new X509EncodedKeySpec(Objects.requireNonNull(encoded, "encoded")));
    publicParameters(key);
    return key;
  }

  @Override
  public final PrivateKey decodePrivateKey(byte[] encoded) throws GeneralSecurityException {
    PrivateKey key = KeyFactory.getInstance(name, Bc.PROVIDER)
        .generatePrivate(new PKCS8EncodedKeySpec(Objects.requireNonNull(encoded, "encoded")));
    privateParameters(key);
    return key;
  }

  @Override
  public final byte[] wrapKey(PublicKey recipient, byte[] keyMaterial, byte[] context, SecureRandom random)
      throws GeneralSecurityException {
    Objects.requireNonNull(keyMaterial, "keyMaterial");
    Objects.requireNonNull(context, "context");
    SecretWithEncapsulation s =
        new MLKEMGenerator(Objects.requireNonNull(random, "random")).generateEncapsulated(publicParameters(recipient));
    byte[] secret = s.getSecret();
    try {
      byte[] sealed = Aead.seal(kek(secret, context), new byte[Aead.NONCE_BYTES], context, keyMaterial);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(s.getEncapsulation());
      out.writeBytes(sealed);
      return out.toByteArray();
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  @Override
  public final byte[] unwrapKey(PrivateKey privateKey, byte[] wrapped, byte[] context)
      throws GeneralSecurityException {
    Objects.requireNonNull(wrapped, "wrapped");
    Objects.requireNonNull(context, "context");
    int n = encapsulationLength();
    if (wrapped.length < n + Aead.TAG_BYTES) {
      throw new GeneralSecurityException(name + " wrapped key is too short: " + wrapped.length + " bytes");
    }
    byte[] secret = decapsulate(privateParameters(privateKey), Arrays.copyOf(wrapped, n));
    try {
      return Aead.open(kek(secret, context), new byte[Aead.NONCE_BYTES], context,
          Arrays.copyOfRange(wrapped, n, wrapped.length));
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  /**
   * ML-KEM.Decaps: the shared secret for a ciphertext (implicit rejection: a wrong ciphertext of
   * the right length gives a pseudo-random secret, which then fails the AEAD).
   *
   * @param privateKey the decapsulation key
   * @param ciphertext exactly {@link #encapsulationLength()} bytes
   * @return the 32-byte shared secret
   * @throws GeneralSecurityException if the ciphertext has the wrong length
   */
  final byte[] decapsulate(MLKEMPrivateKeyParameters privateKey, byte[] ciphertext) throws GeneralSecurityException {
    if (ciphertext.length != encapsulationLength()) {
      throw new GeneralSecurityException(
          name + " ciphertext must be " + encapsulationLength() + " bytes, got " + ciphertext.length);
    }
    return new MLKEMExtractor(privateKey).extractSecret(ciphertext);
  }

  /**
   * ML-KEM.KeyGen from the 64-byte seed {@code d || z} (FIPS 203), for test vectors.
   *
   * @param seed 64 bytes
   * @return the private key parameters (the public key is {@code getPublicKey()})
   * @throws GeneralSecurityException if the seed is not 64 bytes
   */
  final MLKEMPrivateKeyParameters fromSeed(byte[] seed) throws GeneralSecurityException {
    if (seed.length != 64) {
      throw new GeneralSecurityException(name + " seed must be 64 bytes, got " + seed.length);
    }
    return new MLKEMPrivateKeyParameters(parameters, seed);
  }

  private byte[] kek(byte[] secret, byte[] context) throws GeneralSecurityException {
    ByteArrayOutputStream info = new ByteArrayOutputStream();
    info.writeBytes(LABEL);
    info.write(0);
    info.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
    info.write(0);
    info.writeBytes(context);
    return Hkdf.sha256(secret, new byte[0], info.toByteArray(), Aead.KEY_BYTES);
  }

  private MLKEMPublicKeyParameters publicParameters(PublicKey key) throws GeneralSecurityException {
    return Bc.lowLevel(key, MLKEMPublicKeyParameters.class, k -> k.getParameters() == parameters, name + " public key");
  }


  private MLKEMPrivateKeyParameters privateParameters(PrivateKey key) throws GeneralSecurityException {
    return Bc.lowLevel(key, MLKEMPrivateKeyParameters.class, k -> k.getParameters() == parameters, name + " private key");
  }

}
