package io.vettid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StreamInfo;
import io.vettid.api.FailureReason;
import io.vettid.crypto.Suites;
import io.vettid.nats.subjects.Subjects;
import io.vettid.nats.tls.TlsMaterial;
import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.RuleEndpoints;
import io.vettid.runtime.client.VaultEndpoints;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The boundary of the owner's control service on a running vault: what its control user (whose
 * credentials lie in the vault's home) can and cannot do. It may only ask; answers go only into its
 * own inbox; it reads nothing of the vault's; its credentials expire and are renewed, and a vault
 * that died without revoking them revokes them when it starts again.
 */
class ControlBoundaryTest {
  static final char[] PASS = "a passphrase for tests".toCharArray();
  @TempDir static Path dir;
  static VaultHome home;
  static VaultDaemon vault;

  @BeforeAll
  static void aRunningVault() throws Exception {
    home = new VaultHome(dir.resolve("alice"));
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    VaultInit.run(home, "Alice", OptionalInt.empty(), OptionalInt.of(18), "Berlin area", Suites.MLKEM768_MLDSA65_V1,
        "127.0.0.1", 0, null, PASS, quiet);
    vault = VaultDaemon.start(home, PASS, quiet);
  }

  @AfterAll
  static void stop() {
    if (vault != null) {
      vault.close();
    }
  }

  static JsonNode info() throws Exception {
    return VaultHome.JSON.readTree(Files.readAllBytes(home.controlInfo()));
  }

  static Options.Builder asControlUser(Path creds, BlockingQueue<String> errors) throws Exception {
    JsonNode i = info();
    return new Options.Builder().server(i.path("url").asText()).sslContext(TlsMaterial.pinned(i.path("caPin").asText()))
        .authHandler(Nats.credentials(creds.toString())).connectionTimeout(Duration.ofSeconds(5)).maxReconnects(0)
        .errorListener(new ErrorListener() {
          @Override
          public void errorOccurred(Connection conn, String error) {
            errors.add(error.toLowerCase());
          }
        });
  }

  static long messages(Connection owner, String stream) throws Exception {
    return owner.jetStreamManagement().getStreamInfo(stream).getStreamState().getMsgCount();
  }

