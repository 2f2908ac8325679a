package io.vettid.api.spi;

/**
 * A connection suite a plugin offers: a registered id and name pairing a key-wrap {@link
 * KeyAlgorithm} with a signature {@link KeyAlgorithm}, each named by its {@link KeyAlgorithm#name()}
 * (the plugin's own, another trusted plugin's, or a built-in one). The id is written into every
 * envelope of a connection that uses the suite, the name into its handshake; both sides must know
 * the suite, so both load the plugin.
 *
 * <p>Ids {@value #FIRST_PLUGIN_ID} to {@value #LAST_PLUGIN_ID} are for plugins (1 to 127 are
 * VettID's own, 255 is reserved). A name is 3 to 64 of {@code A-Z 0-9 -}, starts with a letter or
 * digit, and must not start with {@code VETTID-} (VettID's own). A plugin lists its definitions in
 * {@code META-INF/services/io.vettid.api.spi.SuiteDefinition} (and {@code provides} in its
 * module-info); a runtime registers them with {@code io.vettid.crypto.Suites.register}, which
 * refuses an id or a name another suite holds.
 *
 * <pre>{@code
 * final class X25519Ed25519Suite implements SuiteDefinition {
 *   public int id() { return 200; }
 *   public String name() { return "EXAMPLE-X25519-ED25519-V1"; }
 *   public String wrapAlgorithm() { return "EXAMPLE-X25519-KEM"; }
 *   public String signatureAlgorithm() { return "EXAMPLE-Ed25519"; }
 * }
 * // listed in META-INF/services/io.vettid.api.spi.SuiteDefinition
 * }</pre>
 */
public interface SuiteDefinition {
  /** The first id a plugin's suite may take. */
  int FIRST_PLUGIN_ID = 128;

  /** The last id a plugin's suite may take. */
  int LAST_PLUGIN_ID = 254;

  /** {@return the id written into envelopes ({@value #FIRST_PLUGIN_ID}..{@value #LAST_PLUGIN_ID})} */
  int id();

  /** {@return the name written into handshakes, such as {@code EXAMPLE-X25519-ED25519-V1}} */
  String name();

  /** {@return the name of the key algorithm that wraps session keys (it has {@code KEY_WRAP})} */
  String wrapAlgorithm();

  /** {@return the name of the key algorithm that signs (it has {@code SIGNATURE})} */
  String signatureAlgorithm();
}
