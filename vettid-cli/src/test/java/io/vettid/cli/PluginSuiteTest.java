package io.vettid.cli;

import static io.vettid.cli.VettidCommandsTest.await;
import static io.vettid.cli.VettidCommandsTest.cli;
import static io.vettid.cli.VettidCommandsTest.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vettid.runtime.resources.Plugins;
import io.vettid.testkit.PluginJars;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #21, open suites: the samples' plugins, the Ed25519 signatures of {@code
 * samples/custom-key-algorithm} and the X25519 key wrap and suite of {@code samples/custom-suite}
 * (compiled here from the samples' own sources, each into its own jar), make the suite {@code
 * EXAMPLE-X25519-ED25519-V1} (id 200). Two CLI vaults made with {@code init --suite
 * EXAMPLE-X25519-ED25519-V1 --plugin ...} connect with it and exchange an event, also after a
 * restart. The invitation lists what its inviter accepts: a vault of another suite (carol, who
 * trusts the plugins too: she must read alice's Ed25519 identity) is told so before she sends
 * anything, connects with a suite the invitation lists when she chooses it, and with her own when
 * an invitation accepts it. A vault whose suite's plugin is gone does not start, and says why.
 */
class PluginSuiteTest {
  static final String SUITE = "EXAMPLE-X25519-ED25519-V1";

  @TempDir Path dir;

  /** A sample's main sources and services, compiled into a plugin jar. */
  private byte[] sampleJar(String sample) throws IOException {
    Path main = CliWalkthroughTest.repositoryRoot().resolve("samples").resolve(sample).resolve("src/main");
    Map<String, String> sources = new LinkedHashMap<>();
    try (Stream<Path> files = Files.walk(main.resolve("java"))) {
      for (Path f : files.filter(f -> f.toString().endsWith(".java") && !f.endsWith("module-info.java")).toList()) {
        sources.put(main.resolve("java").relativize(f).toString(), Files.readString(f));
      }
    }
    Map<String, String> services = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(main.resolve("resources/META-INF/services"))) {
      for (Path f : files.toList()) {
        services.put(f.getFileName().toString(), Files.readString(f).strip());
      }
    }
    return PluginJars.compile(dir.resolve("build-" + sample), sources, services, null);
  }

  @Test
  void twoVaultsOfAPluginSuiteConnectAndAnotherSuiteIsToldWhatTheInviterAccepts() throws Exception {
    byte[] ed25519 = sampleJar("custom-key-algorithm");
    byte[] x25519 = sampleJar("custom-suite");
    String trustEd = "example-ed25519:1.0.0:" + Plugins.sha256(ed25519);
    String trustX = "example-x25519:1.0.0:" + Plugins.sha256(x25519);
    Path pass = Files.writeString(dir.resolve("pass"), new String(VettidCommandsTest.PASS) + "\n");
    VaultHome alice = new VaultHome(dir.resolve("alice"));
    VaultHome bob = new VaultHome(dir.resolve("bob"));
    VaultHome carol = new VaultHome(dir.resolve("carol"));
    for (VaultHome h : List.of(alice, bob, carol)) {
      Path plugins = Files.createDirectories(h.dir.resolve("plugins"));
      Files.write(plugins.resolve("example-ed25519-1.0.0.jar"), ed25519);
      Files.write(plugins.resolve("example-x25519-1.0.0.jar"), x25519);
    }
    // a plugin given to init must be in plugins/ with the trusted bytes
    VaultHome dave = new VaultHome(dir.resolve("dave"));
    VettidCommandsTest.Run missing = cli(dave, "init", "--name", "Dave", "--age-over", "18", "--location", "Oslo area",
        "--suite", SUITE, "--plugin", trustX, "--passphrase-file", pass.toString());
    assertThat(missing.exit()).isEqualTo(VettidCli.USAGE);
    assertThat(missing.err()).contains("plugin example-x25519 1.0.0 did not load");
    assertThat(dave.initialized()).isFalse();
    // one plugin alone does not make the suite: its signature algorithm is the other's
    VettidCommandsTest.Run half = cli(carol, "init", "--name", "Carol", "--age-over", "18", "--location", "Oslo area",
        "--suite", SUITE, "--plugin", trustX, "--passphrase-file", pass.toString());
    assertThat(half.exit()).isEqualTo(VettidCli.USAGE);
    assertThat(half.err()).contains("names the signature algorithm EXAMPLE-Ed25519, which no built-in or trusted"
        + " plugin provides", "unknown suite " + SUITE);
    assertThat(carol.initialized()).isFalse();

    VettidCommandsTest.Run made = ok(alice, "init", "--name", "Alice", "--age-over", "18", "--location", "Berlin area",
        "--suite", SUITE, "--plugin", trustEd, "--plugin", trustX, "--passphrase-file", pass.toString());
    assertThat(made.err()).contains("suite " + SUITE + " (id 200, EXAMPLE-X25519-KEM and EXAMPLE-Ed25519) from a plugin",
        "Generating the identity key (EXAMPLE-Ed25519)");
    assertThat(ok(alice, "plugins", "list", "--passphrase-file", pass.toString()).out())
        .contains("example-x25519-1.0.0.jar  " + Plugins.sha256(x25519) + "  trusted as example-x25519 1.0.0",
            "key algorithms [EXAMPLE-X25519-KEM], suites [" + SUITE + " (id 200: EXAMPLE-X25519-KEM and"
                + " EXAMPLE-Ed25519)]", "key algorithms [EXAMPLE-Ed25519], suites []");
    ok(bob, "init", "--name", "Bob", "--age", "29", "--location", "Hamburg area", "--suite", SUITE,
        "--plugin", trustEd, "--plugin", trustX, "--passphrase-file", pass.toString());
    ok(carol, "init", "--name", "Carol", "--age-over", "18", "--location", "Oslo area",
        "--suite", "VETTID-MLKEM768-MLDSA65-V1", "--plugin", trustEd, "--plugin", trustX,
        "--passphrase-file", pass.toString());

    ByteArrayOutputStream aliceSaid = new ByteArrayOutputStream();
    ByteArrayOutputStream bobSaid = new ByteArrayOutputStream();
    VaultDaemon[] c = {null};
    try (VaultDaemon a = start(alice, aliceSaid)) {
      c[0] = start(carol, new ByteArrayOutputStream());
      assertThat(said(aliceSaid)).contains("plugin example-x25519 1.0.0 loaded", "suite " + SUITE + " (id 200");
      assertThat(ok(alice, "server", "status").out()).contains(SUITE);
      VaultDaemon b = start(bob, bobSaid);
      try {
        String invitation = ok(alice, "invite").out().strip();
        assertThat(invitation).contains("&u=200");
        assertThat(ok(bob, "accept", invitation).out()).contains("connected to Alice", "safety number");
        assertThat(ok(alice, "connections", "list").out()).contains("Bob", SUITE);
        ok(alice, "rules", "add", "--id", "chat", "--event-type", "chat.message", "--action", "handle",
            "--handler", "chat");
        ok(bob, "send", "Alice", "chat.message", "{\"text\":\"sealed with a plugin's suite\"}");
        await(() -> cli(alice, "events", "feed", "--type", "chat.message").out()
            .contains("sealed with a plugin's suite"), "alice opened bob's event of the plugin suite");

        // carol's suite is not one alice's invitation accepts: she is told before anything is sent
        String second = ok(alice, "invite").out().strip();
        VettidCommandsTest.Run refused = cli(carol, "accept", second);
        assertThat(refused.exit()).isEqualTo(VettidCli.PROBLEM);
        assertThat(refused.err()).contains("the inviter accepts the suites [" + SUITE + "] for this connection",
            "not VETTID-MLKEM768-MLDSA65-V1 (this vault's): choose one with --suite");
        VettidCommandsTest.Run unknown = cli(carol, "accept", "--suite", "EXAMPLE-NONE-V1", second);
        assertThat(unknown.exit()).isEqualTo(VettidCli.PROBLEM);
        assertThat(unknown.err()).contains("unknown suite EXAMPLE-NONE-V1; this vault knows [VETTID-RSA4096-V1");
        // she chooses the one the invitation lists (the invitation was not spent by the refusals)
        assertThat(ok(carol, "accept", "--suite", SUITE, second).out()).contains("connected to Alice");
        // an invitation of alice's that accepts carol's own suite too, for this one connection
        String forCarol = ok(alice, "invite", "--suite", SUITE, "--suite", "VETTID-MLKEM768-MLDSA65-V1").out().strip();
        assertThat(forCarol).contains("&u=200,2");
        assertThat(ok(carol, "accept", forCarol).out()).contains("connected to Alice");
        assertThat(ok(alice, "--json", "connections", "list").out()).contains("\"VETTID-MLKEM768-MLDSA65-V1\"");

        // the connection carol made with alice's plugin suite moves to carol's own suite at alice's
        // word (carol's vault accepts a migration to its own suite only), and carries events after
        String carols = connectionOf(alice, "Carol", SUITE);
        assertThat(ok(alice, "connections", "migrate", carols, "--suite", "VETTID-MLKEM768-MLDSA65-V1").out())
            .contains("moves from " + SUITE + " to VETTID-MLKEM768-MLDSA65-V1 once the peer answers");
        await(() -> connectionOf(alice, "Carol", SUITE) == null, "alice's connection with carol moved");
        com.fasterxml.jackson.databind.JsonNode moved = connection(alice, carols);
        assertThat(moved.path("suite").asText()).isEqualTo("VETTID-MLKEM768-MLDSA65-V1");
        assertThat(moved.hasNonNull("migratingTo")).isFalse();
        String safety = moved.path("safetyNumber").asText();
        await(() -> cli(carol, "--json", "connections", "list").out().contains(safety), "carol moved too, the same"
            + " safety number");
        ok(carol, "rules", "add", "--id", "chat", "--event-type", "chat.message", "--action", "handle",
            "--handler", "chat");
        ok(alice, "send", carols, "chat.message", "{\"text\":\"after the move\"}");
        await(() -> cli(carol, "events", "feed", "--type", "chat.message").out().contains("after the move"),
            "carol opened alice's event of the new suite");
        // the moved connection, and the keys of its previous suite, are back after carol's restart
        c[0].close();
        c[0] = start(carol, new ByteArrayOutputStream());
        assertThat(cli(carol, "--json", "connections", "list").out()).contains(safety);
        ok(alice, "send", carols, "chat.message", "{\"text\":\"after carol's restart\"}");
        await(() -> cli(carol, "events", "feed", "--type", "chat.message").out().contains("after carol's restart"),
            "carol opened alice's event after her restart");
        // bob's vault accepts its own suite only: alice's migration of his connection is refused, and
        // the connection stays as it was
        String bobs = connectionOf(alice, "Bob", SUITE);
        ok(alice, "connections", "migrate", bobs, "--suite", "VETTID-MLKEM768-MLDSA65-V1");
        await(() -> !connection(alice, bobs).hasNonNull("migratingTo"), "bob's refusal taken");
        assertThat(connection(alice, bobs).path("suite").asText()).isEqualTo(SUITE);
        VettidCommandsTest.Run unknownSuite = cli(alice, "connections", "migrate", bobs, "--suite", "EXAMPLE-NONE-V1");
        assertThat(unknownSuite.exit()).isEqualTo(VettidCli.PROBLEM);
        assertThat(unknownSuite.err()).contains("unknown suite EXAMPLE-NONE-V1");
      } finally {
        b.close();
      }
      c[0].close();
      c[0] = null;
      // bob's stored connection of the plugin suite comes back after a restart
      try (VaultDaemon again = start(bob, bobSaid)) {
        ok(bob, "send", "Alice", "chat.message", "{\"text\":\"again after a restart\"}");
        await(() -> cli(alice, "events", "feed", "--type", "chat.message").out().contains("again after a restart"),
            "alice opened bob's event after his restart");
      }
    } finally {
      if (c[0] != null) {
        c[0].close();
      }
    }
    // without the plugin that defines its suite, bob's vault does not start, and says why
    Files.delete(bob.dir.resolve("plugins/example-x25519-1.0.0.jar"));
    assertThatThrownBy(() -> start(bob, new ByteArrayOutputStream()))
        .hasMessageContaining("unknown suite " + SUITE + ": no trusted plugin in");
  }

  /** {@return a connection as the vault lists it} */
  private static com.fasterxml.jackson.databind.JsonNode connection(VaultHome home, String id) {
    try {
      for (com.fasterxml.jackson.databind.JsonNode c : cli(home, "--json", "connections", "list").json()
          .path("connections")) {
        if (c.path("id").asText().equals(id)) {
          return c;
        }
      }
      throw new IllegalStateException("no connection " + id);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@return the id of a connection of a vault with a peer in a suite, or null if there is none} */
  private static String connectionOf(VaultHome home, String peer, String suite) {
    try {
      for (com.fasterxml.jackson.databind.JsonNode c : cli(home, "--json", "connections", "list").json()
          .path("connections")) {
        if (c.path("peer").asText().equals(peer) && c.path("suite").asText().equals(suite)) {
          return c.path("id").asText();
        }
      }
      return null;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static VaultDaemon start(VaultHome home, ByteArrayOutputStream transcript) throws Exception {
    return VaultDaemon.start(home, VettidCommandsTest.PASS, new PrintStream(transcript, true, StandardCharsets.UTF_8));
  }

  private static String said(ByteArrayOutputStream t) {
    synchronized (t) {
      return t.toString(StandardCharsets.UTF_8);
    }
  }
}
