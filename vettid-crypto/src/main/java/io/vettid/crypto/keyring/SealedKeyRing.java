package io.vettid.crypto.keyring;

import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.ProviderLookupException;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.internal.Aead;
import io.vettid.crypto.internal.Hkdf;
import io.vettid.crypto.internal.Scrypt;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A {@link KeyRing} sealed for storage at rest, under a key-encryption key derived from a
 * passphrase with scrypt (N = 2^17, r = 8, p = 1 by default) or supplied by the host (32 bytes).
 * The whole file is authenticated with AES-256-GCM: any altered, truncated or appended byte, or a
 * wrong passphrase, makes {@code open} fail; nothing is loaded.
 *
 * <pre>{@code
 * byte[] sealed = SealedKeyRing.seal(ring, "identity", passphrase);
 * KeyRing again = SealedKeyRing.open(sealed, "identity", passphrase, algorithms, RotationPolicy.DEFAULT, clock, random);
 * }</pre>
 *
 * <p>Every ring is sealed for a <b>purpose</b> (what it is: {@code "identity"}, {@code
 * "connection/<id>"}), bound into the AEAD: a ring sealed for one purpose does not open as another,
 * even under the same passphrase or host key, so one ring's file cannot be swapped for another's.
 *
 * <p>Layout: {@code "VKR2"}, kdf (1 = scrypt: log2 N, r, p, 16-byte salt; 2 = host key), 12-byte
 * nonce, then AES-256-GCM of the serialized ring with {@code "vettid-keyring-v2" 0x00 || purpose ||
 * 0x00} followed by everything before the nonce's end as AAD (PROTOCOL section 3.5).
 */
public final class SealedKeyRing {
  private static final byte[] MAGIC = {'V', 'K', 'R', '2'};
  private static final byte[] AAD_LABEL = "vettid-keyring-v2\0".getBytes(StandardCharsets.US_ASCII);
  private static final int KDF_SCRYPT = 1;
  private static final int KDF_HOST_KEY = 2;
  /** Default scrypt cost: log2 N. */
  public static final int DEFAULT_LOG_N = Scrypt.DEFAULT_LOG_N;
  /** Lowest accepted scrypt cost: log2 N (OWASP's floor is N = 2^17; tests must not go lower than 2^15). */
  public static final int MIN_LOG_N = Scrypt.MIN_LOG_N;
  private static final byte[] HOST_KEY_INFO = "vettid-keyring-host-kek-v1".getBytes(StandardCharsets.US_ASCII);

  private SealedKeyRing() {}

  /**
   * Seals a ring under a passphrase with the default scrypt cost.
   *
   * @param ring the ring
   * @param purpose what the ring is for (1-128 printable ASCII characters)
   * @param passphrase the passphrase (not kept; clear your copy afterwards)
   * @return the sealed bytes
   * @throws GeneralSecurityException if sealing fails
   */
  public static byte[] seal(KeyRing ring, String purpose, char[] passphrase) throws GeneralSecurityException {
    return seal(ring, purpose, passphrase, DEFAULT_LOG_N);
  }

  /**
   * Seals a ring under a passphrase.
   *
   * @param ring the ring
   * @param purpose what the ring is for (1-128 printable ASCII characters)
   * @param passphrase the passphrase, at least 8 characters
   * @param logN scrypt cost, {@value #MIN_LOG_N}..20
   * @return the sealed bytes
   * @throws GeneralSecurityException if sealing fails
   */
  public static byte[] seal(KeyRing ring, String purpose, char[] passphrase, int logN) throws GeneralSecurityException {
    Objects.requireNonNull(ring, "ring");
    byte[] label = label(purpose);
    Scrypt.checkPassphrase(passphrase);
    Scrypt.checkCost(logN);
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    ByteBuffer header = ByteBuffer.allocate(4 + 1 + 3 + 16).put(MAGIC).put((byte) KDF_SCRYPT)
        .put((byte) logN).put((byte) 8).put((byte) 1).put(salt);
    byte[] kek = Scrypt.derive(passphrase, salt, logN, 8, 1);
    try {
      return sealWith(ring, kek, label, header.array());
    } finally {
      Arrays.fill(kek, (byte) 0);
    }
  }

