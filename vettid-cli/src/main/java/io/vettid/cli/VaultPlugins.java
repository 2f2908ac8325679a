package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.VettidException;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.profile.TrustedResource;
import io.vettid.runtime.resources.Plugins;
import io.vettid.runtime.resources.TrustedResources;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vault's plugins: jars in {@code <home>/plugins/}, each loaded at start only when its SHA-256 is
 * one the owner trusts. The trust list lives in {@code vault.sealed} (under the passphrase, so
 * whoever can write the plugins directory cannot also trust what he puts there), as {@code
 * "plugins": {"trusted": [{"name", "version", "sha256"}], "ruleEngine": "<provider>"}}; {@code
 * vettid plugins trust NAME:VERSION:SHA256} adds to it. A jar that is not trusted, or not the
 * trusted bytes, is refused with its reason and never runs; the vault starts without it.
 */
final class VaultPlugins {
  /** NAME:VERSION:SHA256. */
  private static final Pattern TRUST = Pattern.compile("([A-Za-z0-9._-]{1,128}):([0-9A-Za-z.+_-]{1,64}):([0-9a-f]{64})");

  private VaultPlugins() {}

  /**
   * What a start loaded and refused.
   *
   * @param plugins the plugins loaded
   * @param refused the jars refused
   * @param ruleEngine the rule engine provider the owner chose, or null
   * @param suites the suites this vault knows: the built-in ones, then its plugins' (the registry
   *     is process-wide; a vault uses only these)
   */
  record Loaded(List<Plugins.Plugin> plugins, List<String> refused, String ruleEngine, List<Suite> suites) {
    /** {@return nothing loaded: the built-in suites only} */
    static Loaded none() {
      return new Loaded(List.of(), List.of(), null, Suites.all().subList(0, Suites.BUILT_IN));
    }

    /** {@return the suite of this name that this vault knows} */
    Optional<Suite> suite(String name) {
      return suites.stream().filter(x -> x.name().equals(name)).findFirst();
    }

    /** {@return the name of the suite of this id that this vault knows, or "id N (not known here: a plugin's)"} */
    String suiteName(int id) {
      return suites.stream().filter(x -> x.id() == id).map(Suite::name).findFirst()
          .orElse("id " + id + " (not known here: a plugin's)");
    }
  }

