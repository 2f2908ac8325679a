package io.vettid.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link KeyAlgorithm} owes VettID, as an abstract JUnit 5 test a plugin author
 * extends:
 * <ul>
 *   <li>a name, a keyID tag of the allowed form and at least one capability;
 *   <li>keys that decode from their own encodings to the same keyID, and a keyID that names one
 *       key (two generated pairs differ);
 *   <li>refusals: bytes that are not a key of this algorithm (random, truncated, mutated, another
 *       algorithm's key, a private key where a public one is expected) fail with a {@link
 *       GeneralSecurityException}, never another exception;
 *   <li>with {@code KEY_WRAP}: wraps open to the same key, only under their context and with their
 *       key pair; a mutated or truncated wrap never opens;
 *   <li>with {@code SIGNATURE}: signatures verify for their message and key only; a mutated,
 *       truncated or extended (bytes appended)
 *       signature never verifies (false, or a {@code GeneralSecurityException});
 *   <li>an operation it lacks fails with a {@code GeneralSecurityException};
 *   <li>several threads at once get the same results as one;
 *   <li>known-answer vectors, when the author gives them ({@link #signatureVectors()}, as
 *       Wycheproof's): each verifies exactly as it says.
 * </ul>
 *
 * <pre>{@code
 * class MyAlgorithmContractTest extends KeyAlgorithmContract {
 *   @Override
 *   protected KeyAlgorithm algorithm() {
 *     return new MyAlgorithm();
 *   }
 * }
 * }</pre>
 *
 * <p>Key pairs are generated once per test class (two of them), so slow key generation (RSA-4096)
 * costs a few seconds, not one per check.
 */
public abstract class KeyAlgorithmContract {
  /** Mutations tried per refusal check. */
  private static final int MUTATIONS = 64;
  /** Pairs per test class and algorithm implementation: generated once, RSA-4096 is slow. */
  private static final Map<String, KeyPair[]> PAIRS = new ConcurrentHashMap<>();

  /** Creates the contract. */
  protected KeyAlgorithmContract() {}

  /**
   * The algorithm under test.
   *
   * @return the algorithm
   */
  protected abstract KeyAlgorithm algorithm();

  /**
   * Known-answer signature vectors (Wycheproof style), checked when the algorithm signs; none by
   * default.
   *
   * @return the vectors
   * @throws Exception if they cannot be read (the check fails)
   */
  protected List<SignatureVector> signatureVectors() throws Exception {
    return List.of();
  }

  /**
   * A signature known answer: under {@code publicKey} (X.509 SubjectPublicKeyInfo), {@code
   * signature} over {@code message} is {@code valid} or not.
   *
   * @param comment what the vector checks (shown when it fails)
   * @param publicKey the key's encoding
   * @param message the message
   * @param signature the signature
   * @param valid whether it must verify
   */
  public record SignatureVector(String comment, byte[] publicKey, byte[] message, byte[] signature, boolean valid) {
    /**
     * The vectors of a Wycheproof signature test file ({@code testGroups} with {@code
     * publicKeyDer}, tests with {@code msg}, {@code sig} and a {@code result}); tests whose result
     * is {@code acceptable} (either answer is right), and tests with a non-empty signature context
     * ({@code ctx}, which {@link KeyAlgorithm#sign} has no way to take), are left out.
     *
     * @param file the JSON file, such as {@code rsa_pss_4096_sha256_mgf1_32_test.json}
     * @return its vectors
     * @throws java.io.IOException if the file cannot be read or is not of that form
     */
    public static List<SignatureVector> wycheproof(java.nio.file.Path file) throws java.io.IOException {
      com.fasterxml.jackson.databind.JsonNode root = new com.fasterxml.jackson.databind.ObjectMapper()
          .readTree(java.nio.file.Files.readAllBytes(file));
      if (!root.path("testGroups").isArray()) {
        throw new java.io.IOException(file + " is not a Wycheproof test file (no testGroups)");
      }
      HexFormat hex = HexFormat.of();
      List<SignatureVector> out = new ArrayList<>();
      try {
        for (com.fasterxml.jackson.databind.JsonNode g : root.path("testGroups")) {
          byte[] key = hex.parseHex(g.path("publicKeyDer").asText());
          for (com.fasterxml.jackson.databind.JsonNode t : g.path("tests")) {
            String result = t.path("result").asText();
            if (!result.equals("acceptable") && t.path("ctx").asText("").isEmpty()) {
              out.add(new SignatureVector(file.getFileName() + " tcId " + t.path("tcId").asInt() + " ("
                  + t.path("comment").asText() + ")", key, hex.parseHex(t.path("msg").asText()),
                  hex.parseHex(t.path("sig").asText()), result.equals("valid")));
            }
          }
        }
      } catch (IllegalArgumentException e) {
        throw new java.io.IOException(file + " holds a value that is not hex: " + e.getMessage(), e);
      }
      if (out.isEmpty()) {
        throw new java.io.IOException(file + " holds no test");
      }
      return out;
    }
  }

  private KeyPair[] pairs() {
    KeyAlgorithm algorithm = algorithm();
    String key = getClass().getName() + "/" + algorithm.getClass().getName() + "/" + algorithm.name();
    return PAIRS.computeIfAbsent(key, c -> {
      try {
        SecureRandom r = new SecureRandom();
        return new KeyPair[] {algorithm.generateKeyPair(r), algorithm.generateKeyPair(r)};
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(algorithm.name() + " cannot generate a key pair", e);
      }
    });
  }

  private boolean can(KeyAlgorithm.Capability c) {
    return algorithm().capabilities().contains(c);
  }

  @Test
  void itHasANameATagAndCapabilities() {
    KeyAlgorithm a = algorithm();
    assertNotNull(a.name(), "name()");
    assertFalse(a.name().isBlank(), "name() is blank");
    assertEquals(a.name(), algorithm().name(), "name() is stable");
    assertTrue(a.keyIdTag().matches("[a-z][a-z0-9]{0,15}"),
        "keyIdTag() must be 1-16 lowercase letters and digits, letter first: " + a.keyIdTag());
    assertFalse(a.capabilities().isEmpty(), "capabilities() is empty");
  }

  @Test
  void keysDecodeFromTheirEncodingsToTheSameKeyId() throws Exception {
    KeyAlgorithm a = algorithm();
    KeyPair[] p = pairs();
    for (KeyPair pair : p) {
      KeyId id = a.keyId(pair.getPublic());
      assertTrue(id.value().startsWith(a.keyIdTag() + "-"), "a keyID starts with the tag: " + id);
      assertEquals(id, a.keyId(a.decodePublicKey(pair.getPublic().getEncoded())), "keyID after decoding");
      assertArrayEquals(pair.getPublic().getEncoded(), a.decodePublicKey(pair.getPublic().getEncoded()).getEncoded(),
          "public key encoding round trip");
      assertArrayEquals(pair.getPrivate().getEncoded(),
          a.decodePrivateKey(pair.getPrivate().getEncoded()).getEncoded(), "private key encoding round trip");
    }
    assertNotEquals(a.keyId(p[0].getPublic()), a.keyId(p[1].getPublic()), "two generated pairs have one keyID");
  }

  @Test
  void bytesThatAreNotAKeyOfThisAlgorithmAreRefused() throws Exception {
    KeyAlgorithm a = algorithm();
    KeyPair pair = pairs()[0];
    Random random = new Random();
    List<byte[]> notPublic = new ArrayList<>();
    notPublic.add(new byte[0]);
    notPublic.add(pair.getPrivate().getEncoded());
    notPublic.add(foreignKey().getPublic().getEncoded());
    List<byte[]> notPrivate = new ArrayList<>();
    notPrivate.add(new byte[0]);
    notPrivate.add(pair.getPublic().getEncoded());
    notPrivate.add(foreignKey().getPrivate().getEncoded());
    for (int i = 0; i < MUTATIONS; i++) {
      byte[] junk = new byte[random.nextInt(600)];
      random.nextBytes(junk);
      notPublic.add(junk);
      notPrivate.add(junk);
      byte[] pub = pair.getPublic().getEncoded();
      notPublic.add(Arrays.copyOf(pub, random.nextInt(pub.length)));
    }
    for (byte[] b : notPublic) {
      refused(() -> a.decodePublicKey(b), "decodePublicKey of " + abbreviate(b));
    }
    for (byte[] b : notPrivate) {
      refused(() -> a.decodePrivateKey(b), "decodePrivateKey of " + abbreviate(b));
    }
    // a mutated encoding is refused, or decodes to a key; one with this key's keyID is this key
    byte[] pub = pair.getPublic().getEncoded();
    KeyId id = a.keyId(pair.getPublic());
    for (int i = 0; i < MUTATIONS; i++) {
      byte[] m = pub.clone();
      m[random.nextInt(m.length)] ^= (byte) (1 + random.nextInt(255));
      try {
        java.security.PublicKey decoded = a.decodePublicKey(m);
        if (a.keyId(decoded).equals(id)) {
          assertArrayEquals(pub, decoded.getEncoded(), "a mutated encoding decoded to another key under this keyID");
        }
      } catch (GeneralSecurityException expected) {
        // refused
      } catch (RuntimeException e) {
        fail("decodePublicKey of a mutated key threw " + e + "; only GeneralSecurityException may escape", e);
      }
    }
  }

  @Test
  void wrapsOpenOnlyWithTheirKeyAndContext() throws Exception {
    KeyAlgorithm a = algorithm();
    KeyPair[] p = pairs();
    SecureRandom random = new SecureRandom();
    byte[] context = "vettid-contract".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    if (!can(KeyAlgorithm.Capability.KEY_WRAP)) {
      assertThrows(GeneralSecurityException.class, () -> a.wrapKey(p[0].getPublic(), new byte[32], context, random),
          "wrapKey of an algorithm without KEY_WRAP");
      assertThrows(GeneralSecurityException.class, () -> a.unwrapKey(p[0].getPrivate(), new byte[32], context),
          "unwrapKey of an algorithm without KEY_WRAP");
      return;
    }
    for (int size : new int[] {16, 32, 64}) {
      byte[] key = new byte[size];
      random.nextBytes(key);
      byte[] wrapped = a.wrapKey(p[0].getPublic(), key, context, random);
      assertArrayEquals(key, a.unwrapKey(p[0].getPrivate(), wrapped, context), "a " + size + "-byte key unwraps");
      assertFalse(Arrays.equals(wrapped, a.wrapKey(p[0].getPublic(), key, context, random)),
          "two wraps of one key are equal: the wrap is not randomized");
      refused(() -> a.unwrapKey(p[0].getPrivate(), wrapped, "another context".getBytes(
          java.nio.charset.StandardCharsets.US_ASCII)), "unwrap under another context");
      refused(() -> a.unwrapKey(p[1].getPrivate(), wrapped, context), "unwrap with another key pair");
      byte[] empty = a.wrapKey(p[0].getPublic(), key, new byte[0], random);
      assertArrayEquals(key, a.unwrapKey(p[0].getPrivate(), empty, new byte[0]), "an empty context");
    }
    byte[] key = new byte[32];
    random.nextBytes(key);
    byte[] wrapped = a.wrapKey(p[0].getPublic(), key, context, random);
    Random r = new Random();
    for (int i = 0; i < MUTATIONS; i++) {
      byte[] m = wrapped.clone();
      m[r.nextInt(m.length)] ^= (byte) (1 + r.nextInt(255));
      refused(() -> a.unwrapKey(p[0].getPrivate(), m, context), "unwrap of a mutated wrap");
      byte[] cut = Arrays.copyOf(wrapped, r.nextInt(wrapped.length));
      refused(() -> a.unwrapKey(p[0].getPrivate(), cut, context), "unwrap of a truncated wrap");
    }
  }

  @Test
  void signaturesVerifyForTheirMessageAndKeyOnly() throws Exception {
    KeyAlgorithm a = algorithm();
    KeyPair[] p = pairs();
    SecureRandom random = new SecureRandom();
    byte[] message = "an event of the contract".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (!can(KeyAlgorithm.Capability.SIGNATURE)) {
      assertThrows(GeneralSecurityException.class, () -> a.sign(p[0].getPrivate(), message, random),
          "sign of an algorithm without SIGNATURE");
      assertThrows(GeneralSecurityException.class, () -> a.verify(p[0].getPublic(), message, new byte[64]),
          "verify of an algorithm without SIGNATURE");
      return;
    }
    byte[] signature = a.sign(p[0].getPrivate(), message, random);
    assertTrue(a.verify(p[0].getPublic(), message, signature), "a signature verifies");
    assertTrue(a.verify(p[0].getPublic(), new byte[0], a.sign(p[0].getPrivate(), new byte[0], random)),
        "a signature of an empty message verifies");
    assertFalse(a.verify(p[1].getPublic(), message, signature), "a signature verifies under another key");
    byte[] other = message.clone();
    other[0] ^= 1;
    assertFalse(a.verify(p[0].getPublic(), other, signature), "a signature verifies for another message");
    Random r = new Random();
    for (int i = 0; i < MUTATIONS; i++) {
      byte[] m = signature.clone();
      m[r.nextInt(m.length)] ^= (byte) (1 + r.nextInt(255));
      neverVerifies(a, p[0], message, m, "a mutated signature");
      neverVerifies(a, p[0], message, Arrays.copyOf(signature, r.nextInt(signature.length)), "a truncated signature");
    }
    // a valid signature with bytes after it: the JDK's Ed25519, for one, reads the first 64 bytes
    // and ignores the rest, which would make every signature malleable
    for (int extra : new int[] {1, 2, 64}) {
      byte[] longer = Arrays.copyOf(signature, signature.length + extra);
      neverVerifies(a, p[0], message, longer, "a signature with " + extra + " byte(s) appended");
    }
  }

  @Test
  void givenVectorsVerifyExactlyAsTheySay() throws Exception {
    List<SignatureVector> vectors = signatureVectors();
    if (vectors.isEmpty()) {
      return; // none given: nothing to check
    }
    KeyAlgorithm a = algorithm();
    assertTrue(can(KeyAlgorithm.Capability.SIGNATURE), "signature vectors for an algorithm that does not sign");
    for (SignatureVector v : vectors) {
      boolean verified;
      try {
        verified = a.verify(a.decodePublicKey(v.publicKey()), v.message(), v.signature());
      } catch (GeneralSecurityException e) {
        verified = false;
      } catch (RuntimeException e) {
        throw new AssertionError("vector '" + v.comment() + "' threw " + e, e);
      }
      assertEquals(v.valid(), verified, "vector '" + v.comment() + "'");
    }
  }

  @Test
  void severalThreadsAtOnceGetTheSameResultsAsOne() throws Exception {
    KeyAlgorithm a = algorithm();
    KeyPair pair = pairs()[0];
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> runs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        runs.add(pool.submit(() -> {
          SecureRandom random = new SecureRandom();
          byte[] data = new byte[32];
          random.nextBytes(data);
          if (can(KeyAlgorithm.Capability.KEY_WRAP)) {
            byte[] w = a.wrapKey(pair.getPublic(), data, data, random);
            if (!Arrays.equals(data, a.unwrapKey(pair.getPrivate(), w, data))) {
              return false;
            }
          }
          if (can(KeyAlgorithm.Capability.SIGNATURE)) {
            return a.verify(pair.getPublic(), data, a.sign(pair.getPrivate(), data, random));
          }
          return a.keyId(a.decodePublicKey(pair.getPublic().getEncoded())).equals(a.keyId(pair.getPublic()));
        }));
      }
      for (Future<Boolean> f : runs) {
        assertTrue(f.get(2, TimeUnit.MINUTES), "a round trip failed on one of several threads");
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A key pair of another algorithm, whose encodings this one must refuse (EC P-256; an EC
   * algorithm under test overrides this).
   *
   * @return the pair
   * @throws GeneralSecurityException if it cannot be generated
   */
  protected KeyPair foreignKey() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private interface Call {
    Object call() throws Exception;
  }

  private static void refused(Call c, String what) {
    try {
      Object result = c.call();
      fail(what + " was taken (" + result + "); it must fail with a GeneralSecurityException");
    } catch (GeneralSecurityException expected) {
      // refused
    } catch (Exception e) {
      fail(what + " threw " + e + "; only GeneralSecurityException may escape", e);
    }
  }

  private static void neverVerifies(KeyAlgorithm a, KeyPair pair, byte[] message, byte[] signature, String what) {
    try {
      assertFalse(a.verify(pair.getPublic(), message, signature), what + " verifies");
    } catch (GeneralSecurityException refused) {
      // refused
    } catch (RuntimeException e) {
      fail(what + ": verify threw " + e + "; only GeneralSecurityException may escape", e);
    }
  }

  private static String abbreviate(byte[] b) {
    String hex = HexFormat.of().formatHex(b, 0, Math.min(b.length, 16));
    return b.length + " bytes (" + hex + (b.length > 16 ? "...)" : ")");
  }
}
