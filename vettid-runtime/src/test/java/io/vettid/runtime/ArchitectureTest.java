package io.vettid.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The module graph is the one in docs/ARCHITECTURE.md: these arrows and no others, no cycles
 * (test scope included), and module-info.java agrees with the POMs.
 */
class ArchitectureTest {

  /** Allowed compile/runtime dependencies between VettID modules (the arrows). */
  private static final Map<String, Set<String>> ALLOWED = Map.of(
      "vettid-api", Set.of(),
      "vettid-crypto", Set.of("vettid-api"),
      "vettid-rules", Set.of("vettid-api"),
      "vettid-profile", Set.of("vettid-api"),
      "vettid-nats", Set.of("vettid-api", "vettid-crypto"),
      "vettid-testkit", Set.of("vettid-nats"),
      "vettid-runtime", Set.of("vettid-api", "vettid-crypto", "vettid-nats", "vettid-rules", "vettid-profile"),
      "vettid-micrometer", Set.of("vettid-runtime"),
      "vettid-testkit-vault", Set.of("vettid-runtime", "vettid-testkit"),
      "vettid-cli", Set.of("vettid-runtime", "vettid-micrometer"));

  private static final Map<String, String> MODULE_NAMES = Map.of(
      "vettid-api", "io.vettid.api",
      "vettid-crypto", "io.vettid.crypto",
      "vettid-rules", "io.vettid.rules",
      "vettid-profile", "io.vettid.profile",
      "vettid-nats", "io.vettid.nats",
      "vettid-testkit", "io.vettid.testkit",
      "vettid-runtime", "io.vettid.runtime",
      "vettid-micrometer", "io.vettid.micrometer",
      "vettid-testkit-vault", "io.vettid.testkit.vault",
      "vettid-cli", "io.vettid.cli");

  private static Path root;
  private static final Map<String, Set<String>> MAIN = new TreeMap<>();
  private static final Map<String, Set<String>> TEST = new TreeMap<>();

  @BeforeAll
  static void readPoms() throws Exception {
    root = Path.of(System.getProperty("vettid.repo.root", "..")).toAbsolutePath().normalize();
    for (String module : modules(root.resolve("pom.xml"))) {
      Path pom = root.resolve(module).resolve("pom.xml");
      if (module.equals("samples") || module.equals("benchmarks") || module.equals("vettid-bom")
          || module.equals("vettid-build")) {
        continue;
      }
      if (module.equals("vettid-proptest")) {
        // test support over QuickTheories, not part of the SDK: it may depend on no VettID module
        Element supportDeps = child(parse(pom).getDocumentElement(), "dependencies");
        for (Element dep : children(supportDeps, "dependency")) {
          assertThat(childText(dep, "groupId")).as("a dependency of vettid-proptest").isNotEqualTo("io.vettid");
        }
        continue;
      }
      Document doc = parse(pom);
      String artifact = childText(doc.getDocumentElement(), "artifactId");
      MAIN.put(artifact, new TreeSet<>());
      TEST.put(artifact, new TreeSet<>());
      Element deps = child(doc.getDocumentElement(), "dependencies");
      if (deps == null) {
        continue;
      }
      for (Element dep : children(deps, "dependency")) {
        if (!"io.vettid".equals(childText(dep, "groupId"))) {
          continue;
        }
        String scope = childText(dep, "scope");
        ("test".equals(scope) ? TEST : MAIN).get(artifact).add(childText(dep, "artifactId"));
      }
    }
  }

  @Test
  void everyModuleOfTheArchitectureIsBuilt() {
    assertThat(MAIN.keySet()).containsExactlyInAnyOrderElementsOf(ALLOWED.keySet());
    assertThat(modules(root.resolve("pom.xml"))).contains("vettid-build", "vettid-bom", "samples", "benchmarks");
  }

  @Test
  void dependenciesFollowTheArrows() {
    MAIN.forEach((module, deps) ->
        assertThat(deps).as("VettID dependencies of %s", module).isSubsetOf(ALLOWED.get(module)));
    assertThat(MAIN.get("vettid-api")).as("vettid-api depends on no other module").isEmpty();
  }

  @Test
  void theRuntimeIsALibraryWithoutTheCommandLine() throws Exception {
    Element runtimeDeps = child(parse(root.resolve("vettid-runtime/pom.xml")).getDocumentElement(), "dependencies");
    for (Element dep : children(runtimeDeps, "dependency")) {
      assertThat(childText(dep, "groupId")).as("a dependency of vettid-runtime").isNotEqualTo("info.picocli");
    }
    String descriptor = Files.readString(root.resolve("vettid-runtime/src/main/java/module-info.java"));
    Matcher exports = Pattern.compile("exports\\s+([a-z.]+)\\s*;").matcher(descriptor);
    List<String> exported = new ArrayList<>();
    while (exports.find()) {
      exported.add(exports.group(1));
    }
    assertThat(exported).as("packages vettid-runtime exports").isNotEmpty()
        .noneMatch(p -> p.matches(".*\\.(cli|demo|internal)(\\..*)?"));
    assertThat(descriptor).doesNotContain("picocli");
  }