  static String claim(Path creds, String name) throws Exception {
    String text = Files.readString(creds);
    String jwt = text.substring(text.indexOf("-----BEGIN NATS USER JWT-----") + 30, text.indexOf("------END NATS USER JWT"))
        .strip();
    return VaultHome.JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1])).path(name).asText();
  }

  /**
   * Items 2 and 3 of the review: the control user aimed the answers at the vault's buckets and
   * streams (the control service answered with the owner's rights) and read every {@code _INBOX}
   * delivery of the owner's runtime.
   */
  @Test
  void theControlUserCanOnlyAskAndReadItsOwnAnswers() throws Exception {
    BlockingQueue<String> errors = new LinkedBlockingQueue<>();
    String inbox = info().path("inboxPrefix").asText();
    assertThat(inbox).startsWith("Manager.ControlInbox.");
    try (Connection control = Nats.connect(asControlUser(home.controlCreds(), errors).inboxPrefix(inbox).build())) {
      Connection owner = vault.runtime().connection();
      owner.keyValue("Vault").put("marker", "kept".getBytes(StandardCharsets.UTF_8));
      long records = messages(owner, "KV_EventHandlers");
      long vaultKeys = messages(owner, "KV_Vault");
      long queuedBefore = owner.jetStreamManagement().getStreamInfo(Subjects.DATA_VAULT_STREAM).getStreamState()
          .getLastSequence();
      List<String> aimed = List.of("$JS.API.STREAM.PURGE.KV_EventHandlers", "$JS.API.STREAM.PURGE.KV_Vault",
          "$JS.API.STREAM.PURGE." + Subjects.QUARANTINE_STREAM, "$KV.Vault.rules",
          Subjects.DATA_VAULT_QUEUE.value(), "_INBOX.elsewhere", Subjects.controlInbox("someone-else").value() + ".x");
      for (String reply : aimed) {
        control.publish(RuleEndpoints.LIST.subject(), reply, "{}".getBytes(StandardCharsets.UTF_8));
      }
      control.flush(Duration.ofSeconds(2));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (vault.runtime().counters().snapshot().quarantined().get(FailureReason.FOREIGN_REPLY) < aimed.size()
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Message answer = control.request(VaultEndpoints.STATUS.subject(), "{}".getBytes(StandardCharsets.UTF_8),
          Duration.ofSeconds(5));

      assertThat(answer).as("its own inbox is answered").isNotNull();
      assertThat(answer.getHeaders()).as("no service error").isNull();
      assertThat(VaultEndpoints.STATUS.decodeAnswer(answer.getData()).guid()).isEqualTo(info().path("guid").asText());
      assertThat(vault.runtime().counters().snapshot().quarantined().get(FailureReason.FOREIGN_REPLY))
          .isEqualTo(aimed.size());
      assertThat(messages(owner, "KV_EventHandlers")).isEqualTo(records);
      assertThat(messages(owner, "KV_Vault")).isEqualTo(vaultKeys);
      assertThat(new String(owner.keyValue("Vault").get("marker").getValue(), StandardCharsets.UTF_8)).isEqualTo("kept");
      assertThat(vault.runtime().rules().orElseThrow().text()).isEqualTo(VaultDaemon.DEFAULT_RULES);
      StreamInfo queue = owner.jetStreamManagement().getStreamInfo(Subjects.DATA_VAULT_STREAM);
      assertThat(queue.getStreamState().getLastSequence()).as("nothing injected into DataVault.Queue")
          .isEqualTo(queuedBefore);

      // and it reads nothing but its own inbox and the notices
      for (String subject : List.of("_INBOX.>", ">", Subjects.DATA_VAULT_QUEUE.value(), "$KV.>", "Feed.>",
          Subjects.AUDIT.value(), Subjects.controlInbox("someone-else").value() + ".>")) {
        control.subscribe(subject);
        control.flush(Duration.ofSeconds(2));
        String refusal = errors.poll(5, TimeUnit.SECONDS);
        assertThat(refusal).as("subscribing to %s", subject).isNotNull()
            .contains("permissions violation for subscription to \"" + subject.toLowerCase());
      }
      // nor the owner's feed (handled events, payloads included) through the JetStream API: only
      // the vault reads it, and shows it over the control service
      for (String api : List.of("$JS.API.STREAM.MSG.GET." + Subjects.FEED_STREAM,
          "$JS.API.DIRECT.GET." + Subjects.FEED_STREAM, "$JS.API.CONSUMER.CREATE." + Subjects.FEED_STREAM)) {
        control.publish(api, inbox + ".x", "{\"seq\":1}".getBytes(StandardCharsets.UTF_8));
        control.flush(Duration.ofSeconds(2));
        String refusal = errors.poll(5, TimeUnit.SECONDS);
        assertThat(refusal).as("asking %s", api).isNotNull()
            .contains("permissions violation for publish to \"" + api.toLowerCase());
      }
    }
  }

  /**
   * The control service is a NATS service: discovery through the control user's own inbox finds
   * it with every endpoint; a request that is not its endpoint's gets the standard error headers,
   * the whole message in the body, and nothing is done.
   */
  @Test
  void theControlServiceIsDiscoverableAndRefusesMalformedRequestsWithStandardErrors() throws Exception {
    BlockingQueue<String> errors = new LinkedBlockingQueue<>();
    try (Connection control = Nats.connect(asControlUser(home.controlCreds(), errors)
        .inboxPrefix(info().path("inboxPrefix").asText()).build())) {
      io.nats.service.Discovery discovery = new io.nats.service.Discovery(control, 2000, 1);
      List<io.nats.service.InfoResponse> infos = discovery.info(ControlEndpoint.SERVICE_NAME);
      assertThat(infos).hasSize(1);
      assertThat(infos.get(0).getEndpoints()).extracting(io.nats.service.Endpoint::getSubject)
          .containsExactlyInAnyOrderElementsOf(ControlEndpoint.all().stream().map(ControlEndpoint::subject).toList());
      long rules = messages(vault.runtime().connection(), "KV_Vault");

      Message unknownMember = control.request(RuleEndpoints.ADD.subject(),
          "{\"rule\": {\"id\": \"x\", \"action\": \"handle\"}, \"extra\": 1}".getBytes(StandardCharsets.UTF_8),
          Duration.ofSeconds(5));
      Message notJson = control.request(RuleEndpoints.ADD.subject(), "{not json".getBytes(StandardCharsets.UTF_8),
          Duration.ofSeconds(5));
      Message noId = control.request(RuleEndpoints.ADD.subject(), "{\"rule\": {}}".getBytes(StandardCharsets.UTF_8),
          Duration.ofSeconds(5));

      for (Message m : List.of(unknownMember, notJson, noId)) {
        assertThat(m.getHeaders().getFirst(io.nats.service.ServiceMessage.NATS_SERVICE_ERROR_CODE)).isEqualTo("400");
        assertThat(m.getHeaders().getFirst(io.nats.service.ServiceMessage.NATS_SERVICE_ERROR)).startsWith("not a rules.add");
        assertThat(VaultHome.JSON.readTree(m.getData()).path("error").asText()).startsWith("not a rules.add");
      }
      assertThat(VaultHome.JSON.readTree(noId.getData()).path("error").asText()).contains("'id'");
      assertThat(messages(vault.runtime().connection(), "KV_Vault")).as("no rule written").isEqualTo(rules);
      assertThat(vault.runtime().rules().orElseThrow().text()).isEqualTo(VaultDaemon.DEFAULT_RULES);
      assertThat(errors).isEmpty();
    }
  }

  /** Item 5: the control user's JWT had no expiry; now it lives an hour and is renewed while the vault runs. */
  @Test
  void theControlCredentialsExpireAndAreRenewedWithTheSameKey() throws Exception {
    String key = claim(home.controlCreds(), "sub");
    long iat = Long.parseLong(claim(home.controlCreds(), "iat"));
    long exp = Long.parseLong(claim(home.controlCreds(), "exp"));
    assertThat(exp - iat).isEqualTo(ControlUsers.VALIDITY.toSeconds());
    assertThat(Files.getPosixFilePermissions(home.controlCreds())).containsExactlyInAnyOrder(
        java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);

    Thread.sleep(1100); // a second later, so the new JWT is issued later
    vault.renewControlUser();

    assertThat(claim(home.controlCreds(), "sub")).isEqualTo(key);
    assertThat(Long.parseLong(claim(home.controlCreds(), "exp"))).isGreaterThan(exp);
    assertThat(Files.getPosixFilePermissions(home.controlCreds())).hasSize(2);
    BlockingQueue<String> errors = new LinkedBlockingQueue<>();
    try (Connection control = Nats.connect(asControlUser(home.controlCreds(), errors)
        .inboxPrefix(info().path("inboxPrefix").asText()).build())) {
      assertThat(control.request(VaultEndpoints.STATUS.subject(), "{}".getBytes(StandardCharsets.UTF_8),
          Duration.ofSeconds(5))).isNotNull();
    }
  }

  /**
   * Item 5: a vault that dies without closing (here the vault process and its nats-server are
   * killed with SIGKILL) leaves its control credentials in its home; the next start revokes them.
   */
  @Test
  void aCrashedVaultsControlCredentialsAreRefusedAfterItStartsAgain() throws Exception {
    VaultHome crashy = new VaultHome(dir.resolve("crashy"));
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    VaultInit.run(crashy, "Crashy", OptionalInt.empty(), OptionalInt.of(18), "Berlin area", Suites.MLKEM768_MLDSA65_V1,
        "127.0.0.1", 0, null, PASS, quiet);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        VettidCli.class.getName(), "--home", crashy.dir.toString(), "server", "start").redirectErrorStream(true)
        .redirectOutput(dir.resolve("crashy.log").toFile());
    pb.environment().put("VETTID_PASSPHRASE", new String(PASS));
    Process child = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.isRegularFile(crashy.controlInfo()) && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(crashy.controlInfo()).as("the vault runs; log: %s", dir.resolve("crashy.log")).isRegularFile();
    Path stolen = dir.resolve("stolen.creds");
    Files.copy(crashy.controlCreds(), stolen);
    JsonNode runInfo = VaultHome.JSON.readTree(Files.readAllBytes(crashy.controlInfo()));
    List<ProcessHandle> all = new java.util.ArrayList<>(child.descendants().toList());
    child.destroyForcibly(); // SIGKILL: no close, no revocation
    child.waitFor(30, TimeUnit.SECONDS);
    all.forEach(ProcessHandle::destroyForcibly); // its nats-server too, as when the machine goes down
    for (ProcessHandle p : all) {
      p.onExit().get(30, TimeUnit.SECONDS);
    }
    assertThat(Files.exists(crashy.controlCreds())).as("the credentials stayed behind").isTrue();
    // issue #20: the crashed vault's secret and store key replaced before it starts again (a vault
    // without an EventSpace server: all four accounts on its own server, the deposits' too); what it
    // saved (its accounts, sealed) comes through, so the earlier run's credentials are still revoked
    VaultRekey.Result rekeyed = VaultRekey.rekey(crashy, PASS, quiet);
    assertThat(rekeyed.store()).isEqualTo("nats.1");
    assertThat(rekeyed.streams()).anyMatch(s -> s.startsWith("vault-") && s.endsWith("/KV_Connections"));
    assertThat(rekeyed.resealed()).isPositive();

    VaultDaemon again = VaultDaemon.start(crashy, PASS, quiet);
    try {
      Options stolenUser = new Options.Builder().server(runInfo.path("url").asText())
          .sslContext(TlsMaterial.pinned(runInfo.path("caPin").asText())).authHandler(Nats.credentials(stolen.toString()))
          .connectionTimeout(Duration.ofSeconds(3)).maxReconnects(0).noReconnect()
          .errorListener(new ErrorListener() { }).build();
      assertThatThrownBy(() -> Nats.connect(stolenUser).close()).hasMessageContaining("Authorization Violation");
      BlockingQueue<String> errors = new LinkedBlockingQueue<>();
      JsonNode fresh = VaultHome.JSON.readTree(Files.readAllBytes(crashy.controlInfo()));
      try (Connection control = Nats.connect(new Options.Builder().server(fresh.path("url").asText())
          .sslContext(TlsMaterial.pinned(fresh.path("caPin").asText()))
          .authHandler(Nats.credentials(crashy.controlCreds().toString()))
          .inboxPrefix(fresh.path("inboxPrefix").asText()).connectionTimeout(Duration.ofSeconds(5)).build())) {
        assertThat(control.request(VaultEndpoints.STATUS.subject(), "{}".getBytes(StandardCharsets.UTF_8),
            Duration.ofSeconds(5))).isNotNull();
      }
      assertThat(errors).isEmpty();
    } finally {
      again.close();
    }
  }
}
