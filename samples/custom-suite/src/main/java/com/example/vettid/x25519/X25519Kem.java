package com.example.vettid.x25519;

import io.vettid.api.spi.KeyAlgorithm;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A third party's key-wrap {@link KeyAlgorithm}: an X25519 key encapsulation with the JDK's own
 * provider. Each wrap draws an ephemeral X25519 pair, agrees a secret with the recipient's key,
 * derives an AES-256 key from it with HKDF-SHA-256, and seals the session key with AES-256-GCM:
 *
 * <pre>{@literal
 * wrapped = E (44 bytes, X.509) || nonce (12) || AES-256-GCM(k, nonce, aad = context, session key)
 * k       = HKDF-SHA-256(ikm = X25519(e, R), salt = E || R (X.509 encodings),
 *                        info = "example-x25519-kem-v1" || 0x00 || context, 32 bytes)
 * }</pre>
 *
 * <p>An all-zero shared secret (a small-order key) is refused. Every failure is a {@link
 * GeneralSecurityException}. Stateless and thread-safe, as the SPI requires.
 */
public final class X25519Kem implements KeyAlgorithm {
  /** The algorithm name; a third party prefixes its own. */
  public static final String NAME = "EXAMPLE-X25519-KEM";

  /** The length of an X25519 public key's X.509 encoding. */
  static final int ENCODED_PUBLIC_BYTES = 44;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BYTES = 16;
  private static final byte[] INFO = "example-x25519-kem-v1".getBytes(StandardCharsets.US_ASCII);

