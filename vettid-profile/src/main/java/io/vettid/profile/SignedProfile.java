package io.vettid.profile;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.EventType;
import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;

/**
 * A {@link Profile} with its owner's signature, as published:
 *
 * <pre>{@literal
 * {"profile": {"version": 1, "eventSpace": "home", "owner": {...}, "sharedData": {...},
 *              "eventTypes": [...], "resources": [...], "links": [...], "issuedAt": "..."},
 *  "signature": {"keyId": "rsa4096-...", "value": "<base64>"}}
 * }</pre>
 *
 * <p>The signature covers {@code "vettid-profile-v1" || 0x00 || JCS(profile)} (RFC 8785 canonical
 * JSON of the {@code profile} member) and is made with the owner's identity key named in the
 * profile. {@link #parse} is strict (at most 64 KiB, duplicate keys, unknown fields, wrong types
 * and bad values are refused with the field named; an unknown {@code version} is refused as such
 * before anything else). {@link #verify} checks, in this order, that the algorithm is known, that
 * the owner's keyID belongs to the owner's key, that the signature names that key, and that it
 * verifies. Every refusal is a {@link ProfileException}; nothing else escapes.
 */
public final class SignedProfile {
  /** Largest accepted encoding. */
  public static final int MAX_BYTES = 64 * 1024;

  private static final byte[] DOMAIN = "vettid-profile-v1\0".getBytes(StandardCharsets.US_ASCII);
  static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final Set<String> TOP = Set.of("profile", "signature");
  private static final Set<String> PROFILE = Set.of("version", "eventSpace", "owner", "sharedData", "eventTypes",
      "resources", "links", "issuedAt");
  private static final Set<String> OWNER = Set.of("firstName", "age", "ageOver", "location", "keyAlgorithm",
      "publicKey", "keyId");
  private static final Set<String> SIGNATURE = Set.of("keyId", "value");
  private static final Set<String> RESOURCE = Set.of("name", "version", "location", "sha256");
  private static final Set<String> LINK = Set.of("label", "uri");

