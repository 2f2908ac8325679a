package io.vettid.runtime.resources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.profile.TrustedResource;
import io.vettid.testkit.NatsServerExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A handler plugin jar, compiled here, is loaded only when its SHA-256 is the listed one. */
class TrustedResourcesTest {
  @RegisterExtension final NatsServerExtension nats = NatsServerExtension.builder().tls().encryptedAtRest().build();
  @TempDir Path dir;

  static final String MARKER = "vettid.test.plugin.loaded";

  private byte[] pluginJar(String extraEntry) throws Exception {
    String source = """
        package plugin;
        import io.vettid.api.EventType;
        import io.vettid.api.spi.*;
        import java.util.Set;
        public final class HelloFactory implements EventHandlerFactory {
          static { System.setProperty("%s", "yes"); }
          public String name() { return "hello-plugin"; }
          public Set<EventType> eventTypes() { return Set.of(EventType.of("hello.plugin")); }
          public EventHandler create(EventHandlerContext ctx) { return e -> ctx.finish(); }
        }
        """.formatted(MARKER);
    return io.vettid.testkit.PluginJars.compile(dir.resolve(extraEntry == null ? "plain" : "extra"),
        java.util.Map.of("plugin/HelloFactory.java", source),
        java.util.Map.of("io.vettid.api.spi.EventHandlerFactory", "plugin.HelloFactory"), extraEntry);
  }

  @Test
  void aPluginLoadsOnlyWhenItsHashIsTheListedOne() throws Exception {
    Connection nc = nats.connect();
    JetStreamLayout.builder().build().ensureVault(nc);
    TrustedResources resources = new TrustedResources(nc, null);
    byte[] good = pluginJar(null);
    byte[] evil = pluginJar("evil.txt"); // same code, other bytes
    TrustedResource listed = new TrustedResource("hello-plugin", "1.0.0",
        URI.create("https://plugins.example.org/hello-1.0.0.jar"), TrustedResource.sha256Hex(good));

    // storing refuses bytes that are not the listed ones
    assertThatThrownBy(() -> resources.store(listed, evil)).isInstanceOfSatisfying(VettidException.class,
        e -> assertThat(e.reason()).isEqualTo(FailureReason.HASH_MISMATCH));
    // someone replaces the object behind the vault's back: fetching and loading refuse it, nothing runs
    nc.objectStore(Subjects.FILES_OBJECT_STORE).put(TrustedResources.objectName(listed), evil);
    assertThatThrownBy(() -> resources.fetch(listed)).isInstanceOfSatisfying(VettidException.class,
        e -> assertThat(e.reason()).isEqualTo(FailureReason.HASH_MISMATCH));
    assertThatThrownBy(() -> resources.loadHandlers(listed)).isInstanceOfSatisfying(VettidException.class,
        e -> assertThat(e.getMessage()).contains("does not match"));
    assertThat(System.getProperty(MARKER)).as("no plugin code ran").isNull();

    resources.store(listed, good);
    assertThat(resources.fetch(listed)).isEqualTo(good);
    List<EventHandlerFactory> loaded = resources.loadHandlers(listed);
    assertThat(loaded).extracting(EventHandlerFactory::name).containsExactly("hello-plugin");
    assertThat(System.getProperty(MARKER)).isEqualTo("yes");

    TrustedResource missing = new TrustedResource("absent", "1.0.0", URI.create("file:///nowhere"),
        TrustedResource.sha256Hex(good));
    assertThatThrownBy(() -> resources.fetch(missing)).isInstanceOf(VettidException.class)
        .hasMessageContaining("not in the object store");
  }

  /**
   * Low item of the review: the jar was written to a temporary file after its check and loaded from
   * that file, which can change in between. Now the checked bytes are loaded from memory.
   */
  @Test
  void aPluginIsLoadedFromTheBytesThatWereCheckedWithNoFileInBetween() throws Exception {
    Connection nc = nats.connect();
    JetStreamLayout.builder().build().ensureVault(nc);
    TrustedResources resources = new TrustedResources(nc, null);
    byte[] good = pluginJar(null);
    TrustedResource listed = new TrustedResource("hello-plugin", "2.0.0",
        URI.create("https://plugins.example.org/hello-2.0.0.jar"), TrustedResource.sha256Hex(good));
    resources.store(listed, good);
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    java.util.function.Supplier<List<Path>> pluginFiles = () -> {
      try (java.util.stream.Stream<Path> l = Files.list(tmp)) {
        return l.filter(f -> f.getFileName().toString().startsWith("vettid-plugin-")).toList();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    };
    List<Path> before = pluginFiles.get();

    EventHandlerFactory loaded = resources.loadHandlers(listed).get(0);

    assertThat(pluginFiles.get()).as("no plugin file written").containsExactlyInAnyOrderElementsOf(before);
    java.security.CodeSource source = loaded.getClass().getProtectionDomain().getCodeSource();
    assertThat(source == null ? null : source.getLocation()).as("no code source on disk").isNull();
    assertThat(loaded.getClass().getClassLoader().getResource("META-INF/services/io.vettid.api.spi.EventHandlerFactory"))
        .isNotNull();
  }

  @Test
  void aBodyIsReadOnlyUpToItsLimitWhateverTheServerSends() throws Exception {
    long[] served = new long[1];
    java.io.InputStream endless = new java.io.InputStream() {
      @Override
      public int read() {
        served[0]++;
        return 0;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        served[0] += len;
        return len;
      }
    };
    byte[] read = VerifiedJarLoader.readAtMost(endless, 1 << 20);
    assertThat(read).hasSize((1 << 20) + 1);
    assertThat(served[0]).isEqualTo((1 << 20) + 1);
  }
}
