package io.vettid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's command-line walk-through exactly as written, with bash, from the
 * repository's root: an EventSpace server and two vaults registered on it (each with its own
 * loopback nats-server) connect through one invitation and exchange events both ways. Only the launcher's class path is set (to this build's), and the
 * temporary directory, so that whatever the walk-through leaves behind is found and stopped.
 */
class CliWalkthroughTest {
  @TempDir Path tmp;

  static Path repositoryRoot() {
    Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("README.md"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("README.md not found above " + System.getProperty("user.dir"));
    }
    return p;
  }

  /** The bash block after the {@code <!-- cli-walkthrough -->} marker. */
  static String walkthrough(Path root) throws IOException {
    String readme = Files.readString(root.resolve("README.md"), StandardCharsets.UTF_8);
    int marker = readme.indexOf("<!-- cli-walkthrough -->");
    assertThat(marker).as("the README marks its walk-through").isPositive();
    int start = readme.indexOf("```bash\n", marker) + "```bash\n".length();
    int end = readme.indexOf("```", start);
    return readme.substring(start, end);
  }

  @Test
  void theReadmeWalkthroughConnectsTwoVaultsThatExchangeEventsBothWays() throws Exception {
    Path root = repositoryRoot();
    String script = walkthrough(root);
    Path log = tmp.resolve("walkthrough.log");
    ProcessBuilder pb = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).directory(root.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("VETTID_CLASSPATH", System.getProperty("java.class.path"));
    pb.environment().put("TMPDIR", tmp.toString());
    pb.environment().remove("VETTID_HOME");
    Process p = pb.start();
    String out;
    try {
      boolean ended = p.waitFor(Duration.ofMinutes(6).toSeconds(), TimeUnit.SECONDS);
      out = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(ended).as("the walk-through ends within 6 minutes:\n" + out).isTrue();
      assertThat(p.exitValue()).as("the walk-through's exit code; its output:\n" + out).isZero();
    } finally {
      p.destroyForcibly();
      stopLeftovers();
    }

    assertThat(out).contains("vault Alice running at tls://127.0.0.1:", "vault Bob running at tls://127.0.0.1:");
    assertThat(out).containsPattern("quarantined chat\\.message +from Bob .*reason NO_MATCHING_RULE");
    assertThat(out).containsPattern("handled +chat\\.message +from Bob ");
    assertThat(out).containsPattern("handled +chat\\.message +from Alice ");
    assertThat(out).contains("replayed 1 (NO_MATCHING_RULE) to DataVault.Queue");
    // bob's accept prints it, alice's connections list shows it
    Matcher m = Pattern.compile("safety number:? ((?:\\d{5} ){11}\\d{5})").matcher(out);
    assertThat(m.find()).as("alice's safety number").isTrue();
    String alices = m.group(1);
    assertThat(m.find()).as("bob's safety number").isTrue();
    assertThat(m.group(1)).as("both sides compute the same safety number").isEqualTo(alices);
    // the owner reads what she received (events feed), over her control channel; no log holds it
    assertThat(out).contains("chat.message  from Bob (").contains("{\"text\":\"hello alice\"}")
        .as("bob's own message is not printed to alice").doesNotContain("hello bob\"}");
    try (Stream<Path> logs = Files.walk(tmp)) {
      for (Path l : logs.filter(f -> f.getFileName().toString().endsWith(".log")
          && !f.getFileName().toString().equals("walkthrough.log")).toList()) {
        assertThat(Files.readString(l)).as("the log %s holds no payload", l).doesNotContain("hello alice", "hello bob",
            "twenty characters");
      }
    }
    // the CEL rule placed before the broad one: a short message still goes to chat, a long one is held
    assertThat(out).containsPattern("[0-9]+\\. long-chat: no, its 'if' is false")
        .contains("handle by rule chat with handler chat", "hold by rule long-chat");
    assertThat(out).containsPattern("held +chat\\.message +from Bob ");
    assertThat(out).contains("the audit log is whole: ");
    assertThat(out).contains("vault stopped", "EventSpace server stopped");
    // the QR code 'invite --qr' drew reads back as the invitation bob accepted
    String invitation;
    try (Stream<Path> files = Files.walk(tmp)) {
      invitation = Files.readString(files.filter(f -> f.endsWith("invitation.txt")).findFirst().orElseThrow()).strip();
    }
    assertThat(invitation).startsWith("vettid:invite?");
    assertThat(QrCodesTest.decodeTerminal(VettidCommandsTest.qrBlock(out))).isEqualTo(invitation);
    assertThat(out).contains("registered on the EventSpace server", "(loopback only)", "connected to Alice");
  }

  /**
   * Kills vaults and EventSpace servers a failed walk-through left running (their pids are in
   * run/control.json and run/eventspace.json).
   */
  private void stopLeftovers() throws IOException {
    try (Stream<Path> files = Files.walk(tmp)) {
      List<Path> infos = files.filter(f -> f.endsWith(Path.of("run", "control.json"))
          || f.endsWith(Path.of("run", "eventspace.json"))).toList();
      for (Path info : infos) {
        long pid = VaultHome.JSON.readTree(Files.readAllBytes(info)).path("pid").asLong(-1);
        ProcessHandle.of(pid).ifPresent(h -> {
          h.descendants().forEach(ProcessHandle::destroyForcibly); // its nats-server
          h.destroyForcibly();
        });
      }
    }
  }
}
