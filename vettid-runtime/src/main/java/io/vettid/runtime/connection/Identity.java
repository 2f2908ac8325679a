package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.profile.SignedProfile;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * An owner's identity: the identity key pair (the key a profile is signed with and that names the
 * owner to peers) and the signed profile that presents it. {@link #toString()} names the keyID
 * only.
 *
 * @param algorithm the identity key's algorithm
 * @param keys the identity key pair
 * @param profile the owner's signed profile, signed with these keys
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record Identity(KeyAlgorithm algorithm, KeyPair keys, SignedProfile profile) {
  /**
   * Validates that the profile names and is signed by these keys.
   *
   * @param algorithm the record component {@code algorithm}
   * @param keys the record component {@code keys}
   * @param profile the record component {@code profile}
   */
  public Identity {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(profile, "profile");
    if (!profile.signer().equals(algorithm.keyId(keys.getPublic()))) {
      throw new IllegalArgumentException("the profile is not signed with this identity key");
    }
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
