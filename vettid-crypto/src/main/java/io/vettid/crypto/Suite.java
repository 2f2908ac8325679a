package io.vettid.crypto;

import io.vettid.api.spi.KeyAlgorithm;
import java.util.Objects;

/**
 * A named, versioned pairing of a key-wrap algorithm and a signature algorithm, as Tink's key
 * templates: users pick a suite, never raw parameters. Its one-byte id is written into every
 * envelope. See {@link Suites} for the list.
 */
public final class Suite {
  private final int id;
  private final String name;
  private final KeyAlgorithm wrap;
  private final KeyAlgorithm signature;

  Suite(int id, String name, KeyAlgorithm wrap, KeyAlgorithm signature) {
    if (id < 1 || id > 255) {
      throw new IllegalArgumentException("suite id must be 1..255");
    }
    if (!wrap.capabilities().contains(KeyAlgorithm.Capability.KEY_WRAP)) {
      throw new IllegalArgumentException(wrap.name() + " cannot wrap keys");
    }
    if (!signature.capabilities().contains(KeyAlgorithm.Capability.SIGNATURE)) {
      throw new IllegalArgumentException(signature.name() + " cannot sign");
    }
    this.id = id;
    this.name = Objects.requireNonNull(name, "name");
    this.wrap = wrap;
    this.signature = signature;
  }

  /** {@return the id written into envelopes (1..255)} */
  public int id() {
    return id;
  }

  /** {@return the name, such as {@code VETTID-RSA4096-V1}} */
  public String name() {
    return name;
  }

  /** {@return the algorithm that wraps session keys to the recipient} */
  public KeyAlgorithm wrap() {
    return wrap;
  }

  /** {@return the algorithm that signs the session key's wrap} */
  public KeyAlgorithm signature() {
    return signature;
  }

  @Override
  public String toString() {
    return name + "(wrap=" + wrap.name() + ", signature=" + signature.name() + ")";
  }
}
