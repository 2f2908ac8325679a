package io.vettid.crypto.envelope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vettid.api.FailureReason;
import io.vettid.api.KeyId;
import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The committed envelope vectors (docs/vectors/envelope-v1.json) open as they say. */
class EnvelopeVectorsTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void everyVectorOpensOrFailsAsWritten() throws Exception {
    Path root = Path.of(System.getProperty("vettid.repo.root", "..")).toAbsolutePath().normalize();
    JsonNode file = new ObjectMapper().readTree(Files.readAllBytes(root.resolve("docs/vectors/envelope-v1.json")));
    int opened = 0;
    int refused = 0;
    for (JsonNode v : file.get("vectors")) {
      Suite suite = Suites.byName(v.get("suite").asText()).orElseThrow();
      assertThat(suite.id()).isEqualTo(v.get("suiteId").asInt());
      KeyId recipientId = KeyId.of(v.get("recipientKeyId").asText());
      KeyId senderId = KeyId.of(v.get("senderKeyId").asText());
      PublicKeyEntry sender = PublicKeyEntry.decode(senderId, suite.signature(), hex(v, "senderPublicKeySpki"));
      PublicKeyEntry.decode(recipientId, suite.wrap(), hex(v, "recipientPublicKeySpki"));
      PrivateKeyEntry recipient = new PrivateKeyEntry(recipientId, suite.wrap(),
          suite.wrap().decodePrivateKey(hex(v, "recipientPrivateKeyPkcs8")));
      Clock clock = Clock.fixed(Instant.parse(v.get("openAt").asText()), ZoneOffset.UTC);
      String dest = v.get("destination").asText();
      JsonNode events = v.get("events");

      Opener opener = opener(recipient, sender, clock);
      for (JsonNode e : events) {
        Opener.Opened o = opener.open(hex(e, "envelope"), dest);
        assertThat(o.plaintext()).isEqualTo(hex(e, "plaintext"));
        assertThat(o.sequence()).isEqualTo(e.get("sequence").asLong());
        assertThat(o.suite()).isSameAs(suite);
        opened++;
      }
      for (JsonNode c : v.get("invalid")) {
        Opener fresh = opener(recipient, sender, clock);
        for (int i = 0; i < c.get("afterValid").asInt(); i++) {
          fresh.open(hex(events.get(i), "envelope"), dest);
        }
        String at = c.has("destination") ? c.get("destination").asText() : dest;
        FailureReason reason = FailureReason.valueOf(c.get("reason").asText());
        assertThatThrownBy(() -> fresh.open(hex(c, "envelope"), at))
            .as("%s: %s", suite.name(), c.get("comment").asText())
            .isInstanceOfSatisfying(EnvelopeException.class, e -> assertThat(e.reason()).isEqualTo(reason));
        refused++;
      }
    }
    System.out.printf("envelope-v1.json: %d events opened, %d altered envelopes refused%n", opened, refused);
    assertThat(opened).isEqualTo(3 * Suites.all().size());
    assertThat(refused).isEqualTo(8 * Suites.all().size());
  }

  private static Opener opener(PrivateKeyEntry recipient, PublicKeyEntry sender, Clock clock) {
    return Opener.builder(id -> id.equals(recipient.keyId()) ? Optional.of(recipient) : Optional.empty(),
        id -> id.equals(sender.keyId()) ? Optional.of(sender) : Optional.empty()).clock(clock).build();
  }

  private static byte[] hex(JsonNode node, String field) {
    return HEX.parseHex(node.get(field).asText());
  }
}
