package io.vettid.crypto.internal;

import java.io.IOException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.Provider;
import java.util.Objects;
import java.util.function.Predicate;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The one Bouncy Castle provider instance VettID uses. It is passed explicitly to {@code
 * getInstance} calls and never installed into {@link java.security.Security}, so VettID does not
 * change the host application's provider list.
 */
public final class Bc {
  /** The provider. */
  public static final Provider PROVIDER = new BouncyCastleProvider();

  private Bc() {}

  /**
   * Converts a JCA key to Bouncy Castle's low-level parameters, refusing anything that is not of
   * the expected type and parameter set.
   *
   * @param key a public or private key
   * @param type the expected low-level type
   * @param rightParameters whether the parameter set is the expected one
   * @param description what the key must be, for the error (such as "ML-DSA-65 public key")
   * @param <T> the low-level type
   * @return the parameters
   * @throws InvalidKeyException if the key is not what is expected
   */
  public static <T extends AsymmetricKeyParameter> T lowLevel(
      Key key, Class<T> type, Predicate<T> rightParameters, String description) throws InvalidKeyException {
    Objects.requireNonNull(key, "key");
    AsymmetricKeyParameter p;
    try {
      p = key instanceof PrivateKey ? PrivateKeyFactory.createKey(key.getEncoded())
          : PublicKeyFactory.createKey(key.getEncoded());
    } catch (IOException | RuntimeException e) {
      throw new InvalidKeyException("not an " + description);
    }
    if (!type.isInstance(p) || !rightParameters.test(type.cast(p))) {
      throw new InvalidKeyException("not an " + description);
    }
    return type.cast(p);
  }
}
