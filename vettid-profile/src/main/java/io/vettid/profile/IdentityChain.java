package io.vettid.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The history of an owner's identity key: each rotation a statement, signed by the key it replaces
 * and by the key that replaces it, that the one follows the other. A peer that pinned any key of
 * the chain follows it to the newest key by checking every statement from its pinned key on
 * ({@link #verify}), so a peer that was offline during several rotations re-pins in one step.
 *
 * <pre>{@literal
 * [{"rotation": {"version": 1, "previous": {"keyAlgorithm", "publicKey", "keyId"},
 *                "next": {"keyAlgorithm", "publicKey", "keyId"}, "issuedAt": "2026-12-07T02:00:00Z"},
 *   "signatures": {"previous": "<base64>", "next": "<base64>"}}, ...]
 * }</pre>
 *
 * <p>Both signatures cover {@code "vettid-identity-rotation-v1" || 0x00 || JCS(rotation)} (RFC
 * 8785 canonical JSON of the {@code rotation} member, PROTOCOL.md section 7.1). {@link #parse} is
 * strict like {@link SignedProfile#parse}: at most {@value #MAX_ROTATIONS} rotations and {@value
 * #MAX_BYTES} bytes, each rotation's {@code previous} the {@code next} of the one before, no key
 * twice (no loop can lead a peer back to a key it left), times never going back. Every refusal
 * is a {@link ProfileException}.
 *
 * <pre>{@code
 * IdentityChain chain = IdentityChain.EMPTY.rotate(algorithm, oldKeys, algorithm, newKeys, Instant.now(), random);
 * KeyId now = IdentityChain.parse(chain.bytes()).verify(pinned, algorithms);   // at the peer
 * }</pre>
 */
public final class IdentityChain {
  /** The most rotations a chain holds. */
  public static final int MAX_ROTATIONS = 64;
  /** Largest accepted encoding. */
  public static final int MAX_BYTES = 256 * 1024;
  /** The chain of an identity that never rotated. */
  public static final IdentityChain EMPTY = new IdentityChain(List.of());

  private static final byte[] DOMAIN = "vettid-identity-rotation-v1\0".getBytes(StandardCharsets.US_ASCII);
  private static final Set<String> TOP = Set.of("rotation", "signatures");
  private static final Set<String> ROTATION = Set.of("version", "previous", "next", "issuedAt");
  private static final Set<String> KEY = Set.of("keyAlgorithm", "publicKey", "keyId");
  private static final Set<String> SIGNATURES = Set.of("previous", "next");

  /**
   * An identity public key as a chain names it.
   *
   * @param keyAlgorithm the {@link KeyAlgorithm} name
   * @param publicKey the key, X.509 SubjectPublicKeyInfo
   * @param keyId its keyID
   */
  public record Key(String keyAlgorithm, byte[] publicKey, KeyId keyId) {
    /**
     * Validates.
     *
     * @param keyAlgorithm the record component {@code keyAlgorithm}
     * @param publicKey the record component {@code publicKey}
     * @param keyId the record component {@code keyId}
     */
    public Key {
      Objects.requireNonNull(keyAlgorithm, "keyAlgorithm");
      Objects.requireNonNull(keyId, "keyId");
      publicKey = Objects.requireNonNull(publicKey, "publicKey").clone();
      if (publicKey.length == 0 || publicKey.length > 8192) {
        throw new IllegalArgumentException("public key must be 1-8192 bytes");
      }
    }

    /**
     * The key of a key pair.
     *
     * @param algorithm its algorithm
     * @param keys the pair
     * @return the key
     */
    public static Key of(KeyAlgorithm algorithm, KeyPair keys) {
      return new Key(algorithm.name(), keys.getPublic().getEncoded(), algorithm.keyId(keys.getPublic()));
    }

    /** {@return a copy of the key's encoding} */
    @Override
    public byte[] publicKey() {
      return publicKey.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && keyAlgorithm.equals(k.keyAlgorithm) && Arrays.equals(publicKey, k.publicKey)
          && keyId.equals(k.keyId);
    }

    @Override
    public int hashCode() {
      return Objects.hash(keyAlgorithm, Arrays.hashCode(publicKey), keyId);
    }

    @Override
    public String toString() {
      return "Key[" + keyId + "]";
    }
  }

  /**
   * One rotation: {@code previous} replaced by {@code next}, signed by both.
   *
   * @param previous the replaced key
   * @param next the key that replaces it
   * @param issuedAt when, whole seconds
   * @param byPrevious the replaced key's signature
   * @param byNext the new key's signature
   */
  public record Rotation(Key previous, Key next, Instant issuedAt, byte[] byPrevious, byte[] byNext) {
    /**
     * Validates.
     *
     * @param previous the record component {@code previous}
     * @param next the record component {@code next}
     * @param issuedAt the record component {@code issuedAt}
     * @param byPrevious the record component {@code byPrevious}
     * @param byNext the record component {@code byNext}
     */
    public Rotation {
      Objects.requireNonNull(previous, "previous");
      Objects.requireNonNull(next, "next");
      Objects.requireNonNull(issuedAt, "issuedAt");
      byPrevious = Objects.requireNonNull(byPrevious, "byPrevious").clone();
      byNext = Objects.requireNonNull(byNext, "byNext").clone();
      if (previous.keyId().equals(next.keyId())) {
        throw new IllegalArgumentException("a rotation must change the key");
      }
    }

    /** {@return a copy of the replaced key's signature} */
    @Override
    public byte[] byPrevious() {
      return byPrevious.clone();
    }

    /** {@return a copy of the new key's signature} */
    @Override
    public byte[] byNext() {
      return byNext.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Rotation r && previous.equals(r.previous) && next.equals(r.next)
          && issuedAt.equals(r.issuedAt) && Arrays.equals(byPrevious, r.byPrevious) && Arrays.equals(byNext, r.byNext);
    }

    @Override
    public int hashCode() {
      return Objects.hash(previous, next, issuedAt, Arrays.hashCode(byPrevious), Arrays.hashCode(byNext));
    }

    @Override
    public String toString() {
      return "Rotation[" + previous.keyId() + " -> " + next.keyId() + " at " + issuedAt + "]";
    }

    private ObjectNode statement() {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("version", 1);
      key(n.putObject("previous"), previous);
      key(n.putObject("next"), next);
      n.put("issuedAt", issuedAt.toString());
      return n;
    }

    private byte[] signedBytes() {
      return signedBytes(statement());
    }

    private static byte[] signedBytes(ObjectNode statement) {
      byte[] c = Canonical.bytes(statement);
      byte[] out = Arrays.copyOf(DOMAIN, DOMAIN.length + c.length);
      System.arraycopy(c, 0, out, DOMAIN.length, c.length);
      return out;
    }

    private static void key(ObjectNode n, Key k) {
      n.put("keyAlgorithm", k.keyAlgorithm()).put("publicKey", Base64.getEncoder().encodeToString(k.publicKey))
          .put("keyId", k.keyId().value());
    }
  }

  private final List<Rotation> rotations;

  private IdentityChain(List<Rotation> rotations) {
    this.rotations = List.copyOf(rotations);
  }

  /**
   * A chain of rotations, checked for shape (not signatures: {@link #verify}).
   *
   * @param rotations the rotations, oldest first
   * @return the chain
   * @throws ProfileException {@code MALFORMED} if the rotations do not follow one another, repeat
   *     a key, go back in time or are too many
   */
  public static IdentityChain of(List<Rotation> rotations) throws ProfileException {
    Objects.requireNonNull(rotations, "rotations");
    if (rotations.size() > MAX_ROTATIONS) {
      throw SignedProfile.malformed("a chain holds at most " + MAX_ROTATIONS + " rotations");
    }
    Set<KeyId> seen = new HashSet<>();
    Rotation before = null;
    for (Rotation r : rotations) {
      Objects.requireNonNull(r, "rotation");
      if (before != null && !before.next().keyId().equals(r.previous().keyId())) {
        throw SignedProfile.malformed("rotation " + r.previous().keyId() + " does not follow " + before.next().keyId());
      }
      if (before != null && r.issuedAt().isBefore(before.issuedAt())) {
        throw SignedProfile.malformed("rotation to " + r.next().keyId() + " is dated before the one it follows");
      }
      if ((before == null && !seen.add(r.previous().keyId())) || !seen.add(r.next().keyId())) {
        throw SignedProfile.malformed("key " + r.next().keyId() + " appears twice in the chain");
      }
      before = r;
    }
    return new IdentityChain(rotations);
  }

  /**
   * This chain with one more rotation, signed by both keys.
   *
   * @param previousAlgorithm the current key's algorithm
   * @param previous the current key pair (this chain's newest, when the chain is not empty)
   * @param nextAlgorithm the new key's algorithm
   * @param next the new key pair
   * @param at when (truncated to seconds)
   * @param random randomness for the signatures
   * @return the longer chain
   * @throws GeneralSecurityException if signing fails
   * @throws IllegalArgumentException if {@code previous} is not this chain's newest key, or the
   *     chain is full
   */
  public IdentityChain rotate(KeyAlgorithm previousAlgorithm, KeyPair previous, KeyAlgorithm nextAlgorithm,
      KeyPair next, Instant at, SecureRandom random) throws GeneralSecurityException {
    Objects.requireNonNull(random, "random");
    Key from = Key.of(Objects.requireNonNull(previousAlgorithm, "previousAlgorithm"), Objects.requireNonNull(previous, "previous"));
    Key to = Key.of(Objects.requireNonNull(nextAlgorithm, "nextAlgorithm"), Objects.requireNonNull(next, "next"));
    if (!rotations.isEmpty() && !newest().orElseThrow().equals(from.keyId())) {
      throw new IllegalArgumentException("the chain's newest key is " + newest().orElseThrow() + ", not " + from.keyId());
    }
    Instant when = Objects.requireNonNull(at, "at").truncatedTo(ChronoUnit.SECONDS);
    if (!rotations.isEmpty() && when.isBefore(rotations.get(rotations.size() - 1).issuedAt())) {
      when = rotations.get(rotations.size() - 1).issuedAt();
    }
    byte[] unsigned = new Rotation(from, to, when, new byte[0], new byte[0]).signedBytes();
    Rotation r = new Rotation(from, to, when, previousAlgorithm.sign(previous.getPrivate(), unsigned, random),
        nextAlgorithm.sign(next.getPrivate(), unsigned, random));
    List<Rotation> longer = new ArrayList<>(rotations);
    longer.add(r);
    try {
      return of(longer);
    } catch (ProfileException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** {@return the rotations, oldest first} */
  public List<Rotation> rotations() {
    return rotations;
  }

  /** {@return whether the identity never rotated} */
  public boolean isEmpty() {
    return rotations.isEmpty();
  }

  /** {@return the newest key's keyID, empty for an empty chain} */
  public Optional<KeyId> newest() {
    return rotations.isEmpty() ? Optional.empty() : Optional.of(rotations.get(rotations.size() - 1).next().keyId());
  }

  /**
   * Whether the chain names this key (as replaced or as new).
   *
   * @param key the keyID
   * @return whether it does
   */
  public boolean names(KeyId key) {
    Objects.requireNonNull(key, "key");
    return rotations.stream().anyMatch(r -> r.previous().keyId().equals(key) || r.next().keyId().equals(key));
  }

  /**
   * The part of the chain a peer that pinned {@code pinned} needs: the rotations from the one that
   * replaced it. Older keys are not shown to it.
   *
   * @param pinned the key the peer knows
   * @return the rotations after it (empty if it is the newest)
   * @throws IllegalArgumentException if the chain does not name it
   */
  public IdentityChain since(KeyId pinned) {
    Objects.requireNonNull(pinned, "pinned");
    for (int i = 0; i < rotations.size(); i++) {
      if (rotations.get(i).previous().keyId().equals(pinned)) {
        return new IdentityChain(rotations.subList(i, rotations.size()));
      }
    }
    if (newest().filter(pinned::equals).isPresent()) {
      return EMPTY;
    }
    throw new IllegalArgumentException("the chain does not name " + pinned);
  }

  /**
   * Follows the chain from a pinned key: every rotation from the one replacing {@code pinned} is
   * checked (both keyIDs belong to their keys, both algorithms are known, both signatures verify).
   *
   * @param pinned the identity keyID this peer knows for the owner
   * @param algorithms finds a {@link KeyAlgorithm} by name
   * @return the newest keyID, to pin instead ({@code pinned} itself if it is the newest)
   * @throws ProfileException {@code UNEXPECTED_KEY} if the chain does not lead from {@code pinned},
   *     {@code UNKNOWN_ALGORITHM}, {@code KEY_ID_MISMATCH} or {@code BAD_SIGNATURE}
   */
  public KeyId verify(KeyId pinned, Function<String, Optional<KeyAlgorithm>> algorithms) throws ProfileException {
    Objects.requireNonNull(pinned, "pinned");
    Objects.requireNonNull(algorithms, "algorithms");
    IdentityChain from;
    try {
      from = since(pinned);
    } catch (IllegalArgumentException e) {
      throw new ProfileException(ProfileException.Problem.UNEXPECTED_KEY,
          "the chain does not lead from the pinned identity " + pinned);
    }
    KeyId at = pinned;
    for (Rotation r : from.rotations) {
      byte[] signed = r.signedBytes();
      KeyAlgorithm previous = algorithm(r.previous(), algorithms);
      KeyAlgorithm next = algorithm(r.next(), algorithms);
      check(previous, r.previous(), signed, r.byPrevious);
      check(next, r.next(), signed, r.byNext);
      at = r.next().keyId();
    }
    return at;
  }

  /** The key's algorithm, once its keyID is known to belong to it. */
  private static KeyAlgorithm algorithm(Key key, Function<String, Optional<KeyAlgorithm>> algorithms)
      throws ProfileException {
    KeyAlgorithm algorithm = algorithms.apply(key.keyAlgorithm()).orElseThrow(() -> new ProfileException(
        ProfileException.Problem.UNKNOWN_ALGORITHM, "unknown key algorithm '" + key.keyAlgorithm() + "'"));
    if (!key.keyId().matches(key.publicKey) || !key.keyId().algorithmTag().equals(algorithm.keyIdTag())) {
      throw new ProfileException(ProfileException.Problem.KEY_ID_MISMATCH,
          "keyID " + key.keyId() + " does not belong to the key it names");
    }
    return algorithm;
  }

  private static void check(KeyAlgorithm algorithm, Key key, byte[] signed, byte[] signature) throws ProfileException {
    boolean ok;
    try {
      ok = algorithm.verify(algorithm.decodePublicKey(key.publicKey), signed, signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new ProfileException(ProfileException.Problem.BAD_SIGNATURE,
          "the key or signature of " + key.keyId() + " cannot be used: " + e.getClass().getSimpleName(), e);
    }
    if (!ok) {
      throw new ProfileException(ProfileException.Problem.BAD_SIGNATURE,
          "the rotation is not signed by " + key.keyId() + ": it was altered or signed by another key");
    }
  }

  /** {@return the encoding: a JSON array, canonical (RFC 8785)} */
  public byte[] bytes() {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (Rotation r : rotations) {
      ObjectNode o = a.addObject();
      o.set("rotation", r.statement());
      o.putObject("signatures").put("previous", Base64.getEncoder().encodeToString(r.byPrevious))
          .put("next", Base64.getEncoder().encodeToString(r.byNext));
    }
    return Canonical.bytes(a);
  }

  /**
   * Parses a chain strictly. Does not verify signatures: call {@link #verify}.
   *
   * @param bytes the encoding
   * @return the chain
   * @throws ProfileException {@code MALFORMED} (naming what) or {@code UNKNOWN_VERSION}
   */
  public static IdentityChain parse(byte[] bytes) throws ProfileException {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length > MAX_BYTES) {
      throw SignedProfile.malformed("the chain is larger than " + MAX_BYTES + " bytes");
    }
    JsonNode top;
    try {
      top = SignedProfile.MAPPER.readTree(bytes);
    } catch (IOException | RuntimeException e) {
      throw SignedProfile.malformed("not JSON: " + e.getClass().getSimpleName());
    }
    if (top == null || !top.isArray()) {
      throw SignedProfile.malformed("a chain is a JSON array");
    }
    if (top.size() > MAX_ROTATIONS) {
      throw SignedProfile.malformed("a chain holds at most " + MAX_ROTATIONS + " rotations");
    }
    List<Rotation> rotations = new ArrayList<>();
    for (JsonNode item : top) {
      rotations.add(rotation(item));
    }
    return of(rotations);
  }

  private static Rotation rotation(JsonNode item) throws ProfileException {
    if (!item.isObject()) {
      throw SignedProfile.malformed("a chain holds objects");
    }
    SignedProfile.only(item, TOP, "");
    JsonNode r = SignedProfile.object(item, "rotation", "rotation");
    JsonNode version = r.get("version");
    if (version == null || !version.isIntegralNumber()) {
      throw SignedProfile.malformed("'rotation.version' must be an integer");
    }
    if (!version.canConvertToInt() || version.intValue() != 1) {
      throw new ProfileException(ProfileException.Problem.UNKNOWN_VERSION,
          "rotation version " + version.asText() + " is not known here (this reads 1)");
    }
    SignedProfile.only(r, ROTATION, "rotation.");
    JsonNode s = SignedProfile.object(item, "signatures", "signatures");
    SignedProfile.only(s, SIGNATURES, "signatures.");
    Rotation parsed;
    try {
      parsed = new Rotation(key(r, "previous"), key(r, "next"),
          Instant.parse(SignedProfile.text(r, "issuedAt", "rotation.issuedAt")),
          SignedProfile.base64(s, "previous", "signatures.previous"), SignedProfile.base64(s, "next", "signatures.next"));
    } catch (RuntimeException e) {
      throw SignedProfile.malformed("bad value: " + e.getMessage());
    }
    if (!parsed.statement().equals(r)) {
      // e.g. "issuedAt" with fractions: the signatures cover the canonical form
      throw SignedProfile.malformed("'rotation' is not in canonical form");
    }
    return parsed;
  }

  private static Key key(JsonNode r, String name) throws ProfileException {
    JsonNode k = SignedProfile.object(r, name, "rotation." + name);
    SignedProfile.only(k, KEY, "rotation." + name + ".");
    String path = "rotation." + name + ".";
    return new Key(SignedProfile.text(k, "keyAlgorithm", path + "keyAlgorithm"),
        SignedProfile.base64(k, "publicKey", path + "publicKey"), KeyId.of(SignedProfile.text(k, "keyId", path + "keyId")));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdentityChain c && rotations.equals(c.rotations);
  }

  @Override
  public int hashCode() {
    return rotations.hashCode();
  }

  @Override
  public String toString() {
    return "IdentityChain[" + rotations.size() + " rotations" + newest().map(k -> ", newest " + k).orElse("") + "]";
  }
}
