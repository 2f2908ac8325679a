package io.vettid.crypto.internal;

import java.security.Provider;
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
}
