package io.vettid.runtime.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.service.EventService;
import io.vettid.testkit.NatsServerExtension;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The audit log on a real nats-server: what is recorded is stored in blocks and verifies; a log
 * reopened goes on with the same chain; the store tampered with (a block removed, the last block
 * removed, an entry altered, entries reordered) fails verification naming the first broken entry.
 */
class AuditLogTest {
  @RegisterExtension
  static final NatsServerExtension NATS = NatsServerExtension.builder().build();

  static final KeyPair VAULT = AuditChainTest.VAULT;
  static final AuditLog.Signer SIGNER = new AuditLog.Signer() {
    @Override
    public String keyId() {
      return "vault";
    }

    @Override
    public byte[] sign(byte[] message) {
      return AuditChainTest.sign(VAULT, message);
    }
  };

  Connection nc;
  JetStreamManagement jsm;

  @BeforeEach
  void fresh() throws Exception {
    nc = Nats.connect(NATS.options().build());
    jsm = nc.jetStreamManagement();
    try {
      jsm.deleteStream(Subjects.AUDIT_STREAM);
    } catch (io.nats.client.JetStreamApiException e) {
      // none yet
    }
    JetStreamLayout.builder().build().ensureVault(nc);
  }

  @AfterEach
  void close() throws Exception {
    nc.close();
  }

  static EventService.Settled settled(int i, EventService.Outcome outcome, FailureReason reason) {
    return new EventService.Settled("Manager", EventType.of("chat.message"), EventId.of("event-" + i),
        ConnectionId.of("conn-" + i % 4), outcome, reason, reason == null ? "" : "rule x");
  }

  /** Records n decisions of every kind, then closes the log (a last checkpoint). */
  void record(int n) throws Exception {
    try (AuditLog log = AuditLog.open(nc, SIGNER)) {
      for (int i = 0; i < n; i++) {
        switch (i % 4) {
          case 0 -> log.settled(settled(i, EventService.Outcome.HANDLED, null));
          case 1 -> log.settled(settled(i, EventService.Outcome.QUARANTINED, FailureReason.DENIED_BY_RULE));
          case 2 -> log.settled(settled(i, EventService.Outcome.HELD, null));
          default -> log.record("rotated", Map.of("connection", "conn-" + i));
        }
      }
    }
  }

  List<String> stored() throws Exception {
    List<String> lines = new ArrayList<>();
    var state = jsm.getStreamInfo(Subjects.AUDIT_STREAM).getStreamState();
    for (long s = state.getFirstSequence(); s <= state.getLastSequence(); s++) {
      MessageInfo m = jsm.getMessage(Subjects.AUDIT_STREAM, s);
      lines.addAll(List.of(new String(m.getData(), StandardCharsets.UTF_8).split("\n")));
    }
    return lines;
  }

  /** Replaces the stored log with these lines, in blocks of 100, as someone with the store could. */
  void rewrite(List<String> lines) throws Exception {
    jsm.purgeStream(Subjects.AUDIT_STREAM);
    for (int i = 0; i < lines.size(); i += 100) {
      nc.jetStream().publish(Subjects.AUDIT.value(),
          String.join("\n", lines.subList(i, Math.min(i + 100, lines.size()))).getBytes(StandardCharsets.UTF_8));
    }
  }

  AuditLog.Report verify() throws Exception {
    return AuditLog.verify(jsm, AuditChainTest.VERIFIER);
  }

  @Test
  void whatIsRecordedIsStoredAndVerifiesAndAReopenedLogGoesOn() throws Exception {
    record(1500);
    AuditLog.Report r = verify();
    assertThat(r.problem()).isNull();
    assertThat(r.entries()).as("1500 entries and 2 checkpoints (at 1000 entries, and at close)").isEqualTo(1502);
    assertThat(r.checkpoints()).isEqualTo(2);
    assertThat(r.lastSigned()).isEqualTo(1502);
    List<String> lines = stored();
    assertThat(lines.get(1)).contains("\"kind\":\"denied\"").contains("\"reason\":\"DENIED_BY_RULE\"");
    assertThat(lines.get(2)).contains("\"kind\":\"held\"");
    assertThat(String.join("\n", lines)).doesNotContain("payload");

    record(10);
    AuditLog.Report again = verify();
    assertThat(again.intact()).as(again.problem()).isTrue();
    assertThat(again.entries()).isEqualTo(1502 + 11);
  }

  @Test
  void aLogVerifiedWhileOpenStoresWhatWaitsFirst() throws Exception {
    try (AuditLog log = AuditLog.open(nc, SIGNER)) {
      log.record("blocked", Map.of("identity", "ed25519-" + "a".repeat(40)));
      AuditLog.Report r = log.verify(AuditChainTest.VERIFIER);
      assertThat(r.intact()).isTrue();
      assertThat(r.entries()).isEqualTo(1);
      assertThat(r.lastSigned()).as("not yet signed").isZero();
      log.checkpointNow();
      assertThat(log.verify(AuditChainTest.VERIFIER).lastSigned()).isEqualTo(2);
    }
  }

  @Test
  void tamperingWithTheStoreIsFoundAndTheFirstBrokenEntryNamed() throws Exception {
    record(1200);
    List<String> lines = stored();
    assertThat(verify().intact()).isTrue();

    // an entry altered: handled becomes denied
    List<String> altered = new ArrayList<>(lines);
    altered.set(500, altered.get(500).replace("\"kind\":\"handled\"", "\"kind\":\"denied\""));
    assertThat(altered.get(500)).isNotEqualTo(lines.get(500));
    rewrite(altered);
    assertThat(verify().problem()).startsWith("entry 501 was altered");

    // two entries swapped
    List<String> swapped = new ArrayList<>(lines);
    swapped.set(700, lines.get(701));
    swapped.set(701, lines.get(700));
    rewrite(swapped);
    assertThat(verify().problem()).startsWith("entry 701 has number 702");

    // a block removed in the middle (entries 101-200)
    rewrite(lines);
    jsm.deleteMessage(Subjects.AUDIT_STREAM, jsm.getStreamInfo(Subjects.AUDIT_STREAM).getStreamState().getFirstSequence() + 1);
    assertThat(verify().problem()).startsWith("entry 101 has number 201");

    // the last block removed: the chain alone cannot see it, the stream can
    rewrite(lines);
    long last = jsm.getStreamInfo(Subjects.AUDIT_STREAM).getStreamState().getLastSequence();
    jsm.deleteMessage(Subjects.AUDIT_STREAM, last);
    AuditLog.Report cut = verify();
    assertThat(cut.problem()).startsWith("entry 1201 is missing: the last block");

    rewrite(lines);
    assertThat(verify().intact()).isTrue();
  }
}
