package io.vettid.runtime.audit;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apiguardian.api.API;

/**
 * The audit log's hash chain, without storage: how an entry is written and how a sequence of
 * entries is verified. An entry is one line of text, {@code <hash> <body>}: the body is a JSON
 * object whose first members are {@code seq} (1, 2, ...) and {@code prev} (the hash of the entry
 * before, or 64 zeros for the first), and {@code hash} is the lowercase hex SHA-256 of the body's
 * UTF-8 bytes exactly as stored. A {@code checkpoint} entry also carries {@code keyId} and {@code
 * signature}: the vault's identity signature over {@code "vettid-audit-checkpoint-v1\n" + prev},
 * which signs everything before it. Entries hold ids, types, outcomes and reasons, never a payload
 * (PROTOCOL section 11).
 *
 * <pre>{@code
 * AuditChain.Verification v = AuditChain.verifier(verifier);
 * for (String line : lines) {
 *   if (!v.next(line)) {
 *     break; // v.problem() names the entry
 *   }
 * }
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class AuditChain {
  /** The {@code prev} of the first entry. */
  public static final String GENESIS = "0".repeat(64);
  /** What a checkpoint's signature covers, before the hash it signs. */
  public static final String CHECKPOINT_CONTEXT = "vettid-audit-checkpoint-v1\n";
  /** The longest entry accepted, in bytes. */
  public static final int MAX_ENTRY_BYTES = 16 * 1024;

  static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

  private AuditChain() {}

  /**
   * Writes an entry after another.
   *
   * @param seq its number (the previous one's plus one, 1 for the first)
   * @param prev the previous entry's hash ({@link #GENESIS} for the first)
   * @param fields its other members, in order (without {@code seq} and {@code prev})
   * @return the entry's line, and its hash
   */
  static Written write(long seq, String prev, ObjectNode fields) {
    ObjectNode body = JSON.createObjectNode().put("seq", seq).put("prev", prev);
    body.setAll(fields);
    String text = body.toString();
    String hash = sha256(text.getBytes(StandardCharsets.UTF_8));
    return new Written(hash + " " + text, hash);
  }

  /**
   * An entry written.
   *
   * @param line the line to store
   * @param hash its hash, the next entry's {@code prev}
   */
  record Written(String line, String hash) {}

  /** {@return the lowercase hex SHA-256 of these bytes} */
  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
  }

  /**
   * {@return the bytes a checkpoint after the entry with this hash signs}
   *
   * @param prev the hash of the entry before the checkpoint
   */
  public static byte[] checkpointMessage(String prev) {
    return (CHECKPOINT_CONTEXT + Objects.requireNonNull(prev, "prev")).getBytes(StandardCharsets.UTF_8);
  }

  /** Checks a checkpoint's signature. */
  @FunctionalInterface
  public interface Verifier {
    /**
     * Verifies a signature.
     *
     * @param keyId the keyID the checkpoint names
     * @param message the signed bytes ({@link #checkpointMessage})
     * @param signature the signature
     * @return whether it is a valid signature of that key (false for a key not known)
     */
    boolean verify(String keyId, byte[] message, byte[] signature);
  }

  /**
   * {@return a verification that starts at the first entry}
   *
   * @param verifier checks checkpoint signatures
   */
  public static Verification verifier(Verifier verifier) {
    return new Verification(Objects.requireNonNull(verifier, "verifier"));
  }

  /**
   * A verification in progress: feed it the entries in order with {@link #next}; it stops at the
   * first broken one and names it. Not thread-safe.
   */
  public static final class Verification {
    private final Verifier verifier;
    private long entries;
    private long checkpoints;
    private long lastSigned;
    private String prev = GENESIS;
    private String problem;

    Verification(Verifier verifier) {
      this.verifier = verifier;
    }

    /**
     * Checks the next entry.
     *
     * @param line the entry, as stored
     * @return whether the chain is still whole; once false, it stays false
     */
    public boolean next(String line) {
      if (problem != null) {
        return false;
      }
      long n = entries + 1;
      String why = check(Objects.requireNonNull(line, "line"), n);
      if (why != null) {
        problem = "entry " + n + " " + why;
        return false;
      }
      entries = n;
      return true;
    }

    private String check(String line, long n) {
      if (line.length() > MAX_ENTRY_BYTES) {
        return "is longer than " + MAX_ENTRY_BYTES + " bytes";
      }
      int space = line.indexOf(' ');
      if (space != 64 || !HASH.matcher(line.substring(0, 64)).matches()) {
        return "does not start with its hash";
      }
      String text = line.substring(65);
      String hash = line.substring(0, 64);
      if (!sha256(text.getBytes(StandardCharsets.UTF_8)).equals(hash)) {
        return "was altered: its hash does not match its content";
      }
      JsonNode body;
      try {
        body = JSON.readTree(text);
      } catch (java.io.IOException e) {
        return "is not a JSON object";
      }
      if (body == null || !body.isObject()) {
        return "is not a JSON object";
      }
      JsonNode seq = body.get("seq");
      if (seq == null || !seq.isIntegralNumber() || seq.longValue() != n) {
        return "has number " + (seq == null ? "none" : seq.toString()) + " where " + n
            + " was expected: an entry was removed, added or moved";
      }
      if (!prev.equals(body.path("prev").asText(null))) {
        return "does not follow entry " + (n - 1) + ": an entry was removed, added, moved or altered before it";
      }
      if ("checkpoint".equals(body.path("kind").asText())) {
        String keyId = body.path("keyId").asText("");
        byte[] signature;
        try {
          signature = java.util.Base64.getDecoder().decode(body.path("signature").asText(""));
        } catch (IllegalArgumentException e) {
          return "is a checkpoint whose signature is not base64";
        }
        boolean ok;
        try {
          ok = verifier.verify(keyId, checkpointMessage(prev), signature);
        } catch (RuntimeException e) {
          ok = false;
        }
        if (!ok) {
          return "is a checkpoint whose signature does not verify with the vault's identity key " + keyId;
        }
        checkpoints++;
        lastSigned = n;
      }
      prev = hash;
      return null;
    }

    /** {@return the entries verified so far} */
    public long entries() {
      return entries;
    }

    /** {@return the checkpoints verified so far} */
    public long checkpoints() {
      return checkpoints;
    }

    /** {@return the number of the last signed checkpoint, 0 if none} */
    public long lastSigned() {
      return lastSigned;
    }

    /** {@return the hash of the last entry verified ({@link #GENESIS} if none)} */
    public String head() {
      return prev;
    }

    /** {@return what broke the chain, naming the first broken entry, if it is broken} */
    public Optional<String> problem() {
      return Optional.ofNullable(problem);
    }
  }
}
