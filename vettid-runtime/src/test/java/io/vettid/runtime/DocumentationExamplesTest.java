package io.vettid.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java example in the javadoc of every module (the SDK's, the command line's, the samples')
 * is compiled: it stands, line for line, in that module's test source {@code JavadocExamples.java}
 * between {@code // example: <Class>} and {@code // end}, which its tests compile. Examples that
 * are not Java (a rule's JSON, an invitation URI, shell commands) are written {@code
 * <pre>{@literal ...}</pre>} and left out.
 */
class DocumentationExamplesTest {

  private static final Pattern JAVADOC_EXAMPLE = Pattern.compile("<pre>\\{@code\\n(.*?)\\n\\s*\\*?\\s*}</pre>",
      Pattern.DOTALL);
  private static final Pattern REGION = Pattern.compile("// example: (\\S+)\\n(.*?)\\n\\s*// end\\n", Pattern.DOTALL);

  private static Path root() {
    Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("docs/PROTOCOL.md"))) {
      p = p.getParent();
    }
    assertThat(p).as("the repository's root").isNotNull();
    return p;
  }

  /** {@return every module with main sources, as a path below the root} */
  private static List<Path> modules() throws IOException {
    try (Stream<Path> dirs = Files.walk(root(), 3)) {
      return dirs.filter(d -> Files.isDirectory(d.resolve("src/main/java")) && !d.toString().contains("target"))
          .map(d -> root().relativize(d)).sorted().toList();
    }
  }

  @Test
  void theCheckReadsEveryModule() throws IOException {
    assertThat(modules()).map(Path::toString).contains("vettid-api", "vettid-crypto", "vettid-nats", "vettid-runtime",
        "vettid-cli", "vettid-testkit", "samples/integration-service", "benchmarks");
  }

  @Test
  void everyJavaExampleInTheJavadocIsCompiled() throws IOException {
    int examples = 0;
    for (Path module : modules()) {
      List<Path> sources = sources(root().resolve(module).resolve("src/main/java"));
      boolean any = false;
      for (Path source : sources) {
        any |= JAVADOC_EXAMPLE.matcher(Files.readString(source)).find();
      }
      if (!any) {
        continue;
      }
      Path tests = root().resolve(module).resolve("src/test/java");
      Path examplesFile;
      try (Stream<Path> files = Files.isDirectory(tests) ? Files.walk(tests) : Stream.empty()) {
        examplesFile = files.filter(f -> f.getFileName().toString().equals("JavadocExamples.java")).findFirst()
            .orElseThrow(() -> new AssertionError(module + " has javadoc examples and no JavadocExamples.java"));
      }
      Map<String, String> regions = regions(examplesFile);
      assertThat(regions).as("the examples of %s", module).isNotEmpty();
      List<String> used = new ArrayList<>();
      for (Path source : sources) {
        String cls = source.getFileName().toString().replace(".java", "");
        Matcher m = JAVADOC_EXAMPLE.matcher(Files.readString(source));
        while (m.find()) {
          String example = javadoc(m.group(1));
          String match = regions.entrySet().stream()
              .filter(e -> (e.getKey().equals(cls) || e.getKey().startsWith(cls + "#")) && e.getValue().equals(example))
              .map(Map.Entry::getKey).findFirst().orElse(null);
          assertThat(match).as("%s: the example\n%s\nstands in %s as '// example: %s' (compiled as it reads)",
              source, example, examplesFile.getFileName(), cls).isNotNull();
          used.add(match);
          examples++;
        }
      }
      assertThat(used).as("every example of %s's JavadocExamples.java is one of its javadoc's", module)
          .containsExactlyInAnyOrderElementsOf(regions.keySet());
    }
    assertThat(examples).as("javadoc examples checked").isGreaterThan(40);
  }

  @Test
  void everyJavaExampleInTheReadmeIsCompiled() throws IOException {
    Map<String, String> regions = regions(root().resolve("vettid-runtime/src/test/java/io/vettid/runtime/ReadmeExamples.java"));
    Matcher m = Pattern.compile("```java\n(.*?)\n```", Pattern.DOTALL).matcher(Files.readString(root().resolve("README.md")));
    List<String> used = new ArrayList<>();
    while (m.find()) {
      String example = dedent(List.of(m.group(1).split("\n", -1)));
      String match = regions.entrySet().stream().filter(e -> e.getValue().equals(example)).map(Map.Entry::getKey)
          .findFirst().orElse(null);
      assertThat(match).as("README.md: the example\n%s\nstands in ReadmeExamples.java (compiled as it reads)", example)
          .isNotNull();
      used.add(match);
    }
    assertThat(used).as("every example of ReadmeExamples.java is one of the README's")
        .containsExactlyInAnyOrderElementsOf(regions.keySet());
  }

  private static Map<String, String> regions(Path file) throws IOException {
    Map<String, String> regions = new LinkedHashMap<>();
    Matcher r = REGION.matcher(Files.readString(file));
    while (r.find()) {
      regions.put(r.group(1), dedent(List.of(r.group(2).split("\n", -1))));
    }
    return regions;
  }

  @Test
  void theRuleExamplesInTheJavadocAreValidRules() throws Exception {
    Pattern literal = Pattern.compile("<pre>\\{@literal\\n(.*?)\\n\\s*\\*?\\s*}</pre>", Pattern.DOTALL);
    for (String file : List.of("vettid-rules/src/main/java/io/vettid/rules/DeclarativeRuleEngine.java",
        "vettid-runtime/src/main/java/io/vettid/runtime/internal/handlers/ContactRequestHandler.java")) {
      Matcher m = literal.matcher(Files.readString(root().resolve(file)));
      assertThat(m.find()).as("%s shows a rule", file).isTrue();
      String json = javadoc(m.group(1));
      io.vettid.rules.DeclarativeRuleEngine.parse(json.startsWith("[") ? json : "[" + json + "]");
    }
  }

  @Test
  void theCheckSeesAChangedExample() {
    String javadoc = " * for (X x : xs) {\n *   use(x);\n * }";
    assertThat(javadoc(javadoc)).isEqualTo(dedent(List.of("    for (X x : xs) {", "      use(x);", "    }")));
    assertThat(javadoc(javadoc)).isNotEqualTo(dedent(List.of("    for (X x : xs) {", "      use(y);", "    }")));
  }

  private static List<Path> sources(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A javadoc block's lines without their {@code *} margins and common indentation, HTML entities read. */
  private static String javadoc(String block) {
    List<String> lines = new ArrayList<>();
    for (String line : block.split("\n", -1)) {
      lines.add(line.replaceFirst("^\\s*\\* ?", "").replace("&#64;", "@").replace("&lt;", "<").replace("&gt;", ">")
          .replace("&amp;", "&"));
    }
    return dedent(lines);
  }

  private static String dedent(List<String> lines) {
    int indent = Integer.MAX_VALUE;
    for (String l : lines) {
      if (!l.isBlank()) {
        indent = Math.min(indent, l.length() - l.stripLeading().length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String l : lines) {
      b.append(l.isBlank() ? "" : l.substring(indent).stripTrailing()).append('\n');
    }
    return b.toString().strip();
  }
}
