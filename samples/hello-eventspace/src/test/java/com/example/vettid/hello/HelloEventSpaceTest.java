package com.example.vettid.hello;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.EventId;
import io.vettid.cli.VettidCli;
import io.vettid.runtime.client.AcceptanceEndpoints;
import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.EventSpaceEndpoints;
import io.vettid.runtime.client.InvitationEndpoints;
import io.vettid.runtime.client.RuleEndpoints;
import io.vettid.runtime.client.VaultClient;
import io.vettid.runtime.client.VaultClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two vaults made and started with the {@code vettid} command line (each on its own nats-server),
 * connected through an invitation asked of the running vaults; then the sample sends a message
 * and Bob's vault handles it.
 */
class HelloEventSpaceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  static Path alice;
  static Path bob;

  static void vettid(String... args) {
    assertThat(VettidCli.run(args)).as("vettid " + String.join(" ", args)).isZero();
  }

  static <Q, R> R ask(Path home, ControlEndpoint<Q, R> endpoint, Q request) throws Exception {
    try (VaultClient vault = VaultClient.open(home)) {
      return vault.call(endpoint, request, Duration.ofMinutes(2), null);
    }
  }

  @BeforeAll
  static void twoConnectedVaults() throws Exception {
    Path pass = Files.writeString(dir.resolve("passphrase"), "a passphrase for the sample\n");
    alice = dir.resolve("alice");
    bob = dir.resolve("bob");
    String suite = "VETTID-MLKEM768-MLDSA65-V1"; // quick keys for a test; the default is RSA-4096
    vettid("--home", alice.toString(), "init", "--name", "Alice", "--age-over", "18", "--location", "Berlin area", "--suite", suite,
        "--passphrase-file", pass.toString());
    vettid("--home", bob.toString(), "init", "--name", "Bob", "--age-over", "18", "--location", "Hamburg area", "--suite", suite,
        "--passphrase-file", pass.toString());
    vettid("--home", alice.toString(), "server", "start", "--detach", "--passphrase-file", pass.toString());
    vettid("--home", bob.toString(), "server", "start", "--detach", "--passphrase-file", pass.toString());
    for (Path home : List.of(alice, bob)) {
      // every vault has the EventSpace home from its first start
      assertThat(ask(home, EventSpaceEndpoints.LIST, new ControlEndpoint.None()).eventSpaces())
          .contains("home");
    }
    String uri = ask(alice, InvitationEndpoints.CREATE, new InvitationEndpoints.Create(null, false, 0)).uri();
    // bob's vault delivers its acceptance to alice's server with the invitation's bootstrap user, and
    // alice's confirmation comes back to bob's: one request connects both sides
    AcceptanceEndpoints.Started started = ask(bob, AcceptanceEndpoints.START, new AcceptanceEndpoints.Start(uri, null));
    assertThat(started.delivered()).as("delivered over NATS").isTrue();
    assertThat(started.connected()).as("connected while the request waited").isNotNull();
    ObjectNode rule = JSON.createObjectNode().put("id", "chat").put("eventType", "chat.message").put("action", "handle")
        .put("handler", "chat");
    ask(bob, RuleEndpoints.ADD, new RuleEndpoints.Add(rule));
  }

  @AfterAll
  static void stopBoth() throws Exception {
    for (Path home : List.of(alice, bob)) {
      if (home != null && VettidCli.run("--home", home.toString(), "server", "stop") != 0) {
        Path info = home.resolve("run/control.json");
        if (Files.exists(info)) {
          ProcessHandle.of(JSON.readTree(Files.readAllBytes(info)).path("pid").asLong()).ifPresent(h -> {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
          });
        }
      }
    }
  }

  @Test
  void aMessageSentThroughTheVaultIsHandledInThePeersEventSpace() throws Exception {
    List<JsonNode> atBob = new CopyOnWriteArrayList<>();
    try (VaultClient bobVault = VaultClient.open(bob); AutoCloseable follow = bobVault.onEvent(atBob::add)) {
      EventId id = HelloEventSpace.send(alice, "Bob", "hello from a program");

      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (atBob.stream().noneMatch(n -> n.path("eventId").asText().equals(id.value()))
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      JsonNode notice = atBob.stream().filter(n -> n.path("eventId").asText().equals(id.value())).findFirst()
          .orElseThrow(() -> new AssertionError("bob's vault did not settle " + id + "; it saw " + atBob));
      assertThat(notice.path("outcome").asText()).isEqualTo("handled");
      assertThat(notice.path("type").asText()).isEqualTo("chat.message");
      assertThat(notice.path("peer").asText()).isEqualTo("Alice");
      assertThat(notice.toString()).as("notices carry no payload").doesNotContain("hello from a program");
    }
  }

  @Test
  void aConnectionThatDoesNotExistIsAClearRefusal() {
    assertThatThrownBy(() -> HelloEventSpace.send(alice, "Mallory", "hi"))
        .isInstanceOf(VaultClientException.class).hasMessageContaining("no connection 'Mallory'")
        .satisfies(e -> assertThat(((VaultClientException) e).exitCode()).isEqualTo(VaultClientException.REFUSED))
        .satisfies(e -> assertThat(((VaultClientException) e).serviceCode()).as("the vault's own code")
            .isEqualTo(io.vettid.runtime.client.ControlEndpoint.NOT_FOUND));
    assertThatThrownBy(() -> HelloEventSpace.send(dir.resolve("nobody"), "Bob", "hi"))
        .isInstanceOf(VaultClientException.class).hasMessageContaining("no vault at")
        .satisfies(e -> assertThat(((VaultClientException) e).serviceCode()).as("no vault answered").isZero());
  }
}
