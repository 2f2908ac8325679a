package com.example.vettid.x25519;

import io.vettid.api.spi.SuiteDefinition;

/**
 * A third party's connection suite: this sample's {@link X25519Kem} wraps session keys, the
 * custom-key-algorithm sample's Ed25519 ({@code EXAMPLE-Ed25519}) signs. Id {@value #ID} (plugins
 * take 128 to 254), name {@value #NAME}. A vault that trusts both plugins knows the suite; {@code
 * vettid init --suite EXAMPLE-X25519-ED25519-V1} makes it the vault's, and its identity key an
 * Ed25519 key.
 */
public final class X25519Ed25519Suite implements SuiteDefinition {
  /** The suite's id, written into every envelope. */
  public static final int ID = 200;

  /** The suite's name, written into handshakes. */
  public static final String NAME = "EXAMPLE-X25519-ED25519-V1";

  /** Creates the definition (used by {@link java.util.ServiceLoader}). */
  public X25519Ed25519Suite() {}

  @Override
  public int id() {
    return ID;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String wrapAlgorithm() {
    return X25519Kem.NAME;
  }

  @Override
  public String signatureAlgorithm() {
    return "EXAMPLE-Ed25519";
  }
}
