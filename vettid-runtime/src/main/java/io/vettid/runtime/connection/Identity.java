package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.profile.IdentityChain;
import io.vettid.profile.SignedProfile;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * An owner's identity: the identity key pair (the key a profile is signed with and that names the
 * owner to peers), the signed profile that presents it, and the chain of the key's rotations (empty
 * until it first rotates). {@link #toString()} names the keyID only.
 *
 * <pre>{@code
 * Identity next = identity.rotate(algorithm.generateKeyPair(random), random);   // profile re-signed, chain longer
 * connections.identityRotated(next);                  // every peer re-pins
 * invitations.identityRotated(next);                  // new invitations name the new key
 * }</pre>
 *
 * @param algorithm the identity key's algorithm
 * @param keys the identity key pair
 * @param profile the owner's signed profile, signed with these keys
 * @param chain the rotations that led to these keys, oldest first (empty if they never rotated)
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record Identity(KeyAlgorithm algorithm, KeyPair keys, SignedProfile profile, IdentityChain chain) {
  /**
   * Validates that the profile names and is signed by these keys, and that the chain ends with them.
   *
   * @param algorithm the record component {@code algorithm}
   * @param keys the record component {@code keys}
   * @param profile the record component {@code profile}
   * @param chain the record component {@code chain}
   */
  public Identity {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(chain, "chain");
    KeyId key = algorithm.keyId(keys.getPublic());
    if (!profile.signer().equals(key)) {
      throw new IllegalArgumentException("the profile is not signed with this identity key");
    }
    if (!chain.isEmpty() && !chain.newest().orElseThrow().equals(key)) {
      throw new IllegalArgumentException("the chain does not end with this identity key");
    }
  }

  /**
   * An identity that never rotated.
   *
   * @param algorithm the identity key's algorithm
   * @param keys the identity key pair
   * @param profile the owner's signed profile, signed with these keys
   */
  public Identity(KeyAlgorithm algorithm, KeyPair keys, SignedProfile profile) {
    this(algorithm, keys, profile, IdentityChain.EMPTY);
  }

  /**
   * Rotates the identity key: the profile is re-signed with the new key (the same fields, issued
   * now) and the chain gains a rotation signed by this key and the new one. Tell the peers with
   * {@link Connections#identityRotated}; this identity's private key is needed afterwards only to
   * confirm invitations that name it ({@link Invitations#identityRotated}).
   *
   * @param next the new key pair, of this identity's algorithm
   * @param random randomness for the signatures
   * @return the new identity
   * @throws GeneralSecurityException if signing fails
   */
  public Identity rotate(KeyPair next, SecureRandom random) throws GeneralSecurityException {
    Objects.requireNonNull(next, "next");
    Objects.requireNonNull(random, "random");
    java.time.Instant now = java.time.Instant.now();
    SignedProfile resigned = SignedProfile.sign(profile.profile().rekeyed(algorithm, next.getPublic(), now), algorithm,
        next.getPrivate(), random);
    return new Identity(algorithm, next, resigned, chain.rotate(algorithm, keys, algorithm, next, now, random));
  }

  /**
   * Re-signs another profile of this owner (of another EventSpace) with this identity's key, as
   * after a rotation.
   *
   * @param other a profile of the same owner
   * @param random randomness for the signature
   * @return the profile presenting this identity's key, signed with it
   * @throws GeneralSecurityException if signing fails
   */
  public SignedProfile resign(io.vettid.profile.Profile other, SecureRandom random) throws GeneralSecurityException {
    Objects.requireNonNull(other, "other");
    Objects.requireNonNull(random, "random");
    return SignedProfile.sign(other.rekeyed(algorithm, keys.getPublic(), java.time.Instant.now()), algorithm,
        keys.getPrivate(), random);
  }

  /** {@return the identity key's keyID} */
  public KeyId keyId() {
    return profile.signer();
  }

  /**
   * Signs with the identity key.
   *
   * @param message the message
   * @param random randomness
   * @return the signature
   * @throws GeneralSecurityException if signing fails
   */
  byte[] sign(byte[] message, SecureRandom random) throws GeneralSecurityException {
    return algorithm.sign(keys.getPrivate(), message, random);
  }

  @Override
  public String toString() {
    return "Identity[" + keyId() + "]";
  }
}