  static {
    MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build());
  }

  private final Profile profile;
  private final ObjectNode profileJson;
  private final KeyId signer;
  private final byte[] signature;

  private SignedProfile(Profile profile, ObjectNode profileJson, KeyId signer, byte[] signature) {
    this.profile = profile;
    this.profileJson = profileJson;
    this.signer = signer;
    this.signature = signature;
  }

  /**
   * Signs a profile with the owner's identity key.
   *
   * @param profile the profile
   * @param algorithm the identity key's algorithm (must be the one the profile names)
   * @param identityKey the owner's identity private key
   * @param random randomness for the signature
   * @return the signed profile
   * @throws GeneralSecurityException if signing fails
   * @throws IllegalArgumentException if the algorithm is not the profile's
   */
  public static SignedProfile sign(Profile profile, KeyAlgorithm algorithm, PrivateKey identityKey, SecureRandom random)
      throws GeneralSecurityException {
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(identityKey, "identityKey");
    Objects.requireNonNull(random, "random");
    if (!algorithm.name().equals(profile.owner().keyAlgorithm())) {
      throw new IllegalArgumentException("the profile names " + profile.owner().keyAlgorithm() + ", not " + algorithm.name());
    }
    ObjectNode json = toJson(profile);
    byte[] sig = algorithm.sign(identityKey, signedBytes(json), random);
    return new SignedProfile(profile, json, profile.owner().keyId(), sig);
  }

  private static byte[] signedBytes(ObjectNode profileJson) {
    byte[] c = Canonical.bytes(profileJson);
    byte[] out = new byte[DOMAIN.length + c.length];
    System.arraycopy(DOMAIN, 0, out, 0, DOMAIN.length);
    System.arraycopy(c, 0, out, DOMAIN.length, c.length);
    return out;
  }

  /** {@return the profile (verify before trusting it)} */
  public Profile profile() {
    return profile;
  }

  /** {@return a copy of the profile as JSON, the form the signature covers (PROTOCOL.md section 7)} */
  public ObjectNode profileJson() {
    return profileJson.deepCopy();
  }

  /** {@return the keyID the signature names} */
  public KeyId signer() {
    return signer;
  }

  /** {@return the published encoding} */
  public byte[] bytes() {
    ObjectNode top = JsonNodeFactory.instance.objectNode();
    top.set("profile", profileJson.deepCopy());
    top.putObject("signature").put("keyId", signer.value())
        .put("value", Base64.getEncoder().encodeToString(signature));
    return Canonical.bytes(top);
  }

  /**
   * Verifies the signature against the key the profile names.
   *
   * @param algorithms finds a {@link KeyAlgorithm} by name
   * @return the profile
   * @throws ProfileException {@code UNKNOWN_ALGORITHM}, {@code KEY_ID_MISMATCH} or {@code
   *     BAD_SIGNATURE}
   */
  public Profile verify(Function<String, Optional<KeyAlgorithm>> algorithms) throws ProfileException {
    Objects.requireNonNull(algorithms, "algorithms");
    Profile.Owner owner = profile.owner();
    KeyAlgorithm algorithm = algorithms.apply(owner.keyAlgorithm()).orElseThrow(() -> new ProfileException(
        ProfileException.Problem.UNKNOWN_ALGORITHM, "unknown key algorithm '" + owner.keyAlgorithm() + "'"));
    if (!owner.keyId().matches(owner.publicKey()) || !owner.keyId().algorithmTag().equals(algorithm.keyIdTag())) {
      throw new ProfileException(ProfileException.Problem.KEY_ID_MISMATCH,
          "the owner's keyID " + owner.keyId() + " does not belong to the owner's key");
    }
    if (!signer.equals(owner.keyId())) {
      throw new ProfileException(ProfileException.Problem.KEY_ID_MISMATCH,
          "the signature names " + signer + ", not the owner's key " + owner.keyId());
    }
    boolean ok;
    try {
      PublicKey key = algorithm.decodePublicKey(owner.publicKey());
      ok = algorithm.verify(key, signedBytes(profileJson), signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new ProfileException(ProfileException.Problem.BAD_SIGNATURE,
          "the owner's key or signature cannot be used: " + e.getClass().getSimpleName(), e);
    }
    if (!ok) {
      throw new ProfileException(ProfileException.Problem.BAD_SIGNATURE,
          "the signature does not verify: the profile was altered or signed by another key");
    }
    return profile;
  }

  /**
   * Verifies and also requires a given signer (the key you already know for this owner).
   *
   * @param algorithms finds a {@link KeyAlgorithm} by name
   * @param expected the identity keyID you expect
   * @return the profile
   * @throws ProfileException as {@link #verify(Function)}, or {@code UNEXPECTED_KEY}
   */
  public Profile verify(Function<String, Optional<KeyAlgorithm>> algorithms, KeyId expected) throws ProfileException {
    Profile p = verify(algorithms);
    if (!p.owner().keyId().equals(Objects.requireNonNull(expected, "expected"))) {
      throw new ProfileException(ProfileException.Problem.UNEXPECTED_KEY,
          "signed by " + p.owner().keyId() + ", expected " + expected);
    }
    return p;
  }

  // ------------------------------------------------------------------ JSON

  static ObjectNode toJson(Profile p) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode n = f.objectNode();
    n.put("version", Profile.SCHEMA_VERSION);
    n.put("eventSpace", p.eventSpace());
    ObjectNode o = n.putObject("owner");
    Profile.Owner owner = p.owner();
    o.put("firstName", owner.firstName());
    owner.age().ifPresent(a -> o.put("age", a));
    owner.ageOver().ifPresent(a -> o.put("ageOver", a));
    owner.location().ifPresent(l -> o.put("location", l));
    o.put("keyAlgorithm", owner.keyAlgorithm());
    o.put("publicKey", Base64.getEncoder().encodeToString(owner.publicKey()));
    o.put("keyId", owner.keyId().value());
    ObjectNode shared = n.putObject("sharedData");
    p.sharedData().forEach(shared::put);
    ArrayNode types = n.putArray("eventTypes");
    p.eventTypes().forEach(t -> types.add(t.value()));
    ArrayNode res = n.putArray("resources");
    p.resources().forEach(r -> res.addObject().put("name", r.name()).put("version", r.version())
        .put("location", r.location().toString()).put("sha256", r.sha256()));
    ArrayNode links = n.putArray("links");
    p.links().forEach(l -> links.addObject().put("label", l.label()).put("uri", l.uri().toString()));
    n.put("issuedAt", p.issuedAt().toString());
    return n;
  }

  /**
   * Parses a published profile strictly. Does not verify it: call {@link #verify}.
   *
   * @param bytes the encoding
   * @return the signed profile
   * @throws ProfileException {@code MALFORMED} (naming the field) or {@code UNKNOWN_VERSION}
   */
  public static SignedProfile parse(byte[] bytes) throws ProfileException {
    Objects.requireNonNull(bytes, "bytes");
    JsonNode top = envelope(bytes);
    JsonNode pj = top.get("profile");
    try {
      Profile profile = new Profile(text(pj, "eventSpace", "profile.eventSpace"), owner(pj), sharedData(pj),
          eventTypes(pj), resources(pj), links(pj), Instant.parse(text(pj, "issuedAt", "profile.issuedAt")));
      JsonNode sig = object(top, "signature", "signature");
      only(sig, SIGNATURE, "signature.");
      KeyId signer = KeyId.of(text(sig, "keyId", "signature.keyId"));
      byte[] value = base64(sig, "value", "signature.value");
      ObjectNode canonical = toJson(profile);
      if (!canonical.equals(pj)) {
        // e.g. "issuedAt" with fractions, or a sha256 in upper case: the signature covers the canonical form
        throw malformed("'profile' is not in canonical form");
      }
      return new SignedProfile(profile, canonical, signer, value);
    } catch (ProfileException e) {
      throw e;
    } catch (RuntimeException e) {
      throw malformed("bad value: " + e.getMessage());
    }
  }

  /** The top object, with a {@code profile} object of the known version and only known members. */
  private static JsonNode envelope(byte[] bytes) throws ProfileException {
    if (bytes.length > MAX_BYTES) {
      throw malformed("the profile is larger than " + MAX_BYTES + " bytes");
    }
    JsonNode top;
    try {
      top = MAPPER.readTree(bytes);
    } catch (IOException | RuntimeException e) {
      throw malformed("not JSON: " + e.getClass().getSimpleName());
    }
    if (top == null || !top.isObject()) {
      throw malformed("not a JSON object");
    }
    JsonNode pj = top.get("profile");
    if (pj == null || !pj.isObject()) {
      throw malformed("'profile' must be an object");
    }
    JsonNode version = pj.get("version");
    if (version == null || !version.isIntegralNumber()) {
      throw malformed("'profile.version' must be an integer");
    }
    if (!version.canConvertToInt() || version.intValue() != Profile.SCHEMA_VERSION) {
      throw new ProfileException(ProfileException.Problem.UNKNOWN_VERSION,
          "profile schema version " + version.asText() + " is not known here (this reads " + Profile.SCHEMA_VERSION + ")");
    }
    only(top, TOP, "");
    only(pj, PROFILE, "profile.");
    return top;
  }

  private static Profile.Owner owner(JsonNode pj) throws ProfileException {
    JsonNode oj = object(pj, "owner", "profile.owner");
    only(oj, OWNER, "profile.owner.");
    return new Profile.Owner(text(oj, "firstName", "profile.owner.firstName"),
        optionalInt(oj, "age", "profile.owner.age"), optionalInt(oj, "ageOver", "profile.owner.ageOver"),
        oj.has("location") ? Optional.of(text(oj, "location", "profile.owner.location")) : Optional.empty(),
        text(oj, "keyAlgorithm", "profile.owner.keyAlgorithm"),
        base64(oj, "publicKey", "profile.owner.publicKey"),
        KeyId.of(text(oj, "keyId", "profile.owner.keyId")));
  }

  private static Map<String, String> sharedData(JsonNode pj) throws ProfileException {
    Map<String, String> shared = new LinkedHashMap<>();
    JsonNode sj = object(pj, "sharedData", "profile.sharedData");
    for (Iterator<Map.Entry<String, JsonNode>> it = sj.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      shared.put(e.getKey(), text(sj, e.getKey(), "profile.sharedData." + e.getKey()));
    }
    return shared;
  }

  private static List<EventType> eventTypes(JsonNode pj) throws ProfileException {
    List<EventType> types = new ArrayList<>();
    for (JsonNode t : array(pj, "eventTypes", "profile.eventTypes")) {
      if (!t.isTextual()) {
        throw malformed("'profile.eventTypes' must hold strings");
      }
      types.add(EventType.of(t.textValue()));
    }
    return types;
  }

  private static List<TrustedResource> resources(JsonNode pj) throws ProfileException {
    List<TrustedResource> resources = new ArrayList<>();
    for (JsonNode r : array(pj, "resources", "profile.resources")) {
      if (!r.isObject()) {
        throw malformed("'profile.resources' must hold objects");
      }
      only(r, RESOURCE, "profile.resources[].");
      resources.add(new TrustedResource(text(r, "name", "profile.resources[].name"),
          text(r, "version", "profile.resources[].version"),
          URI.create(text(r, "location", "profile.resources[].location")),
          text(r, "sha256", "profile.resources[].sha256")));
    }
    return resources;
  }

  private static List<TrustedLink> links(JsonNode pj) throws ProfileException {
    List<TrustedLink> links = new ArrayList<>();
    for (JsonNode l : array(pj, "links", "profile.links")) {
      if (!l.isObject()) {
        throw malformed("'profile.links' must hold objects");
      }
      only(l, LINK, "profile.links[].");
      links.add(new TrustedLink(text(l, "label", "profile.links[].label"), URI.create(text(l, "uri", "profile.links[].uri"))));
    }
    return links;
  }

  static ProfileException malformed(String message) {
    return new ProfileException(ProfileException.Problem.MALFORMED, message);
  }

  static void only(JsonNode n, Set<String> allowed, String prefix) throws ProfileException {
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw malformed("unknown field '" + prefix + f + "'");
      }
    }
  }

  static JsonNode object(JsonNode n, String field, String path) throws ProfileException {
    JsonNode v = n.get(field);
    if (v == null || !v.isObject()) {
      throw malformed("'" + path + "' must be an object");
    }
    return v;
  }

  static JsonNode array(JsonNode n, String field, String path) throws ProfileException {
    JsonNode v = n.get(field);
    if (v == null || !v.isArray()) {
      throw malformed("'" + path + "' must be an array");
    }
    return v;
  }

  static String text(JsonNode n, String field, String path) throws ProfileException {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual()) {
      throw malformed("'" + path + "' must be a string");
    }
    return v.textValue();
  }

  private static OptionalInt optionalInt(JsonNode n, String field, String path) throws ProfileException {
    JsonNode v = n.get(field);
    if (v == null) {
      return OptionalInt.empty();
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw malformed("'" + path + "' must be an integer");
    }
    return OptionalInt.of(v.intValue());
  }

  static byte[] base64(JsonNode n, String field, String path) throws ProfileException {
    String text = text(n, field, path);
    byte[] b;
    try {
      b = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw malformed("'" + path + "' must be base64");
    }
    if (!Base64.getEncoder().encodeToString(b).equals(text)) {
      // the JDK decoder ignores set padding bits; one spelling per value keeps the encoding unique
      throw malformed("'" + path + "' is not canonical base64");
    }
    return b;
  }

  @Override
  public String toString() {
    return "SignedProfile[" + profile.eventSpace() + " of " + profile.owner().firstName() + ", signed by " + signer + "]";
  }
}
