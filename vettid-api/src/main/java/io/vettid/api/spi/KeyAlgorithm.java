package io.vettid.api.spi;

import io.vettid.api.KeyId;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Set;

/**
 * An asymmetric key algorithm that VettID can use: RSA-4096 (the default), ElGamal, ML-KEM,
 * ML-DSA, or a third party's. Implementations are stateless and thread-safe, and are found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/io.vettid.api.spi.KeyAlgorithm} or
 * {@code provides} in {@code module-info.java}) or passed explicitly.
 *
 * <p>An algorithm offers key wrapping, signatures, or both ({@link #capabilities()}); one that
 * offers only one of them is paired with another in a named suite by {@code vettid-crypto}. Every
 * failure is a {@link GeneralSecurityException}; an implementation never returns partial or
 * unauthenticated data.
 *
 * <pre>{@code
 * KeyAlgorithm rsa = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build().get("RSA-4096");
 * KeyPair keys = rsa.generateKeyPair(new SecureRandom());
 * KeyId id = rsa.keyId(keys.getPublic());                       // names the key everywhere
 * byte[] signature = rsa.sign(keys.getPrivate(), message, new SecureRandom());
 * boolean ok = rsa.verify(keys.getPublic(), message, signature);
 * }</pre>
 *
 * <p>A third party's algorithm lives in its own jar (see the {@code custom-key-algorithm} sample,
 * tested against the Wycheproof vectors).
 */
public interface KeyAlgorithm {

  /** What an algorithm can do. */
  enum Capability {
    /** Wrap (encrypt) a symmetric key to a public key, and unwrap it with the private key. */
    KEY_WRAP,
    /** Sign with the private key, verify with the public key. */
    SIGNATURE
  }

  /** {@return stable, unique name, such as {@code RSA-4096}} */
  String name();

  /**
   * Short tag used in this algorithm's keyIDs: 1-16 lowercase letters and digits, letter first,
   * such as {@code rsa4096}.
   * @return short tag used in this algorithm's keyIDs: 1-16 lowercase letters and digits, letter first, such as {@code rsa4096}
   */
  String keyIdTag();

  /** {@return what this algorithm can do; never empty} */
  Set<Capability> capabilities();

  /**
   * Generates a new key pair.
   *
   * @param random the randomness source
   * @return a new key pair
   * @throws GeneralSecurityException if generation fails
   */
  KeyPair generateKeyPair(SecureRandom random) throws GeneralSecurityException;

  /**
   * Decodes a public key from its X.509 SubjectPublicKeyInfo DER encoding.
   *
   * @param encoded the encoding
   * @return the key
   * @throws GeneralSecurityException if the bytes are not a public key of this algorithm
   */
  PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException;

  /**
   * Decodes a private key from its PKCS#8 DER encoding.
   *
   * @param encoded the encoding
   * @return the key
   * @throws GeneralSecurityException if the bytes are not a private key of this algorithm
   */
  PrivateKey decodePrivateKey(byte[] encoded) throws GeneralSecurityException;

  /**
   * Wraps a symmetric key to the recipient's public key, bound to a context (the wrap does not
   * open under another context).
   *
   * @param recipient the recipient's public key
   * @param keyMaterial the key to wrap
   * @param context bytes the wrap is bound to (may be empty)
   * @param random the randomness source
   * @return the wrapped key
   * @throws GeneralSecurityException if this algorithm cannot wrap or wrapping fails
   */
  default byte[] wrapKey(PublicKey recipient, byte[] keyMaterial, byte[] context, SecureRandom random)
      throws GeneralSecurityException {
    throw new GeneralSecurityException(name() + " cannot wrap keys; pair it with a KEY_WRAP algorithm");
  }

  /**
   * Unwraps a key wrapped by {@link #wrapKey}.
   *
   * @param privateKey the recipient's private key
   * @param wrapped the wrapped key
   * @param context the context the key was wrapped under
   * @return the key material
   * @throws GeneralSecurityException if this algorithm cannot unwrap or the wrap does not open
   */
  default byte[] unwrapKey(PrivateKey privateKey, byte[] wrapped, byte[] context)
      throws GeneralSecurityException {
    throw new GeneralSecurityException(name() + " cannot unwrap keys; pair it with a KEY_WRAP algorithm");
  }

  /**
   * Signs a message.
   *
   * @param privateKey the signer's private key
   * @param message the message
   * @param random the randomness source (for randomized schemes)
   * @return the signature
   * @throws GeneralSecurityException if this algorithm cannot sign or signing fails
   */
  default byte[] sign(PrivateKey privateKey, byte[] message, SecureRandom random)
      throws GeneralSecurityException {
    throw new GeneralSecurityException(name() + " cannot sign; pair it with a SIGNATURE algorithm");
  }

  /**
   * Verifies a signature.
   *
   * @param publicKey the signer's public key
   * @param message the message
   * @param signature the signature
   * @return {@code true} only if the signature is valid
   * @throws GeneralSecurityException if this algorithm cannot verify
   */
  default boolean verify(PublicKey publicKey, byte[] message, byte[] signature)
      throws GeneralSecurityException {
    throw new GeneralSecurityException(name() + " cannot verify; pair it with a SIGNATURE algorithm");
  }

  /**
   * The keyID of a public key of this algorithm.
   *
   * @param publicKey the public key
   * @return its keyID
   */
  default KeyId keyId(PublicKey publicKey) {
    return KeyId.derive(keyIdTag(), publicKey.getEncoded());
  }
}
