package io.vettid.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.api.spi.ProviderLookupException;
import io.vettid.api.spi.Providers;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvidersTest {

  /** A service type of the test's own, so the class path holds no providers of it. */
  public interface Greeter {
    String name();
  }

  /** A provider. */
  public static final class English implements Greeter {
    /** For ServiceLoader. */
    public English() {}

    @Override
    public String name() {
      return "english";
    }
  }

  /** Another provider. */
  public static final class French implements Greeter {
    /** For ServiceLoader. */
    public French() {}

    @Override
    public String name() {
      return "french";
    }
  }

  /** A provider that claims another's name. */
  public static final class Impostor implements Greeter {
    /** For ServiceLoader. */
    public Impostor() {}

    @Override
    public String name() {
      return "english";
    }
  }

  /** A provider that cannot be created. */
  public static final class Broken implements Greeter {
    /** For ServiceLoader. */
    public Broken() {
      throw new IllegalStateException("broken on purpose");
    }

    @Override
    public String name() {
      return "broken";
    }
  }

  @TempDir Path dir;

  private ClassLoader loaderDeclaring(Class<?>... providers) throws IOException {
    Path services = Files.createDirectories(dir.resolve("META-INF/services"));
    StringBuilder lines = new StringBuilder();
    for (Class<?> p : providers) {
      lines.append(p.getName()).append('\n');
    }
    Files.writeString(services.resolve(Greeter.class.getName()), lines, StandardCharsets.UTF_8);
    return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
  }

  private static Providers.Builder<Greeter> greeters() {
    return Providers.builder(Greeter.class, Greeter::name);
  }

  @Test
  void discoversProvidersDeclaredInMetaInfServices() throws Exception {
    Providers<Greeter> found = greeters().discover(loaderDeclaring(English.class, French.class)).build();

    assertThat(found.names()).containsExactly("english", "french");
    assertThat(found.get("french")).isInstanceOf(French.class);
  }

  @Test
  void saysHowToRegisterWhenNoneIsFound() {
    Providers<Greeter> none = greeters().discover(getClass().getClassLoader()).build();

    assertThatThrownBy(none::single)
        .isInstanceOf(ProviderLookupException.class)
        .hasMessageContaining("No Greeter provider found")
        .hasMessageContaining("META-INF/services/" + Greeter.class.getName())
        .hasMessageContaining("add(instance)");
  }

  @Test
  void listsTheAvailableNamesWhenANameIsUnknown() throws Exception {
    Providers<Greeter> found = greeters().discover(loaderDeclaring(English.class)).build();

    assertThatThrownBy(() -> found.get("klingon"))
        .isInstanceOf(ProviderLookupException.class)
        .hasMessageContaining("'klingon'")
        .hasMessageContaining("[english]");
  }

  @Test
  void namesAllCandidatesWhenSeveralAreFoundWhereOneWasExpected() throws Exception {
    Providers<Greeter> found = greeters().discover(loaderDeclaring(English.class, French.class)).build();

    assertThatThrownBy(found::single)
        .isInstanceOf(ProviderLookupException.class)
        .hasMessageContaining("Found 2 Greeter providers")
        .hasMessageContaining(English.class.getName())
        .hasMessageContaining(French.class.getName());
  }

  @Test
  void refusesTwoDiscoveredProvidersWithOneName() throws Exception {
    ClassLoader loader = loaderDeclaring(English.class, Impostor.class);

    assertThatThrownBy(() -> greeters().discover(loader))
        .isInstanceOf(ProviderLookupException.class)
        .hasMessageContaining("named 'english'")
        .hasMessageContaining(Impostor.class.getName());
  }

  @Test
  void failsRatherThanSkippingAProviderThatCannotLoad() throws Exception {
    ClassLoader loader = loaderDeclaring(English.class, Broken.class);

    assertThatThrownBy(() -> greeters().discover(loader))
        .isInstanceOf(ProviderLookupException.class)
        .hasMessageContaining("failed to load");
  }

  @Test
  void explicitInstancesWinOverDiscoveredOnes() throws Exception {
    Impostor mine = new Impostor();
    Providers<Greeter> found =
        greeters().discover(loaderDeclaring(English.class, French.class)).add(mine).build();

    assertThat(found.get("english")).isSameAs(mine);
    assertThat(found.all()).hasSize(2);
  }

  @Test
  void explicitInstancesAloneNeedNoServiceLoader() {
    English only = new English();

    assertThat(greeters().add(only).build().single()).isSameAs(only);
    assertThatThrownBy(() -> greeters().add(only).add(new Impostor()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already added");
  }

  @Test
  void rejectsProviderNamesWithSpaces() {
    Greeter spaced = () -> "two words";

    assertThatThrownBy(() -> greeters().add(spaced))
        .isInstanceOf(ProviderLookupException.class)
        .hasMessageContaining("invalid name");
  }
}