  /** {@return the trusted entry a text NAME:VERSION:SHA256 names} */
  static TrustedResource parse(String text) {
    Matcher m = TRUST.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("a trusted plugin is NAME:VERSION:SHA256 (64 lowercase hex digits), such as"
          + " poll-handler:1.0.0:" + "0".repeat(64) + "; see: vettid plugins list");
    }
    return new TrustedResource(m.group(1), m.group(2), URI.create("file:plugins/" + m.group(1) + "-" + m.group(2)
        + ".jar"), m.group(3));
  }

  /** {@return the trusted plugins in the sealed secrets} */
  static List<TrustedResource> trusted(JsonNode secrets) {
    List<TrustedResource> out = new ArrayList<>();
    for (JsonNode t : secrets.path("plugins").path("trusted")) {
      out.add(parse(t.path("name").asText() + ":" + t.path("version").asText() + ":" + t.path("sha256").asText()));
    }
    return out;
  }

  /** {@return the rule engine provider the owner chose, if any} */
  static Optional<String> ruleEngine(JsonNode secrets) {
    JsonNode r = secrets.path("plugins").path("ruleEngine");
    return r.isTextual() ? Optional.of(r.asText()) : Optional.empty();
  }

  /** Adds a trusted plugin to the sealed secrets (replacing one of the same name and version). */
  static void trust(ObjectNode secrets, TrustedResource t) {
    ObjectNode plugins = secrets.path("plugins").isObject() ? (ObjectNode) secrets.get("plugins")
        : secrets.putObject("plugins");
    ArrayNode list = plugins.path("trusted").isArray() ? (ArrayNode) plugins.get("trusted") : plugins.putArray("trusted");
    for (int i = list.size() - 1; i >= 0; i--) {
      if (list.get(i).path("name").asText().equals(t.name()) && list.get(i).path("version").asText().equals(t.version())) {
        list.remove(i);
      }
    }
    list.addObject().put("name", t.name()).put("version", t.version()).put("sha256", t.sha256());
  }

  /** Chooses a plugin's rule engine by provider name, or the owner's declarative rules (null). */
  static void useRuleEngine(ObjectNode secrets, String provider) {
    ObjectNode plugins = secrets.path("plugins").isObject() ? (ObjectNode) secrets.get("plugins")
        : secrets.putObject("plugins");
    if (provider == null) {
      plugins.remove("ruleEngine");
    } else {
      plugins.put("ruleEngine", provider);
    }
  }

  /** {@return the jars in the plugins directory, by name} */
  static List<Path> jars(VaultHome home) throws IOException {
    Path dir = home.dir.resolve("plugins");
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.jar")) {
      s.forEach(out::add);
    }
    out.sort(null);
    return out;
  }

  /** Reads a jar, at most the size limit. */
  static byte[] read(Path jar) throws IOException {
    try (InputStream in = Files.newInputStream(jar)) {
      byte[] b = in.readNBytes(TrustedResources.MAX_BYTES + 1);
      if (b.length > TrustedResources.MAX_BYTES) {
        throw new IOException("larger than " + TrustedResources.MAX_BYTES + " bytes");
      }
      return b;
    }
  }

  /**
   * Loads every trusted jar of the plugins directory; tells {@code out} what it loaded and what it
   * refused, and why. Never throws for a jar: a refused one is left out.
   */
  static Loaded load(VaultHome home, JsonNode secrets, PrintStream out) throws IOException {
    List<TrustedResource> trusted = trusted(secrets);
    List<Plugins.Plugin> loaded = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (Path jar : jars(home)) {
      String file = jar.getFileName().toString();
      byte[] bytes;
      try {
        bytes = read(jar);
      } catch (IOException e) {
        refused.add(file);
        out.println("plugin " + file + " refused: it cannot be read (" + e.getMessage() + "); it does not run");
        continue;
      }
      String sha = Plugins.sha256(bytes);
      Optional<TrustedResource> match = trusted.stream().filter(t -> t.sha256().equals(sha)).findFirst();
      if (match.isEmpty()) {
        refused.add(file);
        Optional<TrustedResource> named = trusted.stream()
            .filter(t -> file.equals(t.name() + "-" + t.version() + ".jar")).findFirst();
        out.println("plugin " + file + " refused: " + (named.isPresent()
            ? "it is not the trusted " + named.get().name() + " " + named.get().version() + " (its SHA-256 is " + sha
                + ", the trusted one " + named.get().sha256() + "): altered or replaced"
            : "its SHA-256 " + sha + " is not trusted (vettid plugins trust NAME:VERSION:" + sha + ")")
            + "; it does not run");
        continue;
      }
      try {
        Plugins.Plugin p = Plugins.load(match.get(), bytes);
        loaded.add(p);
        out.println("plugin " + match.get().name() + " " + match.get().version() + " loaded: handlers "
            + p.handlers().stream().map(h -> h.name()).toList() + ", rule engines "
            + p.ruleEngines().stream().map(r -> r.name()).toList());
      } catch (VettidException | IOException | RuntimeException e) {
        refused.add(file);
        out.println("plugin " + file + " refused: " + e.getMessage() + "; it does not run");
      }
    }
    // their suites, known from here on (one plugin's key wrap may pair with another's signature)
    for (String r : Plugins.registerSuites(loaded)) {
      out.println(r + "; the suite is not known here");
    }
    List<Suite> suites = new ArrayList<>(Loaded.none().suites());
    for (Plugins.Plugin p : loaded) {
      for (io.vettid.api.spi.SuiteDefinition d : p.suites()) {
        Optional<Suite> x = Suites.byId(d.id()).filter(r -> r.name().equals(d.name()));
        if (x.isPresent() && !suites.contains(x.get())) {
          suites.add(x.get());
          out.println("suite " + x.get().name() + " (id " + x.get().id() + ", " + x.get().wrap().name() + " and "
              + x.get().signature().name() + ") from a plugin");
        }
      }
    }
    return new Loaded(loaded, refused, ruleEngine(secrets).orElse(null), List.copyOf(suites));
  }

  /**
   * {@return the key algorithms a vault reads keys of: the built-in ones, then the trusted
   *     plugins' (a plugin's algorithm never replaces a built-in one of its name)}
   *
   * @param loaded what the start loaded
   */
  static Providers<KeyAlgorithm> algorithms(Loaded loaded) {
    Providers<KeyAlgorithm> builtIn = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name)
        .discover(VaultPlugins.class.getClassLoader()).build();
    Providers.Builder<KeyAlgorithm> b = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name);
    builtIn.names().forEach(n -> b.add(builtIn.get(n)));
    java.util.Set<String> added = new java.util.HashSet<>(builtIn.names());
    loaded.plugins().forEach(p -> p.keyAlgorithms().stream().filter(a -> added.add(a.name())).forEach(b::add));
    return b.build();
  }
}
