package io.vettid.crypto;

import io.vettid.crypto.elgamal.ElGamal3072;
import io.vettid.crypto.pq.MlDsa65;
import io.vettid.crypto.pq.MlKem1024;
import io.vettid.crypto.pq.MlKem768;
import io.vettid.crypto.rsa.Rsa4096;
import java.util.List;
import java.util.Optional;

/**
 * The suites VettID knows. {@link #DEFAULT} is RSA-4096.
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

  private static final List<Suite> ALL = List.of(RSA4096_V1, MLKEM768_MLDSA65_V1, MLKEM1024_MLDSA65_V1, ELGAMAL3072_RSA4096_V1);

  private Suites() {}

  /** {@return every suite, default first} */
  public static List<Suite> all() {
    return ALL;
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
    return Optional.empty();
  }

  /**
   * Finds a suite by name.
   *
   * @param name the name
   * @return the suite, or empty if unknown
   */
  public static Optional<Suite> byName(String name) {
    return ALL.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
