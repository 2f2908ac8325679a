package io.vettid.api.spi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The providers of one service-provider interface, by name: found with {@link ServiceLoader},
 * added explicitly, or both. Like SLF4J 2, it says clearly when none or several are found.
 *
 * <pre>{@code
 * Providers<KeyAlgorithm> algorithms =
 *     Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover().build();
 * KeyAlgorithm rsa = algorithms.get("RSA-4096");
 *
 * // explicit instances (DI containers, tests) win over discovered ones of the same name
 * Providers<RuleEngineProvider> engines =
 *     Providers.builder(RuleEngineProvider.class, RuleEngineProvider::name).add(myEngine).build();
 * RuleEngine engine = engines.single().create();
 * }</pre>
 *
 * <p>Fail safe: a provider that fails to load, or two discovered providers with one name, make
 * {@link Builder#build()} throw rather than pick one silently. Instances are immutable and
 * thread-safe.
 *
 * @param <S> the service type
 */
public final class Providers<S> {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");

  private final Class<S> service;
  private final Map<String, S> byName;

  private Providers(Class<S> service, Map<String, S> byName) {
    this.service = service;
    this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
  }

  /**
   * Starts a lookup.
   *
   * @param service the SPI type
   * @param nameOf how to read a provider's unique name
   * @param <S> the SPI type
   * @return a builder
   */
  public static <S> Builder<S> builder(Class<S> service, Function<? super S, String> nameOf) {
    return new Builder<>(
        Objects.requireNonNull(service, "service"), Objects.requireNonNull(nameOf, "nameOf"));
  }

  /** {@return the provider names, in discovery order then explicit order} */
  public Set<String> names() {
    return byName.keySet();
  }

  /** {@return all providers, in the order of {@link #names()}} */
  public List<S> all() {
    return List.copyOf(byName.values());
  }

  /**
   * The provider with this name.
   *
   * @param name the provider name
   * @return the provider
   * @throws ProviderLookupException if there is none; the message lists those available
   */
  public S get(String name) {
    Objects.requireNonNull(name, "name");
    S provider = byName.get(name);
    if (provider == null) {
      throw new ProviderLookupException(
          "No " + service.getSimpleName() + " provider named '" + name + "'. Available: "
              + byName.keySet() + ". " + howToRegister());
    }
    return provider;
  }

  /**
   * The one provider, when exactly one is present.
   *
   * @return the provider
   * @throws ProviderLookupException if none or several are present; the message says which
   */
  public S single() {
    if (byName.isEmpty()) {
      throw new ProviderLookupException(
          "No " + service.getSimpleName() + " provider found. " + howToRegister());
    }
    if (byName.size() > 1) {
      List<String> found = new ArrayList<>();
      byName.forEach((n, p) -> found.add(n + " (" + p.getClass().getName() + ")"));
      throw new ProviderLookupException(
          "Found " + byName.size() + " " + service.getSimpleName() + " providers where one was expected: "
              + found + ". Choose one by name with get(name), or add the one you want explicitly.");
    }
    return byName.values().iterator().next();
  }

  private String howToRegister() {
    return "Add a jar that provides one (META-INF/services/" + service.getName()
        + ", or 'provides " + service.getName() + " with ...' in module-info.java), or pass an"
        + " instance explicitly with Providers.builder(...).add(instance).";
  }

  /**
   * Collects providers. Not thread-safe.
   *
   * @param <S> the service type
   */
  public static final class Builder<S> {
    private final Class<S> service;
    private final Function<? super S, String> nameOf;
    private final Map<String, S> discovered = new LinkedHashMap<>();
    private final Map<String, S> explicit = new LinkedHashMap<>();

    private Builder(Class<S> service, Function<? super S, String> nameOf) {
      this.service = service;
      this.nameOf = nameOf;
    }

    /**
     * Discovers providers with {@link ServiceLoader#load(Class)} (the thread context class loader
     * on the class path; the module graph on the module path). The VettID SPIs are declared with
     * {@code uses} in this module; for another service type use {@link #discover(ServiceLoader)}.
     *
     * @return this builder
     * @throws ProviderLookupException if a provider fails to load or two share a name
     */
    public Builder<S> discover() {
      return discover(ServiceLoader.load(service));
    }

    /**
     * Discovers providers visible to a class loader.
     *
     * @param classLoader where to look
     * @return this builder
     * @throws ProviderLookupException if a provider fails to load or two share a name
     */
    public Builder<S> discover(ClassLoader classLoader) {
      return discover(ServiceLoader.load(service, Objects.requireNonNull(classLoader, "classLoader")));
    }

    /**
     * Discovers providers from a loader that the caller made (so that the caller's module,
     * which declares {@code uses}, does the loading).
     *
     * @param loader the service loader
     * @return this builder
     * @throws ProviderLookupException if a provider fails to load or two share a name
     */
    public Builder<S> discover(ServiceLoader<S> loader) {
      Objects.requireNonNull(loader, "loader");
      Iterator<S> it = loader.iterator();
      while (true) {
        S provider;
        try {
          if (!it.hasNext()) {
            break;
          }
          provider = it.next();
        } catch (ServiceConfigurationError e) {
          throw new ProviderLookupException(
              "A " + service.getSimpleName() + " provider failed to load: " + e.getMessage()
                  + ". Fix or remove the jar that declares it.", e);
        }
        String name = nameOfChecked(provider);
        S earlier = discovered.putIfAbsent(name, provider);
        if (earlier != null && earlier.getClass() != provider.getClass()) {
          throw new ProviderLookupException(
              "Two " + service.getSimpleName() + " providers are named '" + name + "': "
                  + earlier.getClass().getName() + " and " + provider.getClass().getName()
                  + ". Remove one jar, or add the one you want explicitly.");
        }
      }
      return this;
    }

    /**
     * Adds a provider explicitly; it replaces a discovered provider of the same name.
     *
     * @param provider the provider
     * @return this builder
     * @throws IllegalArgumentException if another explicit provider has the same name
     */
    public Builder<S> add(S provider) {
      Objects.requireNonNull(provider, "provider");
      String name = nameOfChecked(provider);
      if (explicit.putIfAbsent(name, provider) != null) {
        throw new IllegalArgumentException(
            "a " + service.getSimpleName() + " provider named '" + name + "' was already added");
      }
      return this;
    }

    /** {@return the immutable lookup} */
    public Providers<S> build() {
      Map<String, S> all = new LinkedHashMap<>(discovered);
      all.putAll(explicit);
      return new Providers<>(service, all);
    }

    private String nameOfChecked(S provider) {
      String name = nameOf.apply(provider);
      if (name == null || !NAME.matcher(name).matches()) {
        throw new ProviderLookupException(
            service.getSimpleName() + " provider " + provider.getClass().getName()
                + " has an invalid name '" + name + "': use 1-64 letters, digits, '.', '_', '+', '-'.");
      }
      return name;
    }
  }
}
