package io.vettid.runtime.resources;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.RuleEngineProvider;
import io.vettid.api.spi.SuiteDefinition;
import io.vettid.profile.TrustedResource;
import java.io.IOException;
import java.net.URL;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import org.apiguardian.api.API;

/**
 * Loads a plugin jar only when its bytes hash to the SHA-256 the owner trusts, in a class loader of
 * its own that sees the JDK and <b>vettid-api only</b> (with Jackson, whose types its API uses, and
 * SLF4J): not the runtime, the command line or any other library on the class path, so a plugin
 * reaches the vault only through what the SPI hands it. The classes come from the very bytes that
 * were checked, in memory. What it provides is found with {@link ServiceLoader} in its own {@code
 * META-INF/services} ({@link EventHandlerFactory}, {@link RuleEngineProvider}, {@link KeyAlgorithm},
 * {@link SuiteDefinition}). A plugin's suites become known when the vault registers them ({@link
 * #registerSuites}).
 *
 * <pre>{@code
 * Plugins.Plugin p = Plugins.load(trusted, Files.readAllBytes(jar)); // HASH_MISMATCH unless the bytes are trusted
 * p.handlers().forEach(builder::handler);
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class Plugins {
  /** The packages a plugin sees besides the JDK's. */
  static final List<String> VISIBLE = List.of("io.vettid.api.", "com.fasterxml.jackson.", "org.slf4j.");

  private Plugins() {}

  /**
   * A plugin, loaded.
   *
   * @param trusted what the owner trusts it as (name, version, SHA-256)
   * @param handlers the event handler factories it provides
   * @param ruleEngines the rule engine providers it provides
   * @param keyAlgorithms the key algorithms it provides
   * @param suites the connection suites it defines
   */
  public record Plugin(TrustedResource trusted, List<EventHandlerFactory> handlers,
      List<RuleEngineProvider> ruleEngines, List<KeyAlgorithm> keyAlgorithms, List<SuiteDefinition> suites) {
    /**
     * Copies the lists.
     *
     * @param trusted the record component {@code trusted}
     * @param handlers the record component {@code handlers}
     * @param ruleEngines the record component {@code ruleEngines}
     * @param keyAlgorithms the record component {@code keyAlgorithms}
     * @param suites the record component {@code suites}
     */
    public Plugin {
      Objects.requireNonNull(trusted, "trusted");
      handlers = List.copyOf(handlers);
      ruleEngines = List.copyOf(ruleEngines);
      keyAlgorithms = List.copyOf(keyAlgorithms);
      suites = List.copyOf(suites);
    }
  }

  /**
   * Registers the suites of loaded plugins ({@link io.vettid.crypto.Suites#register}); their
   * algorithms are found among the built-in ones and every given plugin's, so a suite may pair
   * one plugin's key wrap with another's signature. A suite that cannot be registered (an unknown
   * algorithm, an id or name taken) is left out, with its reason.
   *
   * @param plugins the loaded plugins
   * @return the reason of each suite left out (empty when all were registered)
   */
  public static List<String> registerSuites(List<Plugin> plugins) {
    Objects.requireNonNull(plugins, "plugins");
    java.util.Map<String, KeyAlgorithm> algorithms = new java.util.HashMap<>();
    ServiceLoader.load(KeyAlgorithm.class, Plugins.class.getClassLoader())
        .forEach(a -> algorithms.putIfAbsent(a.name(), a));
    plugins.forEach(p -> p.keyAlgorithms().forEach(a -> algorithms.putIfAbsent(a.name(), a)));
    List<String> refused = new ArrayList<>();
    for (Plugin p : plugins) {
      for (SuiteDefinition d : p.suites()) {
        try {
          io.vettid.crypto.Suites.register(d, name -> java.util.Optional.ofNullable(algorithms.get(name)));
        } catch (RuntimeException e) { // a plugin's definition may throw anything: it is left out
          refused.add("plugin " + p.trusted().name() + "'s suite " + safeName(d) + ": " + e.getMessage());
        }
      }
    }
    return refused;
  }

  private static String safeName(SuiteDefinition d) {
    try {
      return String.valueOf(d.name());
    } catch (RuntimeException e) {
      return "(no name)";
    }
  }

  /**
   * {@return the lowercase hex SHA-256 of a jar's bytes}
   *
   * @param jar the bytes
   */
  public static String sha256(byte[] jar) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(jar));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
  }

  /**
   * Checks a jar's bytes against what the owner trusts, then loads it. Nothing of the jar runs
   * before its hash matched.
   *
   * @param trusted the trusted name, version and SHA-256
   * @param jar the jar's bytes (at most {@link TrustedResources#MAX_BYTES})
   * @return what it provides (only what it defines itself)
   * @throws VettidException {@link FailureReason#HASH_MISMATCH} if the bytes are not the trusted ones
   * @throws IOException if the bytes are not a jar within the size limits
   */
  public static Plugin load(TrustedResource trusted, byte[] jar) throws VettidException, IOException {
    Objects.requireNonNull(trusted, "trusted");
    Objects.requireNonNull(jar, "jar");
    if (jar.length > TrustedResources.MAX_BYTES) {
      throw new IOException("the plugin jar is larger than " + TrustedResources.MAX_BYTES + " bytes");
    }
    byte[] expected = HexFormat.of().parseHex(trusted.sha256());
    byte[] actual = HexFormat.of().parseHex(sha256(jar));
    if (!MessageDigest.isEqual(expected, actual)) {
      throw new VettidException(FailureReason.HASH_MISMATCH, "the jar is not the trusted " + trusted.name() + " "
          + trusted.version() + ": its SHA-256 is " + sha256(jar) + ", not " + trusted.sha256());
    }
    ClassLoader loader = new VerifiedJarLoader("vettid-plugin-" + trusted.name() + "-" + trusted.version(), jar,
        new ApiOnly(Plugins.class.getClassLoader()));
    return new Plugin(trusted, provided(EventHandlerFactory.class, loader), provided(RuleEngineProvider.class, loader),
        provided(KeyAlgorithm.class, loader), provided(SuiteDefinition.class, loader));
  }

  /** The providers of a service the plugin defines itself; one that fails to load fails the plugin. */
  private static <S> List<S> provided(Class<S> service, ClassLoader loader) throws IOException {
    List<S> out = new ArrayList<>();
    try {
      for (ServiceLoader.Provider<S> p : ServiceLoader.load(service, loader).stream().toList()) {
        if (p.type().getClassLoader() == loader) {
          out.add(p.get());
        }
      }
    } catch (java.util.ServiceConfigurationError | LinkageError e) {
      throw new IOException("the plugin's " + service.getSimpleName() + " does not load: " + e.getMessage(), e);
    }
    return out;
  }

  /** The parent of a plugin's loader: the JDK, and from the application only vettid-api (and Jackson, SLF4J). */
  static final class ApiOnly extends ClassLoader {
    private final ClassLoader application;

    ApiOnly(ClassLoader application) {
      super("vettid-api-only", ClassLoader.getPlatformClassLoader());
      this.application = application;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      try {
        return getParent().loadClass(name);
      } catch (ClassNotFoundException notTheJdks) {
        for (String p : VISIBLE) {
          if (name.startsWith(p)) {
            return application.loadClass(name);
          }
        }
        throw new ClassNotFoundException(name + ": a plugin sees the JDK and vettid-api only");
      }
    }

    @Override
    public URL getResource(String name) {
      return getParent().getResource(name); // the application's resources (its service files) stay hidden
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      Enumeration<URL> jdk = getParent().getResources(name);
      return jdk == null ? Collections.emptyEnumeration() : jdk;
    }
  }
}
