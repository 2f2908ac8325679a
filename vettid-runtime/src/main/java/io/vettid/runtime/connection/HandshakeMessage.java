package io.vettid.runtime.connection;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.EphemeralBox;
import io.vettid.crypto.PublicKeyBox;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.SecretBox;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.profile.Profile;
import io.vettid.profile.ProfileException;
import io.vettid.profile.SignedProfile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The two messages of the invitation handshake, {@code accept} (invitee to inviter) and {@code
 * confirm} (inviter to invitee). Each carries its sender's signed profile, the connection's suite,
 * the sender's two connection public keys, where the receiver will deposit (guid, EventSpace,
 * connection id), the NATS user the sender issued for the receiver, and where the sender's server
 * listens ({@code server} host:port and {@code serverPin}, the CA pin; both empty on a shared
 * server). A {@code confirm} also carries the SHA-256 of the {@code accept} it answers.
 *
 * <p>The NATS user is sealed to its recipient, never to the invitation secret: in {@code accept}
 * to the one-time X25519 key the invitation carries ({@link EphemeralBox}; the inviter holds its
 * private half), in {@code confirm} to the invitee's new wrapping key from the {@code accept}
 * ({@link PublicKeyBox}). Whoever sees the invitation and both messages learns neither user.
 *
 * <p>Every field is covered by an HMAC-SHA-256 under a key derived from the invitation secret
 * (only the holders of the invitation can make it) and by a signature of the sender's identity
 * key (the profile's key). PROTOCOL.md section 8.2 has the byte-level description.
 */
final class HandshakeMessage {
  static final String ACCEPT = "accept";
  static final String CONFIRM = "confirm";
  /** The version this side speaks (2: credentials sealed to their recipient). */
  static final String VERSION = "2";
  private static final int MAX_BYTES = 128 * 1024;
  private static final List<String> FIELDS = List.of("v", "kind", "invitation", "profile", "suite", "signing",
      "wrapping", "guid", "eventSpace", "connectionId", "server", "serverPin", "creds", "acceptHash", "mac", "sig");
  private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final byte[] SIG_DOMAIN = "vettid-handshake-v2\0".getBytes(StandardCharsets.US_ASCII);
  private static volatile Providers<KeyAlgorithm> algorithms;

  final Map<String, String> fields;

  private HandshakeMessage(Map<String, String> fields) {
    this.fields = fields;
  }

  static Optional<KeyAlgorithm> algorithm(String name) {
    Providers<KeyAlgorithm> p = algorithms;
    if (p == null) {
      p = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name).discover(HandshakeMessage.class.getClassLoader())
          .build();
      algorithms = p;
    }
    // a built-in algorithm, or one of a suite a plugin registered (a peer's identity key of it)
    return p.names().contains(name) ? Optional.of(p.get(name)) : Suites.algorithm(name);
  }

  /** The MAC key derived from the invitation secret for one kind of message. */
  static byte[] macKey(Invitation inv, String kind) {
    return SecretBox.derive(inv.secret(), "vettid/invitation/v2/mac/" + kind + "/" + inv.idText(), 32);
  }

  /** What the credentials box of one kind of message is bound to. */
  static byte[] credsContext(Invitation inv, String kind) {
    return PublicKeyBox.context("vettid-handshake-creds-v2", kind, inv.idText());
  }

  /** Seals the credentials to their recipient. */
  @FunctionalInterface
  interface CredsSealer {
    byte[] seal(byte[] context, byte[] secret) throws GeneralSecurityException;
  }

  /** Opens the credentials with the recipient's private key. */
  @FunctionalInterface
  interface CredsOpener {
    byte[] open(byte[] context, byte[] box) throws GeneralSecurityException;
  }

  /** Seals an {@code accept}'s credentials to the invitation's one-time key. */
  static CredsSealer toInvitationKey(Invitation inv, SecureRandom random) {
    return (context, secret) -> EphemeralBox.seal(inv.oneTimeKey(), context, secret, random);
  }

  /** Seals a {@code confirm}'s credentials to the invitee's new wrapping key. */
  static CredsSealer toWrappingKey(PublicKeyEntry wrapping, SecureRandom random) {
    return (context, secret) -> PublicKeyBox.seal(wrapping, context, secret, random);
  }

  static byte[] build(String kind, Invitation inv, Identity sender, ConnectionKeys keys, String guid,
      String eventSpace, String connectionId, io.vettid.nats.server.ServerAddress server, UserCredentials creds,
      byte[] acceptHash, CredsSealer sealer, SecureRandom random) throws GeneralSecurityException {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("v", VERSION);
    f.put("kind", kind);
    f.put("invitation", inv.idText());
    f.put("profile", b64(sender.profile().bytes()));
    f.put("suite", keys.suite().name());
    f.put("signing", b64(keys.signingPublic().key().getEncoded()));
    f.put("wrapping", b64(keys.wrappingPublic().key().getEncoded()));
    f.put("guid", guid);
    f.put("eventSpace", eventSpace);
    f.put("connectionId", connectionId);
    f.put("server", server == null ? "" : server.hostPort());
    f.put("serverPin", server == null ? "" : server.caPin());
    char[] seed = creds.seed();
    byte[] secret = (creds.jwt() + "\n" + new String(seed)).getBytes(StandardCharsets.UTF_8);
    Arrays.fill(seed, '\0');
    try {
      f.put("creds", b64(sealer.seal(credsContext(inv, kind), secret)));
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
    f.put("acceptHash", acceptHash == null ? "" : b64(acceptHash));
    byte[] transcript = transcript(f);
    byte[] mac = SecretBox.mac(macKey(inv, kind), transcript);
    f.put("mac", b64(mac));
    f.put("sig", b64(sender.sign(signed(transcript, mac), random)));
    return serialize(f);
  }

  /**
   * A message's bytes: compact JSON, the members in the order given, strings escaped as RFC 8259
   * requires (PROTOCOL 8.2; the handshake vector pins it).
   */
  static byte[] serialize(Map<String, String> members) {
    ObjectNode n = JSON.createObjectNode();
    members.forEach(n::put);
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@return what the identity signature covers: the domain, the transcript and the MAC's bytes} */
  static byte[] signed(byte[] transcript, byte[] mac) {
    return concat(SIG_DOMAIN, transcript, mac);
  }

  /** Parses the structure only; {@link #verify} checks it. */
  static HandshakeMessage parse(byte[] bytes, String expectedKind) throws HandshakeException {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length > MAX_BYTES) {
      throw new HandshakeException("handshake message larger than " + MAX_BYTES + " bytes");
    }
    JsonNode n;
    try {
      n = JSON.readTree(bytes);
    } catch (IOException | RuntimeException e) {
      throw new HandshakeException("handshake message is not JSON");
    }
    if (n == null || !n.isObject() || n.size() != FIELDS.size()) {
      throw new HandshakeException("handshake message must be an object with exactly the fields " + FIELDS);
    }
    Map<String, String> f = new LinkedHashMap<>();
    for (String name : FIELDS) {
      JsonNode v = n.get(name);
      if (v == null || !v.isTextual()) {
        throw new HandshakeException("handshake field '" + name + "' is missing or not a string");
      }
      f.put(name, v.textValue());
    }
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!FIELDS.contains(name)) {
        throw new HandshakeException("unknown handshake field '" + name + "'");
      }
    }
    if (!f.get("v").equals(VERSION)) {
      throw new HandshakeException("unknown handshake version '" + f.get("v").replaceAll("[^\\x21-\\x7e]", "?")
          + "' (this side speaks " + VERSION + ")");
    }
    if (!f.get("kind").equals(expectedKind)) {
      throw new HandshakeException("expected a handshake '" + expectedKind + "' message");
    }
    return new HandshakeMessage(f);
  }

  String invitationId() {
    return fields.get("invitation");
  }

  /** What a verified message holds. */
  record Content(Profile profile, Suite suite, PublicKeyEntry signing, PublicKeyEntry wrapping, String guid,
      String eventSpace, String connectionId, io.vettid.nats.server.ServerAddress server, UserCredentials creds,
      byte[] acceptHash) {}

  /**
   * Verifies the MAC (invitation secret), the profile, the identity signature, and opens the
   * credentials.
   *
   * @param expectedIdentity the identity the sender must have, or null to take the profile's
   * @param opener opens the credentials with this side's private key
   */
  Content verify(Invitation inv, KeyId expectedIdentity, BlockList blocked, CredsOpener opener)
      throws HandshakeException {
    String kind = fields.get("kind");
    Map<String, String> signedPart = new LinkedHashMap<>(fields);
    signedPart.remove("mac");
    signedPart.remove("sig");
    byte[] transcript = transcript(signedPart);
    byte[] mac = unb64("mac");
    if (!SecretBox.equal(SecretBox.mac(macKey(inv, kind), transcript), mac)) {
      throw new HandshakeException("the handshake was not made with this invitation's secret (forged or altered)");
    }
    Profile profile;
    try {
      SignedProfile sp = SignedProfile.parse(unb64("profile"));
      profile = expectedIdentity == null ? sp.verify(HandshakeMessage::algorithm)
          : sp.verify(HandshakeMessage::algorithm, expectedIdentity);
    } catch (ProfileException e) {
      throw new HandshakeException("the sender's profile is refused: " + e.problem() + " (" + e.getMessage() + ")", e);
    }
    if (blocked.isBlocked(profile.owner().keyId())) {
      throw new HandshakeException("the sender's identity " + profile.owner().keyId() + " is blocked");
    }
    try {
      KeyAlgorithm idAlg = algorithm(profile.owner().keyAlgorithm()).orElseThrow();
      if (!idAlg.verify(idAlg.decodePublicKey(profile.owner().publicKey()), signed(transcript, mac),
          unb64("sig"))) {
        throw new HandshakeException("the handshake is not signed by the sender's identity key");
      }
      Suite suite = Suites.byName(fields.get("suite"))
          .orElseThrow(() -> new HandshakeException("unknown suite"));
      PublicKeyEntry signing = PublicKeyEntry.of(suite.signature(), suite.signature().decodePublicKey(unb64("signing")));
      PublicKeyEntry wrapping = PublicKeyEntry.of(suite.wrap(), suite.wrap().decodePublicKey(unb64("wrapping")));
      byte[] secret;
      try {
        secret = opener.open(credsContext(inv, kind), unb64("creds"));
      } catch (GeneralSecurityException e) {
        throw new HandshakeException("the sealed credentials do not open with this side's key (not sealed to it, or"
            + " altered)", e);
      }
      String s = new String(secret, StandardCharsets.UTF_8);
      Arrays.fill(secret, (byte) 0);
      int nl = s.indexOf('\n');
      if (nl <= 0) {
        throw new HandshakeException("the sealed credentials are malformed");
      }
      UserCredentials creds = UserCredentials.of(s.substring(0, nl), s.substring(nl + 1).toCharArray());
      String ah = fields.get("acceptHash");
      io.vettid.nats.server.ServerAddress server = null;
      if (!fields.get("server").isEmpty() || !fields.get("serverPin").isEmpty()) {
        try {
          server = io.vettid.nats.server.ServerAddress.parse(fields.get("server"), fields.get("serverPin"));
        } catch (IllegalArgumentException e) {
          throw new HandshakeException("the sender's server address is malformed: " + e.getMessage());
        }
      }
      return new Content(profile, suite, signing, wrapping, fields.get("guid"), fields.get("eventSpace"),
          fields.get("connectionId"), server, creds, ah.isEmpty() ? null : unb64("acceptHash"));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new HandshakeException("the handshake's keys or credentials are unusable: " + e.getClass().getSimpleName(), e);
    }
  }

  private byte[] unb64(String field) throws HandshakeException {
    try {
      return Base64.getDecoder().decode(fields.get(field));
    } catch (IllegalArgumentException e) {
      throw new HandshakeException("handshake field '" + field + "' is not base64");
    }
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  static byte[] transcript(Map<String, String> f) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, String> e : f.entrySet()) {
      for (String s : new String[] {e.getKey(), e.getValue()}) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >>> 24);
        out.write(b.length >>> 16);
        out.write(b.length >>> 8);
        out.write(b.length);
        out.writeBytes(b);
      }
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
