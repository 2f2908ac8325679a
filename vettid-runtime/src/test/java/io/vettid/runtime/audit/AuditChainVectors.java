package io.vettid.runtime.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.KeyId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes {@code docs/vectors/audit-chain-v1.json} (PROTOCOL section 6.5): a fixed Ed25519 key, a
 * chain of three entries and a checkpoint, and tampered copies with their first broken entry. Run
 * by hand when the format changes ({@code main}); {@link AuditChainVectorsTest} checks the
 * committed file against the code on every build.
 */
public final class AuditChainVectors {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private AuditChainVectors() {}

  /** The vectors' key: Ed25519 from the seed 00 01 02 ... 1f. */
  static KeyPair key() throws Exception {
    byte[] seed = new byte[32];
    for (int i = 0; i < 32; i++) {
      seed[i] = (byte) i;
    }
    KeyFactory kf = KeyFactory.getInstance("Ed25519");
    PrivateKey priv = kf.generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
    // the public key: sign nothing, derive it through the JDK's key pair from the same seed
    java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("Ed25519");
    g.initialize(NamedParameterSpec.ED25519, new java.security.SecureRandom() {
      private static final long serialVersionUID = 1L;

      @Override
      public void nextBytes(byte[] bytes) {
        System.arraycopy(seed, 0, bytes, 0, bytes.length);
      }
    });
    KeyPair generated = g.generateKeyPair();
    PublicKey pub = generated.getPublic();
    return new KeyPair(pub, priv);
  }

  static String keyId(KeyPair k) {
    return KeyId.derive("ed25519", k.getPublic().getEncoded()).value();
  }

  static byte[] sign(KeyPair k, byte[] message) throws Exception {
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(k.getPrivate());
    s.update(message);
    return s.sign();
  }

  /** The chain: three entries, then a checkpoint over them. */
  static List<String> chain(KeyPair k) throws Exception {
    List<String> lines = new ArrayList<>();
    String prev = AuditChain.GENESIS;
    ObjectNode[] bodies = {
        AuditChain.JSON.createObjectNode().put("time", "2026-12-07T10:00:00Z").put("kind", "rules")
            .put("revision", "1").put("rules", "chat").put("valid", "true"),
        AuditChain.JSON.createObjectNode().put("time", "2026-12-07T10:00:01.5Z").put("kind", "handled")
            .put("service", "Manager").put("type", "chat.message").put("eventId", "6d1f2c9e-4b0a-4f0e-9a57-3c2d1e0f9b8a")
            .put("connection", "7d9a2c40-0b61-4a8e-9d7c-2f1e0c3b5a11"),
        AuditChain.JSON.createObjectNode().put("time", "2026-12-07T10:00:02Z").put("kind", "denied")
            .put("service", "Manager").put("type", "chat.message").put("eventId", "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b")
            .put("connection", "7d9a2c40-0b61-4a8e-9d7c-2f1e0c3b5a11").put("reason", "DENIED_BY_RULE")
            .put("detail", "rule no-carol")};
    long seq = 0;
    for (ObjectNode b : bodies) {
      AuditChain.Written w = AuditChain.write(++seq, prev, b);
      lines.add(w.line());
      prev = w.hash();
    }
    ObjectNode cp = AuditChain.JSON.createObjectNode().put("time", "2026-12-07T10:00:03Z").put("kind", "checkpoint")
        .put("keyId", keyId(k)).put("signature",
            Base64.getEncoder().encodeToString(sign(k, AuditChain.checkpointMessage(prev))));
    lines.add(AuditChain.write(++seq, prev, cp).line());
    return lines;
  }

  static ObjectNode build() throws Exception {
    KeyPair k = key();
    List<String> lines = chain(k);
    ObjectNode root = JSON.createObjectNode();
    root.put("description", "The audit log's hash chain (PROTOCOL section 6.5): each line is '<hash> <body>', hash the"
        + " lowercase hex SHA-256 of body's bytes; body starts with seq and prev; a checkpoint's signature is the"
        + " identity key's over 'vettid-audit-checkpoint-v1\\n' + prev. The key is Ed25519 (RFC 8032, deterministic),"
        + " given as PKCS#8 and X.509 in base64.");
    root.put("version", 1);
    root.putObject("key").put("algorithm", "Ed25519").put("keyId", keyId(k))
        .put("pkcs8", Base64.getEncoder().encodeToString(k.getPrivate().getEncoded()))
        .put("spki", Base64.getEncoder().encodeToString(k.getPublic().getEncoded()));
    ArrayNode chain = root.putArray("chain");
    lines.forEach(chain::add);
    ArrayNode hashes = root.putArray("hashes");
    lines.forEach(l -> hashes.add(l.substring(0, 64)));
    root.put("checkpointMessageHex", HexFormat.of().formatHex(AuditChain.checkpointMessage(lines.get(2).substring(0, 64))));
    ArrayNode broken = root.putArray("broken");
    List<String> altered = new ArrayList<>(lines);
    altered.set(1, lines.get(1).replace("\"kind\":\"handled\"", "\"kind\":\"dropped\""));
    broken.add(tampered("entry 2 altered (handled made dropped)", altered, 2, "entry 2 was altered"));
    List<String> swapped = new ArrayList<>(List.of(lines.get(0), lines.get(2), lines.get(1), lines.get(3)));
    broken.add(tampered("entries 2 and 3 swapped", swapped, 2, "entry 2 has number 3"));
    List<String> removed = new ArrayList<>(List.of(lines.get(0), lines.get(2), lines.get(3)));
    broken.add(tampered("entry 2 removed", removed, 2, "entry 2 has number 3"));
    KeyPair other = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    List<String> resigned = new ArrayList<>(lines.subList(0, 3));
    ObjectNode cp = (ObjectNode) AuditChain.JSON.readTree(lines.get(3).substring(65));
    String prev = lines.get(2).substring(0, 64);
    ObjectNode body = AuditChain.JSON.createObjectNode().put("time", cp.path("time").asText()).put("kind", "checkpoint")
        .put("keyId", keyId(k)).put("signature",
            Base64.getEncoder().encodeToString(sign(other, AuditChain.checkpointMessage(prev))));
    resigned.add(AuditChain.write(4, prev, body).line());
    broken.add(tampered("the checkpoint signed by another key", resigned, 4,
        "entry 4 is a checkpoint whose signature does not verify"));
    return root;
  }

  private static ObjectNode tampered(String description, List<String> lines, int firstBroken, String problem) {
    ObjectNode n = JSON.createObjectNode().put("description", description);
    ArrayNode a = n.putArray("lines");
    lines.forEach(a::add);
    return n.put("firstBroken", firstBroken).put("problemStartsWith", problem);
  }

  /**
   * Writes the file.
   *
   * @param args the repository root (default: the working directory)
   * @throws Exception if it cannot be written
   */
  public static void main(String[] args) throws Exception {
    Path root = Path.of(args.length > 0 ? args[0] : ".");
    Files.writeString(root.resolve("docs/vectors/audit-chain-v1.json"), JSON.writeValueAsString(build()) + "\n");
  }
}
