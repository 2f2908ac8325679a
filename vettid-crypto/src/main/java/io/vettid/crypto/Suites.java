package io.vettid.crypto;

import io.vettid.crypto.elgamal.ElGamal3072;
import io.vettid.crypto.pq.MlDsa65;
import io.vettid.crypto.pq.MlKem1024;
import io.vettid.crypto.pq.MlKem768;
import io.vettid.crypto.rsa.Rsa4096;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.SuiteDefinition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The suites VettID knows: its own four, and those plugins {@linkplain #register registered}
 * (ids {@value SuiteDefinition#FIRST_PLUGIN_ID} to {@value SuiteDefinition#LAST_PLUGIN_ID}).
 * {@link #DEFAULT} is RSA-4096. Every lookup (an envelope's suite id, a handshake's suite name, a
 * stored connection's) goes through {@link #byId} or {@link #byName}, so a registered suite is
 * known everywhere in the process from its registration on; registration is process-wide and
 * cannot be undone.
 *
 * <table>
 *   <caption>Suites</caption>
 *   <tr><th>id</th><th>name</th><th>key wrap</th><th>signature</th></tr>
 *   <tr><td>1</td><td>VETTID-RSA4096-V1</td><td>RSA-4096 (OAEP)</td><td>RSA-4096 (PSS)</td></tr>
 *   <tr><td>2</td><td>VETTID-MLKEM768-MLDSA65-V1</td><td>ML-KEM-768</td><td>ML-DSA-65</td></tr>
 *   <tr><td>3</td><td>VETTID-MLKEM1024-MLDSA65-V1</td><td>ML-KEM-1024</td><td>ML-DSA-65</td></tr>
 *   <tr><td>4</td><td>VETTID-ELGAMAL3072-RSA4096-V1</td><td>ElGamal-3072 (ffdhe3072, OAEP)</td><td>RSA-4096 (PSS)</td></tr>
 * </table>
 *
 * <pre>{@code
 * Suite suite = Suites.byName("VETTID-MLKEM768-MLDSA65-V1").orElse(Suites.DEFAULT);
 * KeyPair wrap = suite.wrap().generateKeyPair(new SecureRandom());
 * }</pre>
 */
public final class Suites {
  /** RSA-4096 for wrapping and signing: the default. */
  public static final Suite RSA4096_V1 = new Suite(1, "VETTID-RSA4096-V1", new Rsa4096(), new Rsa4096());

  /** ML-KEM-768 with ML-DSA-65: post-quantum, NIST category 3. */
  public static final Suite MLKEM768_MLDSA65_V1 =
      new Suite(2, "VETTID-MLKEM768-MLDSA65-V1", new MlKem768(), new MlDsa65());

  /** ML-KEM-1024 with ML-DSA-65: post-quantum, stronger key wrap. */
  public static final Suite MLKEM1024_MLDSA65_V1 =
      new Suite(3, "VETTID-MLKEM1024-MLDSA65-V1", new MlKem1024(), new MlDsa65());

  /** ElGamal over ffdhe3072 for wrapping, RSA-4096 for signing. */
  public static final Suite ELGAMAL3072_RSA4096_V1 =
      new Suite(4, "VETTID-ELGAMAL3072-RSA4096-V1", new ElGamal3072(), new Rsa4096());

  /** The default suite. */
  public static final Suite DEFAULT = RSA4096_V1;

  /** How many suites are VettID's own: the first ones of {@link #all()}. */
  public static final int BUILT_IN = 4;

  private static final List<Suite> ALL = List.of(RSA4096_V1, MLKEM768_MLDSA65_V1, MLKEM1024_MLDSA65_V1, ELGAMAL3072_RSA4096_V1);

  /** A registered suite's name: 3 to 64 of A-Z, 0-9 and '-', not starting with '-'. */
  private static final Pattern NAME = Pattern.compile("[A-Z0-9][A-Z0-9-]{2,63}");

  /** The suites plugins registered, in order; replaced whole on registration (read without a lock). */
  private static volatile Suite[] registered = new Suite[0];

  private Suites() {}

  /** {@return every suite, default first, then the registered ones in their order} */
  public static List<Suite> all() {
    Suite[] r = registered;
    if (r.length == 0) {
      return ALL;
    }
    List<Suite> out = new ArrayList<>(ALL);
    out.addAll(Arrays.asList(r));
    return List.copyOf(out);
  }

  /**
   * Registers a plugin's suite, so that envelopes, handshakes and stored connections of its id
   * and name are understood. Registering the same definition again (the same id, name and
   * algorithm names: the plugin loaded once more) returns the suite registered first.
   *
   * @param definition the plugin's definition
   * @param algorithms finds a key algorithm by name: the built-in ones and every trusted plugin's
   * @return the suite
   * @throws IllegalArgumentException if the id is outside {@value SuiteDefinition#FIRST_PLUGIN_ID}..{@value
   *     SuiteDefinition#LAST_PLUGIN_ID}, the name is malformed or starts with {@code VETTID-}, an
   *     algorithm is unknown or cannot do its part (wrap keys, sign)
   * @throws IllegalStateException if another suite holds the id or the name
   */
  public static Suite register(SuiteDefinition definition, Function<String, Optional<KeyAlgorithm>> algorithms) {
    Objects.requireNonNull(definition, "definition");
    Objects.requireNonNull(algorithms, "algorithms");
    int id = definition.id();
    String name = definition.name();
    String wrapName = definition.wrapAlgorithm();
    String signatureName = definition.signatureAlgorithm();
    if (id < SuiteDefinition.FIRST_PLUGIN_ID || id > SuiteDefinition.LAST_PLUGIN_ID) {
      throw new IllegalArgumentException("a plugin's suite id is " + SuiteDefinition.FIRST_PLUGIN_ID + ".."
          + SuiteDefinition.LAST_PLUGIN_ID + ", not " + id);
    }
    if (name == null || !NAME.matcher(name).matches() || name.startsWith("VETTID-")) {
      throw new IllegalArgumentException("a plugin's suite name is 3 to 64 of A-Z, 0-9 and '-', not starting with"
          + " 'VETTID-' (VettID's own)");
    }
    if (wrapName == null || signatureName == null) {
      throw new IllegalArgumentException("suite " + name + " does not name its algorithms");
    }
    KeyAlgorithm wrap = known(algorithms, name, "key-wrap", wrapName);
    KeyAlgorithm signature = known(algorithms, name, "signature", signatureName);
    Suite suite;
    try {
      suite = new Suite(id, name, wrap, signature);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("suite " + name + ": " + e.getMessage(), e);
    }
    synchronized (Suites.class) {
      for (Suite s : all()) {
        boolean sameId = s.id() == id;
        boolean sameName = s.name().equals(name);
        if (sameId && sameName && s.wrap().name().equals(wrapName) && s.signature().name().equals(signatureName)) {
          return s; // the same plugin loaded again
        }
        if (sameId || sameName) {
          throw new IllegalStateException("suite " + name + " (id " + id + ") is refused: " + s.name() + " (id "
              + s.id() + ") holds its " + (sameId ? "id" : "name"));
        }
      }
      Suite[] next = Arrays.copyOf(registered, registered.length + 1);
      next[next.length - 1] = suite;
      registered = next;
    }
    return suite;
  }

  private static KeyAlgorithm known(Function<String, Optional<KeyAlgorithm>> algorithms, String suite, String role,
      String name) {
    Optional<KeyAlgorithm> a = algorithms.apply(name);
    if (a == null || a.isEmpty()) {
      throw new IllegalArgumentException("suite " + suite + " names the " + role + " algorithm " + name
          + ", which no built-in or trusted plugin provides");
    }
    return a.get();
  }

  /**
   * Finds a key algorithm of a known suite by its name: how a peer's identity key of a plugin
   * suite is read.
   *
   * @param name the algorithm's name
   * @return the algorithm, or empty if no suite uses it
   */
  public static Optional<KeyAlgorithm> algorithm(String name) {
    for (Suite s : all()) {
      if (s.wrap().name().equals(name)) {
        return Optional.of(s.wrap());
      }
      if (s.signature().name().equals(name)) {
        return Optional.of(s.signature());
      }
    }
    return Optional.empty();
  }

  /**
   * Finds a suite by its envelope id.
   *
   * @param id the id
   * @return the suite, or empty if unknown
   */
  public static Optional<Suite> byId(int id) {
    for (Suite s : ALL) { // on every envelope opened: a loop, not a stream
      if (s.id() == id) {
        return Optional.of(s);
      }
    }
    for (Suite s : registered) {
      if (s.id() == id) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /**
   * Finds a suite by name.
   *
   * @param name the name
   * @return the suite, or empty if unknown
   */
  public static Optional<Suite> byName(String name) {
    return all().stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