  /** Creates the algorithm (used by {@link java.util.ServiceLoader}). */
  public X25519Kem() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String keyIdTag() {
    return "exx25519";
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.KEY_WRAP);
  }

  @Override
  public KeyPair generateKeyPair(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("X25519");
    g.initialize(255, Objects.requireNonNull(random, "random"));
    return g.generateKeyPair();
  }

  @Override
  public PublicKey decodePublicKey(byte[] encoded) throws GeneralSecurityException {
    Objects.requireNonNull(encoded, "encoded");
    if (encoded.length != ENCODED_PUBLIC_BYTES) {
      throw new InvalidKeyException("an X25519 public key is " + ENCODED_PUBLIC_BYTES + " bytes (X.509)");
    }
    PublicKey k = KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(encoded));
    if (!Arrays.equals(k.getEncoded(), encoded)) {
      throw new InvalidKeyException("not the canonical encoding of an X25519 public key");
    }
    return k;
  }

  @Override
  public PrivateKey decodePrivateKey(byte[] encoded) throws GeneralSecurityException {
    return KeyFactory.getInstance("X25519").generatePrivate(new PKCS8EncodedKeySpec(Objects.requireNonNull(encoded)));
  }

  @Override
  public byte[] wrapKey(PublicKey recipient, byte[] keyMaterial, byte[] context, SecureRandom random)
      throws GeneralSecurityException {
    Objects.requireNonNull(recipient, "recipient");
    Objects.requireNonNull(keyMaterial, "keyMaterial");
    Objects.requireNonNull(context, "context");
    byte[] recipientEncoded = decodePublicKey(recipient.getEncoded()).getEncoded(); // an X25519 key, or refused
    KeyPair ephemeral = generateKeyPair(Objects.requireNonNull(random, "random"));
    byte[] e = ephemeral.getPublic().getEncoded();
    byte[] k = derive(agree(ephemeral.getPrivate(), recipient), e, recipientEncoded, context);
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
      c.updateAAD(context);
      byte[] sealed = c.doFinal(keyMaterial);
      byte[] out = new byte[e.length + NONCE_BYTES + sealed.length];
      System.arraycopy(e, 0, out, 0, e.length);
      System.arraycopy(nonce, 0, out, e.length, NONCE_BYTES);
      System.arraycopy(sealed, 0, out, e.length + NONCE_BYTES, sealed.length);
      return out;
    } finally {
      Arrays.fill(k, (byte) 0);
    }
  }

  @Override
  public byte[] unwrapKey(PrivateKey privateKey, byte[] wrapped, byte[] context) throws GeneralSecurityException {
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(wrapped, "wrapped");
    Objects.requireNonNull(context, "context");
    if (wrapped.length < ENCODED_PUBLIC_BYTES + NONCE_BYTES + TAG_BYTES) {
      throw new GeneralSecurityException("a wrapped key is at least " + (ENCODED_PUBLIC_BYTES + NONCE_BYTES + TAG_BYTES)
          + " bytes");
    }
    byte[] e = Arrays.copyOfRange(wrapped, 0, ENCODED_PUBLIC_BYTES);
    PublicKey ephemeral = decodePublicKey(e);
    byte[] recipientEncoded = publicOf(privateKey);
    byte[] k = derive(agree(privateKey, ephemeral), e, recipientEncoded, context);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(k, "AES"),
          new GCMParameterSpec(TAG_BYTES * 8, wrapped, ENCODED_PUBLIC_BYTES, NONCE_BYTES));
      c.updateAAD(context);
      return c.doFinal(wrapped, ENCODED_PUBLIC_BYTES + NONCE_BYTES, wrapped.length - ENCODED_PUBLIC_BYTES - NONCE_BYTES);
    } finally {
      Arrays.fill(k, (byte) 0);
    }
  }

  /** The recipient's public key (its X.509 encoding), computed from its private key: X25519(k, 9). */
  private static byte[] publicOf(PrivateKey privateKey) throws GeneralSecurityException {
    KeyFactory f = KeyFactory.getInstance("X25519");
    PublicKey base = f.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BigInteger.valueOf(9)));
    KeyAgreement a = KeyAgreement.getInstance("X25519");
    a.init(privateKey);
    a.doPhase(base, true);
    byte[] u = a.generateSecret(); // little-endian
    byte[] bigEndian = new byte[u.length + 1];
    for (int i = 0; i < u.length; i++) {
      bigEndian[u.length - i] = u[i];
    }
    return f.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(bigEndian))).getEncoded();
  }

  /** X25519(mine, theirs), refusing an all-zero result. Package-private for the known-answer tests. */
  static byte[] agree(PrivateKey mine, PublicKey theirs) throws GeneralSecurityException {
    KeyAgreement a = KeyAgreement.getInstance("X25519");
    a.init(mine);
    a.doPhase(theirs, true);
    byte[] shared = a.generateSecret();
    if (MessageDigest.isEqual(shared, new byte[shared.length])) {
      throw new InvalidKeyException("an all-zero X25519 secret: a small-order key");
    }
    return shared;
  }

  /** The wrap key: HKDF-SHA-256 over the shared secret (wiped), as the class comment says. */
  private static byte[] derive(byte[] shared, byte[] ephemeral, byte[] recipient, byte[] context)
      throws GeneralSecurityException {
    try {
      byte[] salt = new byte[ephemeral.length + recipient.length];
      System.arraycopy(ephemeral, 0, salt, 0, ephemeral.length);
      System.arraycopy(recipient, 0, salt, ephemeral.length, recipient.length);
      byte[] info = new byte[INFO.length + 1 + context.length];
      System.arraycopy(INFO, 0, info, 0, INFO.length);
      System.arraycopy(context, 0, info, INFO.length + 1, context.length);
      return hkdf(shared, salt, info, 32);
    } finally {
      Arrays.fill(shared, (byte) 0);
    }
  }

  /**
   * HKDF-SHA-256 (RFC 5869). Package-private for the known-answer tests.
   *
   * @param ikm the input key material
   * @param salt the salt (empty: 32 zero bytes, as the RFC says)
   * @param info the info
   * @param length the output length, 1..8160
   * @return the output key material
   * @throws GeneralSecurityException if HMAC-SHA-256 is missing
   */
  static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info, int length) throws GeneralSecurityException {
    if (length < 1 || length > 255 * 32) {
      throw new IllegalArgumentException("HKDF-SHA-256 gives 1 to 8160 bytes");
    }
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
    byte[] prk = mac.doFinal(ikm);
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    Arrays.fill(prk, (byte) 0);
    byte[] out = new byte[length];
    byte[] t = new byte[0];
    for (int i = 1, done = 0; done < length; i++) {
      mac.update(t);
      mac.update(info);
      mac.update((byte) i);
      t = mac.doFinal();
      int n = Math.min(t.length, length - done);
      System.arraycopy(t, 0, out, done, n);
      done += n;
    }
    Arrays.fill(t, (byte) 0);
    return out;
  }
}
