package io.vettid.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * Plugin jars made in a test: Java sources compiled against the test's class path, their classes
 * and {@code META-INF/services} entries put in a jar, in memory. For tests of what a vault does
 * with a plugin (it loads only when its SHA-256 is trusted, sees only vettid-api, and so on).
 */
public final class PluginJars {
  private PluginJars() {}

  /**
   * Compiles sources and packs them with service entries.
   *
   * @param work a directory for the sources and classes
   * @param sources each source's path below the source root (such as {@code plugin/Hello.java})
   *     and its text
   * @param services each service interface's name and the providers' class names, one per line
   * @param extraEntry an entry to add (one byte) so that the jar's bytes differ, or null
   * @return the jar's bytes
   * @throws IOException if the sources do not compile or the jar cannot be written
   */
  public static byte[] compile(Path work, Map<String, String> sources, Map<String, String> services,
      String extraEntry) throws IOException {
    Objects.requireNonNull(work, "work");
    Path src = Files.createDirectories(work.resolve("src"));
    Path classes = Files.createDirectories(work.resolve("classes"));
    List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path")));
    for (Map.Entry<String, String> e : sources.entrySet()) {
      Path f = src.resolve(e.getKey());
      Files.createDirectories(f.getParent());
      Files.writeString(f, e.getValue());
      args.add(f.toString());
    }
    ToolProvider javac = ToolProvider.findFirst("javac")
        .orElseThrow(() -> new IOException("no javac: run the tests on a JDK"));
    if (javac.run(System.out, System.err, args.toArray(String[]::new)) != 0) {
      throw new IOException("the plugin's sources do not compile (see standard error)");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (JarOutputStream jar = new JarOutputStream(bytes); Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        jar.write(Files.readAllBytes(f));
      }
      for (Map.Entry<String, String> s : services.entrySet()) {
        jar.putNextEntry(new JarEntry("META-INF/services/" + s.getKey()));
        jar.write((s.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
      }
      if (extraEntry != null) {
        jar.putNextEntry(new JarEntry(extraEntry));
        jar.write(1);
      }
    }
    return bytes.toByteArray();
  }
}
