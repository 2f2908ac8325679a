package io.vettid.runtime.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code docs/vectors/audit-chain-v1.json} against the code, and by the format alone. */
class AuditChainVectorsTest {
  static Path root() {
    Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("docs/PROTOCOL.md"))) {
      p = p.getParent();
    }
    return p;
  }

  static JsonNode vectors() throws Exception {
    return AuditChainVectors.JSON.readTree(root().resolve("docs/vectors/audit-chain-v1.json").toFile());
  }

  static AuditChain.Verifier verifier(JsonNode v) throws Exception {
    PublicKey pub = KeyFactory.getInstance("Ed25519").generatePublic(
        new X509EncodedKeySpec(Base64.getDecoder().decode(v.at("/key/spki").asText())));
    String keyId = v.at("/key/keyId").asText();
    return (id, message, signature) -> {
      try {
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(pub);
        s.update(message);
        return id.equals(keyId) && s.verify(signature);
      } catch (java.security.GeneralSecurityException e) {
        return false;
      }
    };
  }

  static List<String> lines(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(l -> out.add(l.asText()));
    return out;
  }

  @Test
  void theCommittedVectorsAreWhatTheCodeWrites() throws Exception {
    JsonNode committed = vectors();
    JsonNode now = AuditChainVectors.build();
    // the last case is signed by a fresh key each time: everything else is deterministic
    assertThat(committed.path("chain")).isEqualTo(now.path("chain"));
    assertThat(committed.path("hashes")).isEqualTo(now.path("hashes"));
    assertThat(committed.path("key")).isEqualTo(now.path("key"));
    assertThat(committed.path("checkpointMessageHex")).isEqualTo(now.path("checkpointMessageHex"));
    for (int i = 0; i < 3; i++) {
      assertThat(committed.path("broken").get(i)).isEqualTo(now.path("broken").get(i));
    }
  }

  @Test
  void theChainVerifiesAndEachTamperedCopyNamesItsFirstBrokenEntry() throws Exception {
    JsonNode v = vectors();
    AuditChain.Verification ok = AuditChain.verifier(verifier(v));
    for (String line : lines(v.path("chain"))) {
      assertThat(ok.next(line)).as(ok.problem().orElse("")).isTrue();
    }
    assertThat(ok.checkpoints()).isEqualTo(1);
    for (JsonNode b : v.path("broken")) {
      AuditChain.Verification t = AuditChain.verifier(verifier(v));
      lines(b.path("lines")).forEach(t::next);
      assertThat(t.problem()).as(b.path("description").asText()).isPresent();
      assertThat(t.problem().orElseThrow()).startsWith(b.path("problemStartsWith").asText());
      assertThat(t.entries()).isEqualTo(b.path("firstBroken").asLong() - 1);
    }
  }

  /** What an implementation in another language does: SHA-256 and Ed25519, nothing of this code. */
  @Test
  void theFormatAloneChecksTheChain() throws Exception {
    JsonNode v = vectors();
    List<String> chain = lines(v.path("chain"));
    String prev = "0".repeat(64);
    for (int i = 0; i < chain.size(); i++) {
      String line = chain.get(i);
      String body = line.substring(65);
      String hash = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      assertThat(line.substring(0, 64)).isEqualTo(hash).isEqualTo(v.path("hashes").get(i).asText());
      assertThat(body).startsWith("{\"seq\":" + (i + 1) + ",\"prev\":\"" + prev + "\"");
      prev = hash;
    }
    JsonNode cp = AuditChainVectors.JSON.readTree(chain.get(3).substring(65));
    byte[] message = ("vettid-audit-checkpoint-v1\n" + chain.get(2).substring(0, 64))
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(HexFormat.of().formatHex(message)).isEqualTo(v.path("checkpointMessageHex").asText());
    byte[] expected = AuditChainVectors.sign(AuditChainVectors.key(), message);
    assertThat(Base64.getDecoder().decode(cp.path("signature").asText())).isEqualTo(expected);
  }
}
