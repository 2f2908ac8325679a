package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import io.vettid.crypto.pool.KeySource;
import java.security.SecureRandom;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * One side's key pairs for one connection: a signing pair (the side signs what it sends) and a
 * wrapping pair (the peer seals to it), both of the connection's suite and unique to this
 * connection. {@link #toString()} names keyIDs only.
 *
 * @param suite the suite
 * @param signing the signing key
 * @param signingPublic its public half, for the peer
 * @param wrapping the wrapping key
 * @param wrappingPublic its public half, for the peer
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record ConnectionKeys(Suite suite, PrivateKeyEntry signing, PublicKeyEntry signingPublic,
    PrivateKeyEntry wrapping, PublicKeyEntry wrappingPublic) {
  /**
   * Validates.
   *
   * @param suite the suite
   * @param signing the signing key
   * @param signingPublic its public half
   * @param wrapping the wrapping key
   * @param wrappingPublic its public half
   */
  public ConnectionKeys {
    Objects.requireNonNull(suite, "suite");
    Objects.requireNonNull(signing, "signing");
    Objects.requireNonNull(signingPublic, "signingPublic");
    Objects.requireNonNull(wrapping, "wrapping");
    Objects.requireNonNull(wrappingPublic, "wrappingPublic");
    if (!signing.keyId().equals(signingPublic.keyId()) || !wrapping.keyId().equals(wrappingPublic.keyId())) {
      throw new IllegalArgumentException("private and public halves do not belong together");
    }
  }

  /**
   * Generates both pairs (RSA-4096 takes a second or more per pair; take them from {@link
   * io.vettid.crypto.pool.KeyPools} with {@link #generate(Suite, SecureRandom, KeySource)} where
   * someone waits).
   *
   * @param suite the suite
   * @param random the randomness
   * @return the keys
   * @throws GeneralSecurityException if generation fails
   */
  public static ConnectionKeys generate(Suite suite, SecureRandom random) throws GeneralSecurityException {
    return generate(suite, random, KeySource.generating());
  }

  /**
   * Both pairs from a key source (a warm pool, or generated now).
   *
   * @param suite the suite
   * @param random the randomness, for pairs generated on this thread
   * @param keys where the pairs come from
   * @return the keys
   * @throws GeneralSecurityException if a pair cannot be had
   */
  public static ConnectionKeys generate(Suite suite, SecureRandom random, KeySource keys)
      throws GeneralSecurityException {
    Objects.requireNonNull(suite, "suite");
    Objects.requireNonNull(keys, "keys");
    return of(suite, keys.keyPair(suite.signature(), random), keys.keyPair(suite.wrap(), random));
  }

  /**
   * Wraps existing pairs (for example from a key pool).
   *
   * @param suite the suite
   * @param signing a pair of the suite's signature algorithm
   * @param wrapping a pair of the suite's wrap algorithm
   * @return the keys
   */
  public static ConnectionKeys of(Suite suite, KeyPair signing, KeyPair wrapping) {
    PublicKeyEntry sp = PublicKeyEntry.of(suite.signature(), signing.getPublic());
    PublicKeyEntry wp = PublicKeyEntry.of(suite.wrap(), wrapping.getPublic());
    return new ConnectionKeys(suite, new PrivateKeyEntry(sp.keyId(), suite.signature(), signing.getPrivate()), sp,
        new PrivateKeyEntry(wp.keyId(), suite.wrap(), wrapping.getPrivate()), wp);
  }

  /** The keys as JSON (private halves PKCS#8, public X.509, base64): for a sealed record only. */
  com.fasterxml.jackson.databind.node.ObjectNode toJson() {
    java.util.Base64.Encoder b = java.util.Base64.getEncoder();
    return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("suite", suite.name())
        .put("signingPrivate", b.encodeToString(signing.key().getEncoded()))
        .put("signingPublic", b.encodeToString(signingPublic.key().getEncoded()))
        .put("wrappingPrivate", b.encodeToString(wrapping.key().getEncoded()))
        .put("wrappingPublic", b.encodeToString(wrappingPublic.key().getEncoded()));
  }

  /** Reads what {@link #toJson()} wrote. */
  static ConnectionKeys fromJson(com.fasterxml.jackson.databind.JsonNode n) throws GeneralSecurityException {
    Suite suite = io.vettid.crypto.Suites.byName(n.path("suite").asText())
        .orElseThrow(() -> new GeneralSecurityException("unknown suite in a sealed record"));
    java.util.Base64.Decoder d = java.util.Base64.getDecoder();
    return of(suite,
        new KeyPair(suite.signature().decodePublicKey(d.decode(n.path("signingPublic").asText())),
            suite.signature().decodePrivateKey(d.decode(n.path("signingPrivate").asText()))),
        new KeyPair(suite.wrap().decodePublicKey(d.decode(n.path("wrappingPublic").asText())),
            suite.wrap().decodePrivateKey(d.decode(n.path("wrappingPrivate").asText()))));
  }

  @Override
  public String toString() {
    return "ConnectionKeys[" + suite.name() + ", signing=" + signing.keyId() + ", wrapping=" + wrapping.keyId() + "]";
  }
}