  /**
   * Seals a ring under a key the host supplies (from an HSM, a KMS or the OS key store).
   *
   * @param ring the ring
   * @param purpose what the ring is for (1-128 printable ASCII characters)
   * @param hostKey 32 bytes
   * @return the sealed bytes
   * @throws GeneralSecurityException if sealing fails
   */
  public static byte[] seal(KeyRing ring, String purpose, byte[] hostKey) throws GeneralSecurityException {
    Objects.requireNonNull(ring, "ring");
    byte[] label = label(purpose);
    byte[] kek = hostKek(hostKey);
    try {
      return sealWith(ring, kek, label, new byte[] {MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], KDF_HOST_KEY});
    } finally {
      Arrays.fill(kek, (byte) 0);
    }
  }

  /**
   * Opens a ring sealed under a passphrase.
   *
   * @param sealed the bytes
   * @param purpose the purpose it was sealed for
   * @param passphrase the passphrase
   * @param algorithms where to find the ring's algorithm by name
   * @param policy the rotation policy to run the ring with
   * @param clock the clock
   * @param random the randomness source
   * @return the ring
   * @throws GeneralSecurityException if the passphrase is wrong, any byte was altered, or the
   *     content is inconsistent (a keyID that does not match its key, not exactly one primary)
   */
  public static KeyRing open(byte[] sealed, String purpose, char[] passphrase, Providers<KeyAlgorithm> algorithms,
      RotationPolicy policy, Clock clock, SecureRandom random) throws GeneralSecurityException {
    Objects.requireNonNull(sealed, "sealed");
    byte[] label = label(purpose);
    Scrypt.checkPassphrase(passphrase);
    if (sealed.length < 24 + Aead.NONCE_BYTES || sealed[4] != KDF_SCRYPT || !startsWithMagic(sealed)) {
      throw refused();
    }
    int logN = sealed[5] & 0xff;
    int r = sealed[6] & 0xff;
    int p = sealed[7] & 0xff;
    if (logN < MIN_LOG_N || logN > 20 || r != 8 || p != 1) {
      throw refused();
    }
    byte[] kek = Scrypt.derive(passphrase, Arrays.copyOfRange(sealed, 8, 24), logN, r, p);
    try {
      return openWith(sealed, 24, kek, label, algorithms, policy, clock, random);
    } finally {
      Arrays.fill(kek, (byte) 0);
    }
  }

  /**
   * Opens a ring sealed under a host key.
   *
   * @param sealed the bytes
   * @param purpose the purpose it was sealed for
   * @param hostKey the 32-byte host key
   * @param algorithms where to find the ring's algorithm by name
   * @param policy the rotation policy to run the ring with
   * @param clock the clock
   * @param random the randomness source
   * @return the ring
   * @throws GeneralSecurityException if the key is wrong, any byte was altered, or the content is
   *     inconsistent
   */
  public static KeyRing open(byte[] sealed, String purpose, byte[] hostKey, Providers<KeyAlgorithm> algorithms,
      RotationPolicy policy, Clock clock, SecureRandom random) throws GeneralSecurityException {
    Objects.requireNonNull(sealed, "sealed");
    byte[] label = label(purpose);
    if (sealed.length < 5 + Aead.NONCE_BYTES || sealed[4] != KDF_HOST_KEY || !startsWithMagic(sealed)) {
      throw refused();
    }
    byte[] kek = hostKek(hostKey);
    try {
      return openWith(sealed, 5, kek, label, algorithms, policy, clock, random);
    } finally {
      Arrays.fill(kek, (byte) 0);
    }
  }

  /**
   * Seals a ring sealed under one host key again under another, for the same purpose, without
   * decoding its keys (for a re-key of whatever the host key is derived from).
   *
   * @param sealed the bytes {@link #seal(KeyRing, String, byte[])} wrote
   * @param purpose the purpose it was sealed for
   * @param oldHostKey the 32-byte host key it is sealed under
   * @param newHostKey the 32-byte host key to seal it under
   * @return the ring sealed under {@code newHostKey} (a fresh nonce)
   * @throws GeneralSecurityException if it does not open under {@code oldHostKey} for that purpose
   */
  public static byte[] reseal(byte[] sealed, String purpose, byte[] oldHostKey, byte[] newHostKey)
      throws GeneralSecurityException {
    Objects.requireNonNull(sealed, "sealed");
    byte[] label = label(purpose);
    if (sealed.length < 5 + Aead.NONCE_BYTES || sealed[4] != KDF_HOST_KEY || !startsWithMagic(sealed)) {
      throw refused();
    }
    byte[] oldKek = hostKek(oldHostKey);
    byte[] newKek = hostKek(newHostKey);
    byte[] payload = null;
    try {
      int aadEnd = 5 + Aead.NONCE_BYTES;
      try {
        payload = Aead.open(oldKek, Arrays.copyOfRange(sealed, 5, aadEnd), concat(label, Arrays.copyOf(sealed, aadEnd)),
            Arrays.copyOfRange(sealed, aadEnd, sealed.length));
      } catch (GeneralSecurityException e) {
        throw refused();
      }
      return sealPayload(payload, newKek, label, Arrays.copyOf(sealed, 5));
    } finally {
      Arrays.fill(oldKek, (byte) 0);
      Arrays.fill(newKek, (byte) 0);
      if (payload != null) {
        Arrays.fill(payload, (byte) 0);
      }
    }
  }

  private static byte[] sealWith(KeyRing ring, byte[] kek, byte[] label, byte[] header) throws GeneralSecurityException {
    byte[] payload = serialize(ring);
    try {
      return sealPayload(payload, kek, label, header);
    } finally {
      Arrays.fill(payload, (byte) 0);
    }
  }

  private static byte[] sealPayload(byte[] payload, byte[] kek, byte[] label, byte[] header)
      throws GeneralSecurityException {
    byte[] nonce = new byte[Aead.NONCE_BYTES];
    new SecureRandom().nextBytes(nonce);
    byte[] stored = concat(header, nonce);
    return concat(stored, Aead.seal(kek, nonce, concat(label, stored), payload));
  }

  private static KeyRing openWith(byte[] sealed, int headerLength, byte[] kek, byte[] label,
      Providers<KeyAlgorithm> algorithms, RotationPolicy policy, Clock clock, SecureRandom random)
      throws GeneralSecurityException {
    Objects.requireNonNull(algorithms, "algorithms");
    int aadEnd = headerLength + Aead.NONCE_BYTES;
    byte[] nonce = Arrays.copyOfRange(sealed, headerLength, aadEnd);
    byte[] payload;
    try {
      payload = Aead.open(kek, nonce, concat(label, Arrays.copyOf(sealed, aadEnd)),
          Arrays.copyOfRange(sealed, aadEnd, sealed.length));
    } catch (GeneralSecurityException e) {
      throw refused();
    }
    try {
      return deserialize(payload, algorithms, policy, clock, random);
    } finally {
      Arrays.fill(payload, (byte) 0);
    }
  }

  private static byte[] serialize(KeyRing ring) throws GeneralSecurityException {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeUTF(ring.algorithm().name());
      out.writeInt(ring.nextVersion());
      List<KeyRing.Slot> slots = ring.slots();
      out.writeInt(slots.size());
      for (KeyRing.Slot s : slots) {
        out.writeInt(s.version);
        out.writeByte(s.state.ordinal());
        out.writeLong(s.created.toEpochMilli());
        out.writeLong(s.graceUntil == null ? -1 : s.graceUntil.toEpochMilli());
        out.writeLong(s.uses);
        writeBytes(out, s.pair.getPublic().getEncoded());
        writePrivate(out, s.pair.getPrivate());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot serialize the key ring", e);
    }
  }

  private static KeyRing deserialize(byte[] payload, Providers<KeyAlgorithm> algorithms, RotationPolicy policy,
      Clock clock, SecureRandom random) throws GeneralSecurityException {
    try {
      DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
      String name = in.readUTF();
      KeyAlgorithm algorithm;
      try {
        algorithm = algorithms.get(name);
      } catch (ProviderLookupException e) {
        throw new GeneralSecurityException("the sealed key ring uses " + name + ", which is not available: " + e.getMessage());
      }
      int nextVersion = in.readInt();
      int count = in.readInt();
      if (count < 1 || count > 10_000) {
        throw new GeneralSecurityException("sealed key ring holds " + count + " keys");
      }
      List<KeyRing.Slot> slots = new ArrayList<>();
      int primaries = 0;
      int lastVersion = 0;
      for (int i = 0; i < count; i++) {
        int version = in.readInt();
        int state = in.readUnsignedByte();
        Instant created = Instant.ofEpochMilli(in.readLong());
        long grace = in.readLong();
        long uses = in.readLong();
        PublicKey pub = algorithm.decodePublicKey(readBytes(in));
        byte[] privBytes = readBytes(in);
        PrivateKey priv = algorithm.decodePrivateKey(privBytes);
        Arrays.fill(privBytes, (byte) 0);
        if (state > 1 || version <= lastVersion || version >= nextVersion || uses < 0) {
          throw new GeneralSecurityException("sealed key ring entry " + i + " is inconsistent");
        }
        KeyRing.State st = KeyRing.State.values()[state];
        if (st == KeyRing.State.PRIMARY) {
          primaries++;
        }
        lastVersion = version;
        KeyId id = algorithm.keyId(pub);
        slots.add(new KeyRing.Slot(version, new KeyPair(pub, priv), id, created, st,
            grace < 0 ? null : Instant.ofEpochMilli(grace), uses));
      }
      if (primaries != 1 || in.available() != 0) {
        throw new GeneralSecurityException("sealed key ring must hold exactly one primary and nothing else");
      }
      return new KeyRing(algorithm, policy, clock, random, slots, nextVersion);
    } catch (IOException e) {
      throw new GeneralSecurityException("sealed key ring content is truncated");
    }
  }

  /**
   * Writes a private key's encoding and wipes the copy, unless the key hands out its own array
   * rather than a copy (Bouncy Castle's decoded ML-KEM keys do): wiping that would break the key.
   */
  private static void writePrivate(DataOutputStream out, PrivateKey key) throws IOException {
    byte[] encoded = key.getEncoded();
    writeBytes(out, encoded);
    byte[] again = key.getEncoded();
    if (again != encoded) {
      Arrays.fill(encoded, (byte) 0);
      Arrays.fill(again, (byte) 0);
    }
  }

  private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 1 || n > 1 << 20) {
      throw new IOException("bad length");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  private static byte[] hostKek(byte[] hostKey) throws GeneralSecurityException {
    Objects.requireNonNull(hostKey, "hostKey");
    if (hostKey.length != 32) {
      throw new IllegalArgumentException("the host key must be 32 bytes, got " + hostKey.length);
    }
    return Hkdf.sha256(hostKey, new byte[0], HOST_KEY_INFO, Aead.KEY_BYTES);
  }

  /** The AAD's prefix: the format's label and the purpose, each ended by a zero byte. */
  private static byte[] label(String purpose) {
    Objects.requireNonNull(purpose, "purpose");
    if (!purpose.matches("[!-~]{1,128}")) {
      throw new IllegalArgumentException("a key ring's purpose is 1-128 printable ASCII characters");
    }
    return concat(AAD_LABEL, (purpose + "\0").getBytes(StandardCharsets.US_ASCII));
  }

  private static boolean startsWithMagic(byte[] sealed) {
    return sealed[0] == MAGIC[0] && sealed[1] == MAGIC[1] && sealed[2] == MAGIC[2] && sealed[3] == MAGIC[3];
  }

  private static GeneralSecurityException refused() {
    return new GeneralSecurityException(
        "the sealed key ring does not open: wrong passphrase or key, or its bytes were altered");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

}