  /**
   * What a third party may use is marked, as JUnit 5 marks its own: every public type of the
   * runtime carries {@code @API}; those of {@code internal} packages (exported, if at all, to the
   * command line only) are {@code INTERNAL}, and no exported one is.
   */
  @Test
  void everyPublicTypeOfTheRuntimeSaysWhatUsersMayRelyOn() throws Exception {
    Path sources = root.resolve("vettid-runtime/src/main/java");
    String descriptor = Files.readString(sources.resolve("module-info.java"));
    Matcher qualified = Pattern.compile("exports\\s+([a-z.]+)\\s+to\\s+([a-z.,\\s]+);").matcher(descriptor);
    while (qualified.find()) {
      assertThat(qualified.group(1)).as("a package exported only to some modules").contains(".internal.");
      assertThat(qualified.group(2).trim()).as("who may read %s", qualified.group(1)).isEqualTo("io.vettid.cli");
    }
    Pattern publicType = Pattern.compile("^public (final |abstract |sealed )*(class|interface|record|enum) ",
        Pattern.MULTILINE);
    int checked = 0;
    try (var files = Files.walk(sources)) {
      for (Path f : files.filter(x -> x.toString().endsWith(".java")).toList()) {
        String text = Files.readString(f);
        Matcher m = publicType.matcher(text);
        if (f.getFileName().toString().contains("-info") || !m.find()) {
          continue;
        }
        String head = text.substring(0, m.start());
        boolean internal = sources.relativize(f).toString().contains("/internal/");
        assertThat(head).as("%s is marked @API", f.getFileName()).contains("@API(status = ");
        if (internal) {
          assertThat(head).as("%s, in an internal package", f.getFileName()).contains("@API(status = INTERNAL)");
        } else {
          assertThat(head).as("%s, in an exported package", f.getFileName()).doesNotContain("status = INTERNAL");
        }
        checked++;
      }
    }
    assertThat(checked).as("public types checked").isGreaterThan(40);
  }

  @Test
  void testScopeMayOnlyAddTheTestkitAndThePropertyTestSupport() {
    TEST.forEach((module, deps) -> assertThat(deps).as("test dependencies of %s", module)
        .isSubsetOf(Set.of("vettid-testkit", "vettid-proptest")));
  }

  @Test
  void theGraphHasNoCyclesEvenWithTestScope() {
    Map<String, Set<String>> all = new HashMap<>();
    MAIN.forEach((m, d) -> all.computeIfAbsent(m, k -> new HashSet<>()).addAll(d));
    TEST.forEach((m, d) -> all.computeIfAbsent(m, k -> new HashSet<>()).addAll(d));
    for (String start : all.keySet()) {
      assertThat(reachable(all, start)).as("modules reachable from %s", start).doesNotContain(start);
    }
  }

  @Test
  void moduleDescriptorsRequireOnlyWhatThePomAllows() throws Exception {
    Pattern requires = Pattern.compile("requires\\s+(?:transitive\\s+|static\\s+)*(io\\.vettid\\.[a-z.]+)\\s*;");
    for (String module : MAIN.keySet()) {
      Path descriptor = root.resolve(module).resolve("src/main/java/module-info.java");
      assertThat(descriptor).as("module-info.java of %s", module).exists();
      String text = Files.readString(descriptor);
      assertThat(text).contains("module " + MODULE_NAMES.get(module) + " {");
      Set<String> allowedNames = new HashSet<>();
      for (String dep : ALLOWED.get(module)) {
        allowedNames.add(MODULE_NAMES.get(dep));
        for (String transitive : reachable(ALLOWED, dep)) {
          allowedNames.add(MODULE_NAMES.get(transitive));
        }
      }
      Matcher m = requires.matcher(text);
      while (m.find()) {
        assertThat(m.group(1)).as("%s requires", module).isIn(allowedNames);
      }
    }
  }

  private static Set<String> reachable(Map<String, Set<String>> graph, String from) {
    Set<String> seen = new HashSet<>();
    List<String> todo = new ArrayList<>(graph.getOrDefault(from, Set.of()));
    while (!todo.isEmpty()) {
      String next = todo.remove(todo.size() - 1);
      if (seen.add(next)) {
        todo.addAll(graph.getOrDefault(next, Set.of()));
      }
    }
    return seen;
  }

  private static List<String> modules(Path pom) {
    try {
      Element modules = child(parse(pom).getDocumentElement(), "modules");
      List<String> out = new ArrayList<>();
      for (Element m : children(modules, "module")) {
        out.add(m.getTextContent().trim());
      }
      return out;
    } catch (Exception e) {
      throw new IllegalStateException("cannot read " + pom, e);
    }
  }

  private static Document parse(Path pom) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(pom.toFile());
  }

  private static Element child(Element parent, String name) {
    List<Element> c = children(parent, name);
    return c.isEmpty() ? null : c.get(0);
  }

  private static List<Element> children(Element parent, String name) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element e && e.getTagName().equals(name)) {
        out.add(e);
      }
    }
    return out;
  }

  private static String childText(Element parent, String name) {
    Element c = child(parent, name);
    return c == null ? null : c.getTextContent().trim();
  }
}
