package io.vettid.nats.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A request about NATS accounts, signed with the keys of the accounts it is about, so that whoever
 * holds only their public keys (an EventSpace server's Concierge) can tell their holder asked for
 * it. On the wire (PROTOCOL.md section 5.2) it is the JSON object
 * {@code {"body":"<base64url>","sigs":{"<account public key>":"<base64url signature>",...}}}: the
 * body's exact bytes, and one Ed25519 signature over them per account ({@link
 * NatsAccount#signRequest}), base64url without padding.
 *
 * @param body the request's bytes (JSON, as the service defines it)
 * @param signatures account public key to signature
 */
public record SignedRequest(byte[] body, Map<String, byte[]> signatures) {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** The largest encoded request a Concierge reads. */
  public static final int MAX_BYTES = 64 * 1024;
  private static final int MAX_SIGNATURES = 4;

  /**
   * Validates.
   *
   * @param body the request's bytes
   * @param signatures account public key to signature (1 to 4)
   */
  public SignedRequest {
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(signatures, "signatures");
    if (signatures.isEmpty() || signatures.size() > MAX_SIGNATURES) {
      throw new IllegalArgumentException("a signed request has 1 to " + MAX_SIGNATURES + " signatures");
    }
    body = body.clone();
    signatures = Map.copyOf(new TreeMap<>(signatures));
  }

  /**
   * Signs a body with the keys of the given accounts.
   *
   * @param body the request's bytes
   * @param accounts accounts whose keys this side holds
   * @return the signed request
   */
  public static SignedRequest sign(byte[] body, NatsAccount... accounts) {
    Objects.requireNonNull(body, "body");
    Map<String, byte[]> sigs = new TreeMap<>();
    for (NatsAccount a : accounts) {
      sigs.put(a.publicKey(), a.signRequest(body));
    }
    return new SignedRequest(body, sigs);
  }

  /**
   * Whether the account's key signed the body.
   *
   * @param accountPublicKey the account's public key
   * @return true only if a signature for it is there and verifies
   */
  public boolean signedBy(String accountPublicKey) {
    byte[] sig = signatures.get(Objects.requireNonNull(accountPublicKey, "accountPublicKey"));
    return sig != null && NatsAccount.verifyRequest(accountPublicKey, body, sig);
  }

  /** {@return the body's bytes (a copy)} */
  @Override
  public byte[] body() {
    return body.clone();
  }

  /** {@return the wire form} */
  public byte[] encode() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    ObjectNode n = MAPPER.createObjectNode();
    n.put("body", b64.encodeToString(body));
    ObjectNode s = n.putObject("sigs");
    new TreeMap<>(signatures).forEach((k, v) -> s.put(k, b64.encodeToString(v)));
    return n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Reads the wire form.
   *
   * @param bytes what arrived
   * @return the request (its signatures not yet checked: {@link #signedBy})
   * @throws IllegalArgumentException if it is not a signed request; the message says what is wrong
   */
  public static SignedRequest decode(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length > MAX_BYTES) {
      throw new IllegalArgumentException("a signed request is at most " + MAX_BYTES + " bytes, got " + bytes.length);
    }
    JsonNode n;
    try {
      n = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("a signed request is a JSON object");
    }
    if (n == null || !n.isObject() || n.size() != 2 || !n.path("body").isTextual() || !n.path("sigs").isObject()) {
      throw new IllegalArgumentException("a signed request has exactly 'body' (text) and 'sigs' (object)");
    }
    Base64.Decoder b64 = Base64.getUrlDecoder();
    Map<String, byte[]> sigs = new TreeMap<>();
    try {
      byte[] body = b64.decode(n.get("body").textValue());
      for (Iterator<Map.Entry<String, JsonNode>> it = n.get("sigs").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          throw new IllegalArgumentException("a signature of a signed request is base64url text");
        }
        sigs.put(e.getKey(), b64.decode(e.getValue().textValue()));
      }
      return new SignedRequest(body, sigs);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a signed request: " + e.getMessage());
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SignedRequest r) || !java.util.Arrays.equals(body, r.body)
        || !signatures.keySet().equals(r.signatures.keySet())) {
      return false;
    }
    return signatures.entrySet().stream().allMatch(e -> java.util.Arrays.equals(e.getValue(), r.signatures.get(e.getKey())));
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(body) * 31 + signatures.keySet().hashCode();
  }

  @Override
  public String toString() {
    return "SignedRequest[" + body.length + " bytes, signed for " + signatures.keySet() + "]";
  }
}
