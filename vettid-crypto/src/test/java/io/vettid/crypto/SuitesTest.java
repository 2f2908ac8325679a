package io.vettid.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.SuiteDefinition;
import io.vettid.crypto.pq.MlDsa65;
import io.vettid.crypto.pq.MlKem768;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * What {@link Suites#register} refuses (issue #21: a plugin's suite). Nothing here registers a
 * suite: the registry is process-wide, and the envelope tests run over {@link Suites#all()}. The
 * samples' {@code X25519Ed25519SuiteTest} registers one and seals with it.
 */
class SuitesTest {
  private static final Function<String, Optional<KeyAlgorithm>> BUILT_IN = name -> Optional.<KeyAlgorithm>empty()
      .or(() -> Optional.of(new MlKem768()).filter(a -> a.name().equals(name)))
      .or(() -> Optional.of(new MlDsa65()).filter(a -> a.name().equals(name)));

  private static SuiteDefinition definition(int id, String name, String wrap, String signature) {
    return new SuiteDefinition() {
      public int id() {
        return id;
      }

      public String name() {
        return name;
      }

      public String wrapAlgorithm() {
        return wrap;
      }

      public String signatureAlgorithm() {
        return signature;
      }
    };
  }

  @Test
  void aPluginsSuiteIsRefusedOutsideItsIdsWithABadNameOrWithAlgorithmsThatCannotDoTheirPart() {
    for (int id : new int[] {0, 1, 4, 127, 255, 256, -1}) {
      assertThatThrownBy(() -> Suites.register(definition(id, "TEST-SUITE-V1", "ML-KEM-768", "ML-DSA-65"), BUILT_IN))
          .as("id " + id).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("128..254");
    }
    for (String name : new String[] {"VETTID-NEW-V1", "ab", "lower-case", "-LEADING", "SPACE D", "X".repeat(65), null}) {
      assertThatThrownBy(() -> Suites.register(definition(200, name, "ML-KEM-768", "ML-DSA-65"), BUILT_IN))
          .as(String.valueOf(name)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 to 64");
    }
    assertThatThrownBy(() -> Suites.register(definition(200, "TEST-SUITE-V1", "ML-DSA-65", "ML-DSA-65"), BUILT_IN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ML-DSA-65 cannot wrap keys");
    assertThatThrownBy(() -> Suites.register(definition(200, "TEST-SUITE-V1", "ML-KEM-768", "ML-KEM-768"), BUILT_IN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ML-KEM-768 cannot sign");
    assertThatThrownBy(() -> Suites.register(definition(200, "TEST-SUITE-V1", "NOPE", "ML-DSA-65"), BUILT_IN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("suite TEST-SUITE-V1 names the key-wrap algorithm NOPE, which no built-in or trusted plugin provides");
    assertThatThrownBy(() -> Suites.register(definition(200, "TEST-SUITE-V1", null, "ML-DSA-65"), BUILT_IN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not name its algorithms");
    assertThat(Suites.byName("TEST-SUITE-V1")).as("nothing refused was registered").isEmpty();
  }

  @Test
  void builtInSuitesAreFoundByIdNameAndTheirAlgorithms() {
    assertThat(Suites.all().subList(0, Suites.BUILT_IN)).containsExactly(Suites.RSA4096_V1,
        Suites.MLKEM768_MLDSA65_V1, Suites.MLKEM1024_MLDSA65_V1, Suites.ELGAMAL3072_RSA4096_V1);
    for (Suite s : Suites.all()) {
      assertThat(Suites.byId(s.id())).contains(s);
      assertThat(Suites.byName(s.name())).contains(s);
      assertThat(Suites.algorithm(s.wrap().name())).isPresent();
    }
    assertThat(Suites.algorithm("ML-DSA-65")).containsInstanceOf(MlDsa65.class);
    assertThat(Suites.algorithm("NOPE")).isEmpty();
    assertThat(Suites.byId(0)).isEmpty();
  }
}
