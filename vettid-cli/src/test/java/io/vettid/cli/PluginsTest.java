package io.vettid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventType;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.crypto.Suites;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.resources.Plugins;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #21: plugins in a CLI vault. A jar in {@code <home>/plugins/} whose SHA-256 the owner
 * trusted ({@code vettid plugins trust}, kept in vault.sealed) loads at start in a class loader
 * that sees vettid-api only, and its handler runs in the daemon; a tampered jar (the trusted name,
 * other bytes) and an untrusted one are refused with a clear message and never run, and the vault
 * starts anyway.
 */
class PluginsTest {
  static final char[] PASS = "a passphrase for plugins".toCharArray();
  static final String RAN = "vettid.test.plugins.ran";
  static final String SEES_RUNTIME = "vettid.test.plugins.seesRuntime";
  static final String EVIL_RAN = "vettid.test.plugins.evilRan";

  @TempDir Path dir;

  /** A handler plugin for poll.vote, compiled here: it records that it ran and what its loader sees. */
  private byte[] pluginJar(String name, String property, String extraEntry) throws Exception {
    String source = """
        package plugin%1$s;
        import io.vettid.api.EventType;
        import io.vettid.api.spi.*;
        import java.util.Set;
        public final class PollFactory implements EventHandlerFactory {
          static {
            boolean sees;
            try {
              Class.forName("io.vettid.runtime.VettIdRuntime", false, PollFactory.class.getClassLoader());
              sees = true;
            } catch (ClassNotFoundException e) {
              sees = false;
            }
            System.setProperty("%3$s", Boolean.toString(sees));
          }
          public String name() { return "%1$s"; }
          public Set<EventType> eventTypes() { return Set.of(EventType.of("poll.vote")); }
          public EventHandler create(EventHandlerContext ctx) {
            return e -> { System.setProperty("%2$s", e.eventId().value()); ctx.finish(); };
          }
        }
        """.formatted(name, property, SEES_RUNTIME);
    return io.vettid.testkit.PluginJars.compile(dir.resolve("plugin-" + name + (extraEntry == null ? "" : "-x")),
        java.util.Map.of("plugin" + name + "/PollFactory.java", source),
        java.util.Map.of("io.vettid.api.spi.EventHandlerFactory", "plugin" + name + ".PollFactory"), extraEntry);
  }

  @Test
  void aTrustedPluginsHandlerRunsAndATamperedOrUntrustedJarIsRefusedWhileTheVaultStarts() throws Exception {
    VaultHome home = new VaultHome(dir.resolve("alice"));
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    VaultInit.run(home, "Alice", OptionalInt.empty(), OptionalInt.of(18), "Berlin area", Suites.MLKEM768_MLDSA65_V1,
        "127.0.0.1", 0, null, PASS, quiet);
    Path pass = Files.writeString(dir.resolve("pass"), new String(PASS) + "\n");
    Path plugins = Files.createDirectories(home.dir.resolve("plugins"));

    byte[] poll = pluginJar("poll", RAN, null);
    byte[] other = pluginJar("other", EVIL_RAN, null);
    byte[] tampered = pluginJar("other", EVIL_RAN, "evil.txt"); // the same code, other bytes
    Files.write(plugins.resolve("poll-1.0.0.jar"), poll);
    Files.write(plugins.resolve("other-2.0.0.jar"), tampered);
    Files.write(plugins.resolve("stranger.jar"), pluginJar("stranger", EVIL_RAN, null));

    VettidCommandsTest.Run trusted = VettidCommandsTest.cli(home, "plugins", "trust",
        "poll:1.0.0:" + Plugins.sha256(poll), "--passphrase-file", pass.toString());
    assertThat(trusted.exit()).as(trusted.err()).isZero();
    assertThat(trusted.out()).contains("trusted poll 1.0.0");
    VettidCommandsTest.ok(home, "plugins", "trust", "other:2.0.0:" + Plugins.sha256(other),
        "--passphrase-file", pass.toString());
    VettidCommandsTest.Run bad = VettidCommandsTest.cli(home, "plugins", "trust", "poll:1.0.0:not-a-hash",
        "--passphrase-file", pass.toString());
    assertThat(bad.exit()).isEqualTo(VettidCli.USAGE);
    assertThat(bad.err()).contains("NAME:VERSION:SHA256");
    String listed = VettidCommandsTest.ok(home, "plugins", "list", "--passphrase-file", pass.toString()).out();
    assertThat(listed).contains("poll-1.0.0.jar  " + Plugins.sha256(poll) + "  trusted as poll 1.0.0",
        "other-2.0.0.jar  " + Plugins.sha256(tampered) + "  NOT trusted", "stranger.jar");

    ByteArrayOutputStream transcript = new ByteArrayOutputStream();
    try (VaultDaemon vault = VaultDaemon.start(home, PASS, new PrintStream(transcript, true, StandardCharsets.UTF_8))) {
      String said = transcript.toString(StandardCharsets.UTF_8);
      assertThat(said).contains("plugin poll 1.0.0 loaded: handlers [poll]");
      assertThat(said).contains("plugin other-2.0.0.jar refused: it is not the trusted other 2.0.0 (its SHA-256 is "
          + Plugins.sha256(tampered));
      assertThat(said).contains("plugin stranger.jar refused: its SHA-256 ", "is not trusted");
      assertThat(System.getProperty(SEES_RUNTIME)).as("the plugin's loader does not see the runtime")
          .isEqualTo("false");
      assertThat(VettidCommandsTest.ok(home, "server", "status").out()).contains("Alice");

      // the plugin's handler runs in the daemon, where the owner's rule sends poll.vote
      VettidCommandsTest.ok(home, "rules", "add", "--id", "polls", "--event-type", "poll.vote", "--action", "handle",
          "--handler", "poll");
      InternalEvent vote = InternalEvent.builder().type(EventType.of("poll.vote")).connectionId(ConnectionId.of("app-x"))
          .payload(JsonNodeFactory.instance.objectNode().put("choice", "b")).build();
      vault.runtime().connection().jetStream().publish(Subjects.DATA_VAULT_QUEUE.value(),
          new Headers().put("Nats-Msg-Id", "vote-1"), InternalEventCodec.encode(vote));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!vote.eventId().value().equals(System.getProperty(RAN)) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(System.getProperty(RAN)).as("the trusted plugin's handler ran").isEqualTo(vote.eventId().value());
      assertThat(System.getProperty(EVIL_RAN)).as("no refused jar ran, not even a static initializer").isNull();
    }
  }
}
