package io.vettid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.vettid.crypto.Suites;
import io.vettid.runtime.eventspace.EventSpaceServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's other commands against two running vaults (in this JVM, each with its own
 * nats-server on loopback), both registered with one EventSpace server (a third nats-server) where
 * their EventSpaces, their peers' users and their deposits are: holding and approving, denying,
 * key rotation (the peer's new user issued with the vault's account key, the old one revoked
 * through the Concierge), a restart that restores the connection and the external accounts,
 * revocation (refused by the EventSpace server at once), and the errors and exit codes a user
 * meets. A post-quantum suite keeps key generation quick; the README walk-through runs the
 * RSA-4096 default.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VettidCommandsTest {
  static final char[] PASS = "a passphrase for tests".toCharArray();
  @TempDir static Path dir;
  static VaultHome alice;
  static VaultHome bob;
  static VaultDaemon aliceVault;
  static VaultDaemon bobVault;
  static EventSpaceServer eventSpaceServer;
  /** An invitation alice made before her restart (@Order(4)). */
  static String keptInvitation;
  /** Alice's identity keyID after her rotation (@Order(4)). */
  static volatile String aliceIdentity;
  static final ByteArrayOutputStream aliceTranscript = new ByteArrayOutputStream();
  static final ByteArrayOutputStream bobTranscript = new ByteArrayOutputStream();

  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return VaultHome.JSON.readTree(out);
    }
  }

  static synchronized Run cli(VaultHome home, String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      String[] all = new String[args.length + 2];
      all[0] = "--home";
      all[1] = home.dir.toString();
      System.arraycopy(args, 0, all, 2, args.length);
      int exit = VettidCli.commandLine().execute(all);
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  static Run ok(VaultHome home, String... args) {
    Run r = cli(home, args);
    assertThat(r.exit()).as(String.join(" ", args) + " -> " + r.err()).isZero();
    return r;
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(condition.getAsBoolean()).as(what).isTrue();
  }

  /** Whether the server a vault's peers reach it at refuses a user at connect time. */
  static boolean refusedAt(VaultDaemon vault, io.vettid.nats.auth.UserCredentials user) {
    try {
      io.nats.client.Options o = new io.nats.client.Options.Builder().server(vault.publicAddress().url())
          .sslContext(vault.publicAddress().sslContext()).authHandler(user.authHandler()).noReconnect()
          .connectionTimeout(Duration.ofSeconds(2)).errorListener(new io.nats.client.ErrorListener() { }).build();
      io.nats.client.Nats.connect(o).close();
      return false;
    } catch (Exception e) {
      return String.valueOf(e.getMessage()).contains("Authorization Violation");
    }
  }

  static String transcript(ByteArrayOutputStream t) {
    synchronized (t) {
      return t.toString(StandardCharsets.UTF_8);
    }
  }

  static VaultDaemon start(VaultHome home, ByteArrayOutputStream transcript) throws Exception {
    return VaultDaemon.start(home, PASS, new PrintStream(transcript, true, StandardCharsets.UTF_8));
  }

  @BeforeAll
  static void twoConnectedVaults() throws Exception {
    alice = new VaultHome(dir.resolve("alice"));
    bob = new VaultHome(dir.resolve("bob"));
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    byte[] secret = new byte[32];
    new java.security.SecureRandom().nextBytes(secret);
    eventSpaceServer = EventSpaceServer.builder(dir.resolve("eventspace"), secret).start();
    VaultInit.run(alice, "Alice", OptionalInt.empty(), OptionalInt.of(18), "Berlin area", Suites.MLKEM768_MLDSA65_V1,
        "127.0.0.1", 0, registration(eventSpaceServer), PASS, quiet);
    VaultInit.run(bob, "Bob", OptionalInt.of(29), OptionalInt.empty(), "Hamburg area", Suites.MLKEM768_MLDSA65_V1, "127.0.0.1",
        0, registration(eventSpaceServer), PASS, quiet);
    // alice serves her metrics for Prometheus (issue #21): server start --metrics 127.0.0.1:0
    aliceVault = VaultDaemon.start(alice, PASS, new PrintStream(aliceTranscript, true, StandardCharsets.UTF_8),
        "127.0.0.1:0");
    bobVault = start(bob, bobTranscript);
    // issue #26: every vault has an EventSpace from its first start: home
    assertThat(ok(alice, "eventspace", "list").out()).contains("home");
    assertThat(cli(bob, "eventspace", "create", "home").err()).contains("exists already");
    // the acceptance goes to alice's EventSpace server with the invitation's bootstrap user, and her
    // confirmation comes back to bob's: one command connects both sides
    String invitation = ok(alice, "invite").out().strip();
    assertThat(ok(bob, "accept", invitation).out()).contains("connected to Alice", "safety number");
    ok(alice, "rules", "add", "--id", "chat", "--event-type", "chat.message", "--action", "handle", "--handler", "chat");
    ok(bob, "rules", "add", "--id", "chat", "--event-type", "chat.message", "--action", "handle", "--handler", "chat");
  }

  /** A registration with an EventSpace server, with a token its Concierge issued. */
  static VaultInit.Registration registration(EventSpaceServer es) throws Exception {
    return new VaultInit.Registration(es.address(), es.concierge().issueToken(Duration.ofMinutes(10)));
  }

  @AfterAll
  static void stop() {
    if (aliceVault != null) {
      aliceVault.close();
    }
    if (bobVault != null) {
      bobVault.close();
    }
    if (eventSpaceServer != null) {
      eventSpaceServer.close();
    }
  }

  @Test
  @Order(1)
  void theSecretsAreSealedAndTheRunFilesAreTheOwnersOnly() throws Exception {
    String sealed = new String(Files.readAllBytes(alice.sealedFile()), StandardCharsets.ISO_8859_1);
    JsonNode secrets = alice.readSecrets(PASS);
    assertThat(secrets.has("owner")).as("issue #20: no user without expiry is made at init").isFalse();
    assertThat(sealed).startsWith("VSB1")
        .doesNotContain(secrets.path("vaultSecret").asText())
        .doesNotContain(secrets.path("operator").path("seed").asText());
    assertThat(Files.getPosixFilePermissions(alice.sealedFile())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(alice.controlCreds()))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.readString(alice.configFile())).doesNotContain("seed", "private", "vaultSecret");
    assertThatThrownBy(() -> VaultDaemon.start(alice, "not the passphrase".toCharArray(), System.out))
        .isInstanceOf(GeneralSecurityException.class);
    // issue #20: the control user is signed by a signing key of the vault's account, not by the account's own key
    String creds = Files.readString(alice.controlCreds());
    String jwt = creds.substring(creds.indexOf("-----BEGIN NATS USER JWT-----") + 30).strip().split("\\s")[0];
    JsonNode claims = VaultHome.JSON.readTree(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
    String account = claims.at("/nats/issuer_account").asText();
    assertThat(account).as("issued for the vault's account").startsWith("A");
    assertThat(claims.path("iss").asText()).as("signed by a signing key").startsWith("A").isNotEqualTo(account);
    // and so are the users of the external accounts on the EventSpace server, whose Concierge lists
    // the keys alice made: the user bob deposits with there is signed by one (and the server takes it)
    java.util.List<String> external = aliceVault.eventSpaceAccount().signingKeys();
    assertThat(external).hasSize(1);
    String peerJwt = bobVault.connections().link(bobVault.connections().list().get(0)).peerCredentials()
        .orElseThrow().jwt();
    JsonNode peer = VaultHome.JSON.readTree(java.util.Base64.getUrlDecoder().decode(peerJwt.split("\\.")[1]));
    assertThat(peer.path("iss").asText()).isEqualTo(external.get(0));
    assertThat(peer.at("/nats/issuer_account").asText()).isEqualTo(aliceVault.eventSpaceAccount().publicKey());
  }

  @Test
  @Order(2)
  void aHeldEventWaitsInTheInboxUntilApprovedAndADeniedOneIsQuarantined() throws Exception {
    ok(alice, "rules", "add", "{\"id\":\"chat\",\"eventType\":\"chat.message\",\"action\":\"hold\"}");
    assertThat(decision(ok(alice, "rules", "test", "chat.message", "--from", "Bob"))).startsWith("hold by rule chat");
    ok(bob, "send", "Alice", "chat.message", "{\"text\":\"keep me\"}");
    ok(bob, "send", "Alice", "chat.message", "{\"text\":\"not me\"}");
    await(() -> cli(alice, "--json", "inbox", "list").out().split("\"id\"").length == 3, "two held events");
    JsonNode held = cli(alice, "--json", "inbox", "list").json().path("held");
    assertThat(held).hasSize(2);
    assertThat(ok(alice, "inbox").out()).contains("chat.message from Bob", "(rule chat");

    ok(alice, "inbox", "approve", held.get(0).path("id").asText());
    ok(alice, "inbox", "deny", held.get(1).path("id").asText());
    await(() -> transcript(aliceTranscript).matches("(?s).*handled +chat\\.message +from Bob.*"), "approved, handled");
    await(() -> cli(alice, "quarantine", "list").out().contains("DENIED_BY_OWNER"), "denied, quarantined");
    assertThat(ok(alice, "inbox").out()).contains("nothing waits");
    Run again = cli(alice, "inbox", "approve", held.get(0).path("id").asText());
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("no held event");
    ok(alice, "rules", "add", "--id", "chat", "--event-type", "chat.message", "--action", "handle", "--handler", "chat");
  }

  @Test
  @Order(3)
  void aRotatedKeyGetsANewKeyIdAndEventsKeepFlowing() throws Exception {
    String before = cli(alice, "--json", "keys", "list").json().path("connections").get(0).path("wrapping").asText();
    // issue #26: the rotation takes its keys from the daemon's warm pools (filled since the start)
    io.vettid.crypto.pool.KeyPools pools = (io.vettid.crypto.pool.KeyPools) aliceVault.keys();
    io.vettid.crypto.pool.KeyPool wrapPool = pools.pool(Suites.MLKEM768_MLDSA65_V1.wrap().name()).orElseThrow();
    io.vettid.crypto.pool.KeyPool signPool = pools.pool(Suites.MLKEM768_MLDSA65_V1.signature().name()).orElseThrow();
    await(() -> wrapPool.ready() == VaultDaemon.KEY_POOL_TARGET && signPool.ready() == VaultDaemon.KEY_POOL_TARGET,
        "alice's key pools are warm");
    long wrapHits = wrapPool.hits();
    long signHits = signPool.hits();
    Run rotated = ok(alice, "keys", "rotate", "Bob");
    assertThat(wrapPool.hits()).as("the new wrapping key came from the pool").isEqualTo(wrapHits + 1);
    assertThat(signPool.hits()).as("the new signing key came from the pool").isEqualTo(signHits + 1);
    String after = cli(alice, "--json", "keys", "list").json().path("connections").get(0).path("wrapping").asText();
    assertThat(after).isNotEqualTo(before).startsWith("mlkem768-");
    assertThat(rotated.out()).contains(after);
    await(() -> transcript(aliceTranscript).contains("connection.rotate.ack"), "bob acknowledged the rotation");
    String id = cli(bob, "--json", "send", "Alice", "chat.message", "{\"text\":\"after\"}").json().path("eventId")
        .asText();
    await(() -> transcript(aliceTranscript).matches("(?s).*handled +chat\\.message +from Bob .*event " + id + ".*"),
        "a message sealed to the new key is handled");
    assertThat(ok(alice, "connections", "list").out()).contains("Bob", "safety number");

    // what curl 127.0.0.1:PORT/metrics shows of alice's running vault: counters and the latency histogram
    String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create(aliceVault.metrics().orElseThrow().url())).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    java.util.regex.Matcher handled = java.util.regex.Pattern.compile("vettid_events_total\\{outcome=\"handled\"} ([0-9.]+)")
        .matcher(metrics);
    assertThat(handled.find()).as(metrics).isTrue();
    assertThat(Double.parseDouble(handled.group(1))).isGreaterThanOrEqualTo(1);
    assertThat(metrics).contains("vettid_event_latency_seconds_bucket{le=", "vettid_events_quarantined_total{reason=");
  }

  /**
   * Issue #26: the owner reads the content of a chat message her vault handled (events show, feed,
   * tail --payload), only over her control channel: it is in no log, and the store keeps it sealed;
   * deleted, it is gone.
   */
  @Test
  @Order(3)
  void theOwnerReadsAMessageSheReceivedAndDeletesItForReal() throws Exception {
    String id = cli(bob, "--json", "send", "Alice", "chat.message", "{\"text\":\"for your eyes\"}").json()
        .path("eventId").asText();
    await(() -> transcript(aliceTranscript).matches("(?s).*handled +chat\\.message +from Bob .*event " + id + ".*"),
        "alice's vault handled it");
    Run shown = ok(alice, "events", "show", id);
    assertThat(shown.out()).contains("chat.message  from Bob (", "event " + id, "{\"text\":\"for your eyes\"}");
    assertThat(ok(alice, "events", "feed", "--type", "chat.message", "--from", "Bob", "--last", "100").out())
        .contains("{\"text\":\"for your eyes\"}");
    assertThat(ok(alice, "events", "feed", "--since", "2999-01-01T00:00:00Z").out())
        .contains("(no handled event matches)");
    Run tail = ok(alice, "events", "tail", "--payload", "--last", "1000", "--type", "chat.message", "--timeout", "2s");
    assertThat(tail.out()).containsPattern("event " + id + " [^\\n]*\\n    \\{\"text\":\"for your eyes\"}");
    assertThat(transcript(aliceTranscript)).as("the vault's log").doesNotContain("for your eyes");

    io.nats.client.JetStreamManagement jsm = aliceVault.runtime().connection().jetStreamManagement();
    var state = jsm.getStreamInfo(io.vettid.nats.subjects.Subjects.FEED_STREAM).getStreamState();
    assertThat(state.getMsgCount()).isPositive();
    for (long seq = state.getFirstSequence(); seq <= state.getLastSequence(); seq++) {
      try {
        assertThat(new String(jsm.getMessage(io.vettid.nats.subjects.Subjects.FEED_STREAM, seq).getData(),
            StandardCharsets.ISO_8859_1)).as("the feed keeps events sealed").doesNotContain("for your eyes");
      } catch (io.nats.client.JetStreamApiException deleted) {
        // erased earlier
      }
    }

    assertThat(ok(alice, "events", "delete", id).out()).contains("erased 1 event(s) of " + id);
    Run gone = cli(alice, "events", "show", id);
    assertThat(gone.exit()).isEqualTo(1);
    assertThat(gone.err()).contains("no event " + id);
    Run both = cli(alice, "events", "purge", "--from", "Bob", "--all");
    assertThat(both.exit()).isEqualTo(2);
  }

  /**
   * Issue #26: the owner orders her rules. A rule added after a broad one never fires (first match
   * wins); placed before it, it decides; moved last, it stops deciding again. A placement that
   * names no rule, or two places at once, is refused and changes nothing.
   */
  @Test
  @Order(3)
  void aRulePlacedBeforeABroadOneDecidesAndMovedLastNoLonger() throws Exception {
    String before = ok(alice, "--json", "rules", "list").out();
    String bobsConnection = cli(alice, "--json", "connections", "list").json().path("connections").get(0).path("id")
        .asText();
    String denyBob = "{\"id\":\"deny-bob\",\"eventType\":\"chat.message\",\"connectionId\":\"" + bobsConnection
        + "\",\"action\":\"deny\",\"reason\":\"not now\"}";
    assertThat(ok(alice, "rules", "add", denyBob).out()).contains("added rule deny-bob, number");
    assertThat(decision(ok(alice, "rules", "test", "chat.message", "--from", "Bob"))).startsWith("handle by rule chat");

    assertThat(ok(alice, "rules", "add", denyBob, "--before", "chat").out()).contains("replaced rule deny-bob");
    assertThat(decision(ok(alice, "rules", "test", "chat.message", "--from", "Bob"))).startsWith("deny by rule deny-bob");
    String listed = ok(alice, "rules", "list").out();
    assertThat(listed.indexOf("deny-bob")).isLessThan(listed.indexOf("\"chat\""));
    assertThat(listed).containsPattern("(?m)^[0-9]+\\. .*deny-bob");

    assertThat(ok(alice, "rules", "move", "deny-bob", "--last").out()).contains("moved rule deny-bob to number");
    assertThat(decision(ok(alice, "rules", "test", "chat.message", "--from", "Bob"))).startsWith("handle by rule chat");
    ok(alice, "rules", "move", "deny-bob", "--first");
    assertThat(decision(ok(alice, "rules", "test", "chat.message", "--from", "Bob"))).startsWith("deny by rule deny-bob");

    String now = ok(alice, "--json", "rules", "list").out();
    Run nowhere = cli(alice, "rules", "move", "deny-bob", "--after", "no-such-rule");
    assertThat(nowhere.exit()).isEqualTo(1);
    assertThat(nowhere.err()).contains("no rule 'no-such-rule'");
    Run twoPlaces = cli(alice, "rules", "move", "deny-bob", "--first", "--last");
    assertThat(twoPlaces.exit()).isNotZero();
    assertThat(twoPlaces.err()).contains("one place only");
    Run noPlace = cli(alice, "rules", "move", "deny-bob");
    assertThat(noPlace.err()).contains("say where");
    Run itself = cli(alice, "rules", "add", denyBob, "--after", "deny-bob");
    assertThat(itself.err()).contains("before or after itself");
    assertThat(ok(alice, "--json", "rules", "list").out()).as("refusals change nothing").isEqualTo(now);

    ok(alice, "rules", "remove", "deny-bob");
    assertThat(ok(alice, "--json", "rules", "list").out()).isEqualTo(before);
  }

  /** The last line of {@code rules test}: the decision (the lines before it say why). */
  private static String decision(Run test) {
    String[] lines = test.out().strip().split("\n");
    return lines[lines.length - 1];
  }

  /**
   * Issue #26: a rule with a CEL condition, or naming a peer, placed first decides; {@code rules
   * test} says why the rules before the deciding one did not match; an {@code if} that fails for an
   * event denies it; a rule that does not compile is refused naming the rule and the position, and
   * changes nothing.
   */
  @Test
  @Order(3)
  void aCelRuleOrAPeerRuleDecidesAndRulesTestSaysWhy() throws Exception {
    String before = ok(alice, "--json", "rules", "list").out();
    ok(alice, "rules", "add", "--id", "short-chat", "--event-type", "chat.*", "--if", "size(payload.text) < 5",
        "--action", "drop", "--first");
    assertThat(decision(ok(alice, "rules", "test", "chat.message", "{\"text\":\"hi\"}", "--from", "Bob")))
        .startsWith("drop by rule short-chat");
    Run longer = ok(alice, "rules", "test", "chat.message", "{\"text\":\"hello there\"}", "--from", "Bob");
    assertThat(longer.out()).contains("1. short-chat: no, its 'if' is false");
    assertThat(decision(longer)).contains("by rule chat");
    assertThat(decision(ok(alice, "rules", "test", "chat.message", "--from", "Bob")))
        .as("an 'if' that fails (no text) denies").startsWith("deny by rule short-chat");

    String bobsKey = cli(alice, "--json", "connections", "list").json().path("connections").get(0).path("identity")
        .asText();
    ok(alice, "rules", "add", "--id", "not-bob", "--peer", "bob", "--action", "deny", "--reason", "not today",
        "--first");
    assertThat(decision(ok(alice, "rules", "test", "profile.request", "--from", "Bob")))
        .startsWith("deny by rule not-bob (not today)");
    ok(alice, "rules", "add", "--id", "not-bob", "--peer-key", bobsKey, "--action", "hold");
    assertThat(decision(ok(alice, "rules", "test", "profile.request", "--from", "Bob")))
        .startsWith("hold by rule not-bob");
    ok(alice, "rules", "remove", "not-bob");

    String now = ok(alice, "--json", "rules", "list").out();
    Run bad = cli(alice, "rules", "add", "--id", "bad", "--if", "payload.text ==", "--action", "drop");
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.err()).contains("rule 'bad': field 'if' does not compile at line 1, column");
    Run notBool = cli(alice, "rules", "add", "--id", "bad", "--if", "payload.text", "--action", "drop");
    assertThat(notBool.err()).contains("rule 'bad': field 'if' must be true or false");
    assertThat(ok(alice, "--json", "rules", "list").out()).as("refusals change nothing").isEqualTo(now);
    ok(alice, "rules", "remove", "short-chat");
    assertThat(ok(alice, "--json", "rules", "list").out()).isEqualTo(before);
  }

  /**
   * Issue #26: the invitation and the safety number as QR codes. What alice's terminal draws reads
   * back (ZXing) as her invitation and as the scannable form of her safety number; bob's vault
   * takes that scan as a match, and a number with one digit changed as a mismatch (exit 1).
   */
  @Test
  @Order(3)
  void qrCodesOfAnInvitationAndASafetyNumberScanBackAndTheScanIsCompared() throws Exception {
    Run invite = ok(alice, "invite", "--qr", "--valid", "1m", "--qr-png", dir.resolve("invitation.png").toString());
    String uri = invite.out().strip();
    assertThat(uri).startsWith("vettid:invite?").doesNotContain("\n");
    assertThat(QrCodesTest.decodeTerminal(qrBlock(invite.err()))).isEqualTo(uri);
    assertThat(QrCodesTest.decodePng(dir.resolve("invitation.png"))).isEqualTo(uri);

    Run shown = ok(alice, "connections", "safety", "Bob", "--qr", "--qr-png", dir.resolve("safety.png").toString());
    String scanned = QrCodesTest.decodeTerminal(qrBlock(shown.err()));
    assertThat(scanned).startsWith("vettid:safety?v=1&n=").hasSize("vettid:safety?v=1&n=".length() + 60);
    assertThat(QrCodesTest.decodePng(dir.resolve("safety.png"))).isEqualTo(scanned);
    assertThat(shown.out()).contains("safety number " + ok(bob, "connections", "safety", "Alice").out()
        .replaceAll("(?s).*safety number ([0-9 ]+).*", "$1").strip());

    assertThat(ok(bob, "connections", "safety", "Alice", "--verify", scanned).out()).contains("match");
    char last = scanned.charAt(scanned.length() - 1);
    String swapped = scanned.substring(0, scanned.length() - 1) + (char) ('0' + (last - '0' + 1) % 10);
    Run mismatch = cli(bob, "connections", "safety", "Alice", "--verify", swapped);
    assertThat(mismatch.exit()).isEqualTo(VettidCli.PROBLEM);
    assertThat(mismatch.out()).contains("MISMATCH", "connections revoke");
    Run junk = cli(bob, "connections", "safety", "Alice", "--verify", "vettid:safety?v=9&n=1");
    assertThat(junk.exit()).isEqualTo(VettidCli.USAGE);
    assertThat(junk.err()).contains("not a safety number of version 1");
    Run nobody = cli(bob, "connections", "safety", "Nobody");
    assertThat(nobody.exit()).as("the vault found no such connection").isEqualTo(VettidCli.PROBLEM);
    assertThat(nobody.err()).contains("no connection 'Nobody'", "connections list");
    assertThat(ok(bob, "connections", "safety", "alice").out()).as("a peer's name in any case, as every command")
        .contains("safety number");
    Run nowhere = cli(alice, "invite", "--qr-png", dir.resolve("no/such/dir/x.png").toString());
    assertThat(nowhere.exit()).isEqualTo(VettidCli.USAGE);
    assertThat(nowhere.err()).contains("--qr-png", "does not exist");
  }

  /** The lines of half blocks in a command's standard error: the QR code it drew. */
  static String qrBlock(String err) {
    String block = err.lines().filter(l -> !l.isEmpty() && l.matches("[ ▀▄█]+"))
        .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
    assertThat(block.lines().count()).as("a QR code drawn:\n" + err).isGreaterThan(10);
    return block;
  }

  /**
   * Issue #23: a deposit the Event Watcher refuses (it does not open) is kept in the quarantine and
   * shown to the owner by {@code events tail} with its reason, as the Manager's refusals are.
   */
  @Test
  @Order(3)
  void aDepositTheWatcherRefusesShowsInEventsTailWithItsReason() throws Exception {
    io.vettid.api.ConnectionId bobAtAlice = aliceVault.connections().list().get(0);
    io.vettid.api.ConnectionId aliceAtBob = bobVault.connections().list().get(0);
    // the user alice issued bob, and bob's deposit subject at alice: a peer sending garbage
    io.vettid.nats.auth.UserCredentials bobsUser = bobVault.connections().link(aliceAtBob).peerCredentials()
        .orElseThrow();
    String subject = aliceVault.connections().link(bobAtAlice).ownDepositSubject().orElseThrow();
    try (io.nats.client.Connection peer = io.nats.client.Nats.connect(new io.nats.client.Options.Builder()
        .server(aliceVault.publicAddress().url()).sslContext(aliceVault.publicAddress().sslContext())
        .authHandler(bobsUser.authHandler()).errorListener(new io.nats.client.ErrorListener() { }).build())) {
      peer.publish(subject, "not an envelope".getBytes(StandardCharsets.UTF_8));
      peer.flush(Duration.ofSeconds(5));
    }
    await(() -> cli(alice, "events", "tail", "--last", "100", "--timeout", "1s").out()
        .matches("(?s).*quarantined +\\(at Watcher_[a-z0-9]+\\) +from Bob .*reason MALFORMED.*"),
        "the watcher's refusal in events tail");
    await(() -> cli(alice, "quarantine", "list").out().contains("MALFORMED"), "kept in the quarantine");
  }

  @Test
  @Order(4)
  void aRestartedVaultRestoresItsConnectionAndItsEventLog() throws Exception {
    // kept across the restart, sealed in the Vault bucket: an open invitation of alice's, and her
    // acceptance of a remote invitation of bob's, which waits for his approval (both used in @Order(8))
    keptInvitation = ok(alice, "invite", "--remote", "--valid", "2d").out().strip();
    assertThat(ok(alice, "accept", ok(bob, "invite", "--remote").out().strip()).out()).contains("delivered");
    assertThat(aliceVault.acceptancesWaiting()).hasSize(1);
    String kept = aliceVault.acceptancesWaiting().get(0);
    // issue #20: alice rotates her identity key; bob follows the rotation, signed by her old and new key
    String oldIdentity = cli(alice, "--json", "keys", "list").json().path("identity").path("keyId").asText();
    assertThat(ok(alice, "keys", "rotate-identity").out()).contains(oldIdentity + " -> ", "1 peer(s) told");
    aliceIdentity = cli(alice, "--json", "keys", "list").json().path("identity").path("keyId").asText();
    assertThat(aliceIdentity).isNotEqualTo(oldIdentity);
    io.vettid.api.ConnectionId aliceAtBob = bobVault.connections().list().get(0);
    await(() -> bobVault.connections().link(aliceAtBob).peerIdentity().orElseThrow().value().equals(aliceIdentity),
        "bob pins alice's new identity key");
    assertThat(cli(bob, "--json", "connections", "list").out()).contains(aliceIdentity);
    aliceVault.close();
    Run stopped = cli(alice, "events", "tail", "--last", "1", "--count", "1");
    assertThat(stopped.exit()).isEqualTo(VettidCli.ENVIRONMENT);
    assertThat(stopped.err()).contains("is not running", "server start");
    aliceTranscript.reset();
    aliceVault = start(alice, aliceTranscript);

    assertThat(ok(alice, "connections", "list").out()).contains("Bob");
    assertThat(cli(alice, "--json", "keys", "list").json().path("identity").path("keyId").asText())
        .as("the rotated identity is kept").isEqualTo(aliceIdentity);
    assertThat(aliceVault.acceptancesWaiting()).as("the acceptance is kept").containsExactly(kept);
    assertThat(aliceVault.eventSpaceAccount().isRevoked(kept)).as("and the user it issued bob").isFalse();
    String id = cli(bob, "--json", "send", "Alice", "chat.message", "{\"text\":\"welcome back\"}").json()
        .path("eventId").asText();
    await(() -> transcript(aliceTranscript).contains(id), "handled after the restart");
    Run tail = ok(alice, "events", "tail", "--type", "chat.message", "--last", "50", "--count", "1", "--timeout", "5s");
    assertThat(tail.out()).containsPattern("chat\\.message +from Bob");
    assertThat(ok(alice, "server", "status").out()).contains("connections  1", "Alice");
  }

  /**
   * Issue #26: alice's audit log holds her vault's decisions and her own actions (ids, types and
   * reasons, never a payload), verifies whole across her restart, and names the entry a change to
   * the stored log broke (the store rewritten with one entry altered, as someone with the store but
   * not the identity key could).
   */
  @Test
  @Order(5)
  void theAuditLogIsWholeAndAnEntryAlteredInTheStoreIsNamed() throws Exception {
    Run whole = ok(alice, "audit", "verify");
    assertThat(whole.out()).startsWith("the audit log is whole: ").contains("signed checkpoint");
    io.nats.client.Connection nc = aliceVault.runtime().connection();
    io.nats.client.JetStreamManagement jsm = nc.jetStreamManagement();
    List<String> lines = auditLines(jsm);
    String all = String.join("\n", lines);
    assertThat(all).contains("\"kind\":\"rules\"", "\"kind\":\"handled\"", "\"kind\":\"held\"",
        "\"kind\":\"approved\"", "\"kind\":\"rotated\"", "\"kind\":\"checkpoint\"", "\"kind\":\"connected\"");
    assertThat(all).as("no payload is kept").doesNotContain("keep me").doesNotContain("payload");

    int handled = -1;
    for (int i = 0; i < lines.size() && handled < 0; i++) {
      handled = lines.get(i).contains("\"kind\":\"handled\"") ? i : -1;
    }
    List<String> altered = new java.util.ArrayList<>(lines);
    altered.set(handled, lines.get(handled).replace("\"kind\":\"handled\"", "\"kind\":\"dropped\""));
    rewriteAudit(nc, altered);
    Run broken = cli(alice, "audit", "verify");
    assertThat(broken.exit()).isEqualTo(1);
    assertThat(broken.out()).contains("the audit log is BROKEN: entry " + (handled + 1) + " was altered");

    rewriteAudit(nc, lines);
    assertThat(ok(alice, "--json", "audit", "verify").json().path("intact").asBoolean()).isTrue();
  }

  static List<String> auditLines(io.nats.client.JetStreamManagement jsm) throws Exception {
    List<String> lines = new java.util.ArrayList<>();
    var state = jsm.getStreamInfo(io.vettid.nats.subjects.Subjects.AUDIT_STREAM).getStreamState();
    for (long s = state.getFirstSequence(); s <= state.getLastSequence(); s++) {
      lines.addAll(List.of(new String(jsm.getMessage(io.vettid.nats.subjects.Subjects.AUDIT_STREAM, s).getData(),
          StandardCharsets.UTF_8).split("\n")));
    }
    return lines;
  }

  /** Replaces the stored audit log with these lines (one block), as someone with the store could. */
  static void rewriteAudit(io.nats.client.Connection nc, List<String> lines) throws Exception {
    aliceVault.runtime().audit().orElseThrow().flush();
    nc.jetStreamManagement().purgeStream(io.vettid.nats.subjects.Subjects.AUDIT_STREAM);
    nc.jetStream().publish(io.vettid.nats.subjects.Subjects.AUDIT.value(),
        String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @Order(5)
  void aRevokedConnectionIsGoneOnBothSides() throws Exception {
    io.vettid.api.ConnectionId bobAtAlice = aliceVault.connections().list().get(0);
    io.vettid.api.ConnectionId aliceAtBob = bobVault.connections().list().get(0);
    // the user bob issued alice, to deposit on the EventSpace server with
    io.vettid.nats.auth.UserCredentials aliceAtBobsServer = aliceVault.connections().link(bobAtAlice).peerCredentials()
        .orElseThrow();
    String userBobIssued = bobVault.connections().link(aliceAtBob).peerUser().orElseThrow();
    Run r = ok(alice, "connections", "revoke", "Bob");
    assertThat(r.out()).contains("revoked", "peer told");
    await(() -> cli(bob, "connections", "list").out().contains("no connections"), "bob was told and forgot alice");
    // item 7 of the review: told by alice, bob also revokes the user he issued her, and keeps a tombstone
    await(() -> refusedAt(bobVault, aliceAtBobsServer), "the EventSpace server refuses the user bob issued alice");
    assertThat(bobVault.connections().tombstones()).containsKey(aliceAtBob.value());
    assertThat(bobVault.connections().tombstones().get(aliceAtBob.value()).path("peerUser").asText())
        .isEqualTo(userBobIssued);
    Run send = cli(bob, "send", "Alice", "chat.message");
    assertThat(send.exit()).isEqualTo(1);
    assertThat(send.err()).contains("no connection 'Alice'", "connections list");
    assertThat(ok(alice, "keys", "list").out()).doesNotContain("Bob");
  }

  /**
   * Issue #23: an acceptance naming a server whose certificate the pin refuses (here alice's own
   * EventSpace server, under another CA's pin: a server that is not the one the pin names) ends
   * {@code invite confirm} at once with exit code 1, and no connection is kept. Before, the vault
   * kept the connection and reconnected every 2 seconds for ever while the command waited.
   */
  @Test
  @Order(6)
  void anAcceptanceWhoseServerFailsItsPinEndsInviteConfirmWithExitOneAndNoConnection() throws Exception {
    String uri = ok(alice, "invite").out().strip();
    io.vettid.crypto.Suite suite = Suites.MLKEM768_MLDSA65_V1;
    java.security.KeyPair keys = suite.signature().generateKeyPair(new java.security.SecureRandom());
    io.vettid.profile.Profile profile = io.vettid.profile.Profile.builder("home",
        io.vettid.profile.Profile.Owner.of("Mallory", suite.signature(), keys.getPublic()).ageOver(18)
            .location("Berlin area")).build();
    io.vettid.runtime.connection.Identity mallory = new io.vettid.runtime.connection.Identity(suite.signature(), keys,
        io.vettid.profile.SignedProfile.sign(profile, suite.signature(), keys.getPrivate(),
            new java.security.SecureRandom()));
    io.vettid.nats.auth.NatsAccount account = io.vettid.nats.auth.NatsOperator.create("mallory")
        .createAccount("mallory", io.vettid.nats.auth.JetStreamLimits.subscriberDefault());
    io.vettid.nats.server.ServerAddress real = aliceVault.publicAddress();
    String otherPin = io.vettid.nats.tls.TlsMaterial.generate(Files.createDirectories(dir.resolve("other-ca")),
        java.util.List.of("localhost"), java.util.List.of("127.0.0.1")).caPin();
    io.vettid.runtime.connection.Invitee invitee = io.vettid.runtime.connection.Invitee.accept(
        io.vettid.runtime.connection.Invitation.parse(uri), mallory, "0123456789abcdef", "home", account, suite,
        java.time.Clock.systemUTC(), new io.vettid.runtime.connection.BlockList(),
        new io.vettid.nats.server.ServerAddress(real.host(), real.port(), otherPin));

    long t0 = System.nanoTime();
    Run r = cli(alice, "invite", "confirm", HandshakeText.encode("accept", invitee.message()));
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("did not present a certificate of the CA its pin names", "not made");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("within the pin check's timeout").isLessThan(
        Duration.ofSeconds(20));
    assertThat(ok(alice, "connections", "list").out()).doesNotContain("Mallory");
  }

  @Test
  @Order(6)
  void mistakesGetAClearErrorAndTheirExitCode() throws Exception {
    Run badRule = cli(alice, "rules", "add", "{\"id\":\"x\",\"eventType\":\"chat.message\",\"action\":\"explode\"}");
    assertThat(badRule.exit()).isEqualTo(1);
    assertThat(badRule.err()).contains("x").containsIgnoringCase("action");
    Run notJson = cli(alice, "send", "Bob", "chat.message", "{not json");
    assertThat(notJson.exit()).isEqualTo(VettidCli.USAGE);
    assertThat(notJson.err()).contains("not JSON");
    Run notAMessage = cli(alice, "invite", "confirm", "hello");
    assertThat(notAMessage.exit()).isEqualTo(VettidCli.USAGE);
    assertThat(notAMessage.err()).contains("not a VettID accept message");
    Run swapped = cli(alice, "invite", "confirm", "vettid-confirm:AAAA");
    assertThat(swapped.err()).contains("this is a confirm message", "accept complete");
    Run forged = cli(bob, "accept", "vettid:invite?v=2&g=g&e=home");
    assertThat(forged.exit()).isEqualTo(1);
    assertThat(forged.err()).contains("invitation parameter");
    Run unknownSpace = cli(alice, "invite", "nowhere");
    assertThat(unknownSpace.exit()).isEqualTo(1);
    assertThat(unknownSpace.err()).contains("no EventSpace 'nowhere'");
    Run noVault = cli(new VaultHome(dir.resolve("nobody")), "server", "status");
    assertThat(noVault.exit()).isEqualTo(VettidCli.ENVIRONMENT);
    assertThat(noVault.err()).contains("no vault at", "init");
    Run usage = cli(alice, "send");
    assertThat(usage.exit()).isEqualTo(VettidCli.USAGE);
    Run noPlace = cli(new VaultHome(dir.resolve("nowhere")), "init", "--name", "Nemo", "--age", "30");
    assertThat(noPlace.exit()).isEqualTo(VettidCli.USAGE);
    assertThat(noPlace.err()).contains("--location");
    assertThat(dir.resolve("nowhere")).doesNotExist();
    Run twice = cli(alice, "init", "--name", "Alice", "--age", "3", "--location", "Berlin area");
    assertThat(twice.exit()).isEqualTo(1);
    assertThat(twice.err()).contains("a vault exists at", "already");
  }

  @Test
  @Order(7)
  void helpAndCompletionNameEveryCommand() {
    Run help = ok(alice, "--help");
    for (String c : new String[] {"init", "server", "eventspace", "profile", "invite", "accept", "connections", "send",
        "events", "rules", "inbox", "keys", "quarantine", "completion", "demo"}) {
      assertThat(help.out()).contains(c);
    }
    assertThat(help.out()).contains("Exit codes:", "3   something missing");
    assertThat(ok(alice, "completion").out()).contains("complete -F", "vettid", "quarantine");
  }

  @Test
  @Order(8)
  void aRemoteAcceptanceWaitsForApprovalAndProfilesRulesAndTheQuarantineAnswer() throws Exception {
    // a remote invitation (made before alice's restart, and kept): the acceptance waits until alice
    // approves it; a second one she declines
    String remote = keptInvitation;
    assertThat(remote).contains("&m=r&");
    // bob's acceptance reaches alice's EventSpace server and waits there for her approval
    assertThat(ok(bob, "accept", remote).out()).contains("delivered", "once they approve");
    await(() -> cli(alice, "--json", "invite", "pending").out().contains("Bob"), "the acceptance waits for alice");
    JsonNode pending = cli(alice, "--json", "invite", "pending").json().path("pending");
    assertThat(pending).hasSize(1);
    assertThat(pending.get(0).path("peer").asText()).isEqualTo("Bob");
    java.util.List<io.vettid.api.ConnectionId> bobsBefore = bobVault.connections().list();
    assertThat(ok(alice, "invite", "approve", "--", pending.get(0).path("id").asText()).out())
        .contains("connected to Bob", "delivered");
    await(() -> bobVault.connections().list().size() == bobsBefore.size() + 1, "bob's side completed by itself");
    // the invitation named alice's identity key before her rotation: confirmed with it, and the
    // rotation told once alice hears from bob on the new connection
    io.vettid.api.ConnectionId fresh = bobVault.connections().list().stream().filter(c -> !bobsBefore.contains(c))
        .findFirst().orElseThrow();
    assertThat(bobVault.connections().link(fresh).peerIdentity().orElseThrow().value()).isNotEqualTo(aliceIdentity);
    bobVault.connections().send(fresh, io.vettid.api.EventType.of("chat.message"),
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("text", "hello again"));
    await(() -> bobVault.connections().link(fresh).peerIdentity().orElseThrow().value().equals(aliceIdentity),
        "bob's new connection pins alice's current identity");
    assertThat(ok(alice, "connections", "list").out()).contains("Bob");

    String declined = ok(alice, "invite", "--remote").out().strip();
    ok(bob, "accept", declined);
    await(() -> cli(alice, "--json", "invite", "pending").out().contains("Bob"), "the second acceptance waits");
    String id = cli(alice, "--json", "invite", "pending").json().path("pending").get(0).path("id").asText();
    assertThat(ok(alice, "invite", "decline", "--", id).out()).contains("declined " + id);
    assertThat(ok(alice, "invite", "pending").out()).contains("no acceptance waits");
    Run again = cli(alice, "invite", "approve", "--", id);
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("no pending acceptance");

    // alice's acceptance kept across her restart (@Order(4)): bob approves it, her side completes by itself
    await(() -> cli(bob, "--json", "invite", "pending").out().contains("Alice"), "alice's acceptance waits for bob");
    String keptId = cli(bob, "--json", "invite", "pending").json().path("pending").get(0).path("id").asText();
    int alicesBefore = aliceVault.connections().list().size();
    assertThat(ok(bob, "invite", "approve", "--", keptId).out()).contains("connected to Alice", "delivered");
    await(() -> aliceVault.connections().list().size() == alicesBefore + 1, "alice's kept acceptance completed");
    await(() -> bobVault.connections().list().stream().allMatch(c -> bobVault.connections().link(c).peerIdentity()
        .orElseThrow().value().equals(aliceIdentity)), "alice's acceptance from before her rotation: told since");

    // profiles: published with shared data and a link, shown verified
    ok(alice, "profile", "publish", "home", "--share", "email=alice@example.org", "--link",
        "blog=https://alice.example.org", "--event-type", "poll.vote");
    JsonNode profile = cli(alice, "--json", "profile", "show", "home").json();
    assertThat(profile.path("verified").asBoolean()).isTrue();
    assertThat(profile.path("profile").path("sharedData").path("email").asText()).isEqualTo("alice@example.org");
    assertThat(profile.path("profile").path("links").get(0).path("uri").asText()).isEqualTo("https://alice.example.org");
    assertThat(profile.path("profile").path("eventTypes").toString()).contains("poll.vote", "chat.message");
    assertThat(ok(alice, "eventspace", "list").out().strip()).isEqualTo("home");

    // rules: one removed, then gone from the list, and a second removal refused
    ok(alice, "rules", "add", "--id", "quiet", "--event-type", "poll.vote", "--action", "drop");
    assertThat(ok(alice, "rules", "list").out()).contains("\"quiet\"");
    assertThat(ok(alice, "rules", "remove", "quiet").out()).contains("removed rule quiet");
    assertThat(ok(alice, "rules", "list").out()).doesNotContain("\"quiet\"");
    assertThat(cli(alice, "rules", "remove", "quiet").exit()).isEqualTo(1);

    // the event alice denied earlier, replayed by its sequence, is handled by her chat rule this time
    JsonNode kept = cli(alice, "--json", "quarantine", "list").json().path("quarantined");
    JsonNode denied = null;
    for (JsonNode q : kept) {
      if (q.path("reason").asText().equals("DENIED_BY_OWNER")) {
        denied = q;
      }
    }
    assertThat(denied).as("the owner's denial is kept").isNotNull();
    long seq = denied.path("sequence").asLong();
    assertThat(ok(alice, "quarantine", "replay", String.valueOf(seq)).out())
        .contains("replayed " + seq + " (DENIED_BY_OWNER) to DataVault.Queue");
    await(() -> cli(alice, "--json", "quarantine", "list").out().indexOf("\"sequence\" : " + seq + ",") < 0,
        "the replayed entry left the quarantine");
    assertThat(cli(alice, "quarantine", "replay", String.valueOf(seq)).exit()).isEqualTo(1);
  }

  /**
   * Issue #20, item 4: blocking an identity from the command line revokes its connections and is
   * kept across a restart of the vault (the block list was in memory only, and a restart forgot
   * it); unblocking lifts it, and is kept too.
   */
  @Test
  @Order(9)
  void aBlockedIdentityStaysBlockedAcrossARestartUntilUnblocked() throws Exception {
    String bobsIdentity = cli(alice, "--json", "connections", "list").json().path("connections").get(0)
        .path("identity").asText();
    io.vettid.api.KeyId bob = io.vettid.api.KeyId.of(bobsIdentity);
    // two connections with Bob by now (@Order(8)): his name is ambiguous, his identity is not
    assertThat(cli(alice, "connections", "block", "Bob").err()).contains("2 connections are with someone named Bob");
    Run blocked = ok(alice, "connections", "block", bobsIdentity);
    assertThat(blocked.out()).contains("blocked " + bobsIdentity, "revoked");
    assertThat(ok(alice, "connections", "list").out()).doesNotContain("Bob");

    aliceVault.close();
    aliceTranscript.reset();
    aliceVault = start(alice, aliceTranscript);
    assertThat(aliceVault.connections().blockList().isBlocked(bob)).as("kept across the restart").isTrue();

    assertThat(ok(alice, "connections", "unblock", bobsIdentity).out()).contains("unblocked " + bobsIdentity);
    assertThat(ok(alice, "connections", "unblock", bobsIdentity).out()).contains("was not blocked");
    Run notAKey = cli(alice, "connections", "unblock", "Bob");
    assertThat(notAKey.exit()).isEqualTo(VettidCli.USAGE);
    assertThat(notAKey.err()).contains("not an identity keyID");
    aliceVault.close();
    aliceTranscript.reset();
    aliceVault = start(alice, aliceTranscript);
    assertThat(aliceVault.connections().blockList().isBlocked(bob)).as("the unblock is kept too").isFalse();
  }

  /**
   * Issue #20: the vault secret, and with it the JetStream store key, replaced while alice is stopped
   * and bob keeps sending: the store is copied into a new one under the new key, everything sealed
   * under the old secret sealed again, the old store deleted; the restarted vault has the same keys
   * and handles every message sent meanwhile, in the sessions it had (none quarantined).
   */
  @Test
  @Order(10)
  void aVaultSecretReplacedWhileTheVaultIsStoppedLosesNothing() throws Exception {
    java.util.Set<io.vettid.api.ConnectionId> had = java.util.Set.copyOf(bobVault.connections().list());
    assertThat(ok(bob, "accept", ok(alice, "invite").out().strip()).out()).contains("connected to Alice");
    io.vettid.api.ConnectionId aliceAtBob = bobVault.connections().list().stream().filter(c -> !had.contains(c))
        .findFirst().orElseThrow();
    String first = cli(bob, "--json", "send", aliceAtBob.value(), "chat.message", "{\"text\":\"before\"}").json()
        .path("eventId").asText();
    await(() -> transcript(aliceTranscript).contains(first), "handled before the re-key");
    JsonNode keys = cli(alice, "--json", "keys", "list").json();
    byte[] oldSecret = java.util.Base64.getDecoder().decode(alice.readSecrets(PASS).path("vaultSecret").asText());
    Path passFile = dir.resolve("alice-pass");
    java.nio.file.Files.writeString(passFile, new String(PASS) + "\n");

    Run whileRunning = cli(alice, "keys", "rekey-vault", "--passphrase-file", passFile.toString());
    assertThat(whileRunning.exit()).isEqualTo(VettidCli.PROBLEM);
    assertThat(whileRunning.err()).contains("is running; stop it first");
    aliceVault.close();
    java.util.List<String> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) { // they wait on the EventSpace server's deposit stream
      sent.add(cli(bob, "--json", "send", aliceAtBob.value(), "chat.message", "{\"text\":\"meanwhile " + i + "\"}")
          .json().path("eventId").asText());
    }
    // as a vault made before its users expired: vault.sealed holds an owner user without expiry
    com.fasterxml.jackson.databind.node.ObjectNode legacy = alice.readSecrets(PASS);
    io.vettid.nats.auth.UserCredentials legacyOwner = io.vettid.nats.auth.VaultAccounts.restore(
        io.vettid.nats.auth.NatsOperator.restore(VaultHome.JSON.writeValueAsBytes(legacy.get("operator"))),
        VaultHome.JSON.writeValueAsBytes(legacy.get("accounts"))).issueOwner("owner");
    legacy.putObject("owner").put("jwt", legacyOwner.jwt()).put("seed", new String(legacyOwner.seed()));
    alice.writeSecrets(legacy, PASS);
    byte[] sealedBefore = java.nio.file.Files.readAllBytes(alice.sealedFile());
    java.nio.file.Files.writeString(dir.resolve("wrong-pass"), "not the passphrase\n");
    Run wrong = cli(alice, "keys", "rekey-vault", "--passphrase-file", dir.resolve("wrong-pass").toString());
    assertThat(wrong.exit()).isEqualTo(VettidCli.PROBLEM);
    assertThat(wrong.err()).contains("nothing was changed");
    assertThat(java.nio.file.Files.readAllBytes(alice.sealedFile())).isEqualTo(sealedBefore);

    Run rekeyed = ok(alice, "keys", "rekey-vault", "--passphrase-file", passFile.toString());

    assertThat(rekeyed.out()).contains("vault secret replaced", "into nats.1 under the new store key");
    System.out.println("re-key: " + rekeyed.out());
    JsonNode secrets = alice.readSecrets(PASS);
    byte[] newSecret = java.util.Base64.getDecoder().decode(secrets.path("vaultSecret").asText());
    assertThat(newSecret).isNotEqualTo(oldSecret);
    assertThat(secrets.path("store").asText()).isEqualTo("nats.1");
    assertThat(alice.dir.resolve("nats")).as("the old store is deleted").doesNotExist();
    assertThat(alice.dir.resolve("nats.1")).isDirectory();
    assertThat(VaultRekey.lockFile(alice)).doesNotExist();
    assertThat(io.vettid.nats.tls.TlsMaterial.load(alice.tlsDir(), newSecret).canRenew()).isTrue();
    assertThatThrownBy(() -> io.vettid.nats.tls.TlsMaterial.load(alice.tlsDir(), oldSecret))
        .isInstanceOf(java.security.GeneralSecurityException.class);

    aliceTranscript.reset();
    aliceVault = start(alice, aliceTranscript);
    for (String id : sent) {
      await(() -> transcript(aliceTranscript).contains(id), "sent while stopped, handled after the re-key: " + id);
    }
    assertThat(cli(alice, "--json", "keys", "list").json()).as("the same identity and connection keys")
        .isEqualTo(keys);
    assertThat(aliceVault.accounts().vault().isRevoked(legacyOwner.publicKey())).isTrue();
    assertThatThrownBy(() -> io.nats.client.Nats.connect(new io.nats.client.Options.Builder()
        .server(aliceVault.address().url()).sslContext(aliceVault.address().sslContext())
        .authHandler(legacyOwner.authHandler()).noReconnect().connectionTimeout(Duration.ofSeconds(2))
        .errorListener(new io.nats.client.ErrorListener() { }).build()).close())
        .as("the owner user without expiry is refused by the vault's server").hasMessageContaining("Authorization");
    assertThat(aliceVault.runtime().counters().snapshot().quarantined().values()).as("nothing quarantined")
        .containsOnly(0L);
    io.vettid.api.ConnectionId bobAtAlice = aliceVault.connections().list().stream()
        .filter(c -> aliceVault.connections().link(c).peerIdentity().isPresent()).reduce((x, y) -> y).orElseThrow();
    String back = cli(alice, "--json", "send", bobAtAlice.value(), "chat.message", "{\"text\":\"re-keyed\"}").json()
        .path("eventId").asText();
    await(() -> transcript(bobTranscript).contains(back), "alice's message after the re-key handled by bob");
  }
}
