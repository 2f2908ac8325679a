package io.vettid.runtime.connection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.profile.Profile;
import io.vettid.profile.SignedProfile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the protocol test vectors in {@code docs/vectors/} (keyIDs, Internal Events, invitation
 * URIs, safety numbers, handshake MACs, signed profiles) from the fixed keys of {@code
 * envelope-v1.json}. Run by hand when the protocol changes ({@code main}); {@link
 * ProtocolVectorsTest} checks the committed files against the code on every build.
 */
public final class ProtocolVectors {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  static final HexFormat HEX = HexFormat.of();

  private ProtocolVectors() {}

  /** A key of the envelope vectors. */
  record Key(Suite suite, KeyAlgorithm algorithm, String keyId, byte[] spki, byte[] pkcs8) {
    PublicKey publicKey() throws Exception {
      return algorithm.decodePublicKey(spki);
    }

    PublicKeyEntry entry() throws Exception {
      return PublicKeyEntry.decode(KeyId.of(keyId), algorithm, spki);
    }

    PrivateKey privateKey() throws Exception {
      return algorithm.decodePrivateKey(pkcs8);
    }
  }

  static JsonNode envelopeVectors(Path vectors) throws Exception {
    return JSON.readTree(vectors.resolve("envelope-v1.json").toFile());
  }

  /** Vector {@code i}'s recipient (wrap) key, with its private key. */
  static Key recipient(JsonNode env, int i) {
    JsonNode v = env.path("vectors").get(i);
    Suite s = Suites.byName(v.path("suite").asText()).orElseThrow();
    return new Key(s, s.wrap(), v.path("recipientKeyId").asText(), HEX.parseHex(v.path("recipientPublicKeySpki").asText()),
        HEX.parseHex(v.path("recipientPrivateKeyPkcs8").asText()));
  }

  /** Vector {@code i}'s sender (signature) key, public only. */
  static Key sender(JsonNode env, int i) {
    JsonNode v = env.path("vectors").get(i);
    Suite s = Suites.byName(v.path("suite").asText()).orElseThrow();
    return new Key(s, s.signature(), v.path("senderKeyId").asText(), HEX.parseHex(v.path("senderPublicKeySpki").asText()),
        null);
  }

  /** The private half of the fixed invitation's one-time key: bytes c0..df. */
  static byte[] oneTimePrivate() {
    return bytes(0xc0, 32);
  }

  /** The invitee's fixed ephemeral key for the accept box (bytes 40..5f) and its nonce (bytes 60..6b). */
  static SecureRandom acceptBoxRandom() {
    return fixedRandom(bytes(0x40, 32), bytes(0x60, 12));
  }

  static byte[] bytes(int first, int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (first + i);
    }
    return b;
  }

  /** A "random" source that hands out the given chunks, one per call, then fails. */
  static SecureRandom fixedRandom(byte[]... chunks) {
    return new SecureRandom() {
      private int next;

      @Override
      public void nextBytes(byte[] out) {
        byte[] c = chunks[next++];
        if (c.length != out.length) {
          throw new IllegalStateException("asked " + out.length + " bytes, the vector has " + c.length);
        }
        System.arraycopy(c, 0, out, 0, c.length);
      }
    };
  }

  /** The credentials the two box vectors seal. */
  static final String CREDS = "eyJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln\nSUAMZOSEVBHB7SSKL5QSR3VJ4R5XZQN7KDBBJLZGXVUMOPOPNGR5QKM5OE";

  /** The fixed invitation the handshake vector uses. */
  static Invitation invitation(String inviterKeyId) {
    byte[] id = new byte[16];
    byte[] secret = new byte[32];
    for (int i = 0; i < 32; i++) {
      secret[i] = (byte) (0xa0 + i);
      if (i < 16) {
        id[i] = (byte) i;
      }
    }
    byte[] oneTime = io.vettid.crypto.EphemeralBox.generate(fixedRandom(oneTimePrivate())).publicKey();
    return new Invitation("3f7a9c", "home", id, secret, oneTime, KeyId.of(inviterKeyId), Instant.parse("2026-12-01T12:10:00Z"),
        false, io.vettid.nats.server.ServerAddress.parse("127.0.0.1:4222", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"));
  }

  /** The account whose key signs the bootstrap vector's JWT: its seed from the bytes 0x10, 0x11, ... */
  static io.vettid.nats.auth.NatsAccount bootstrapAccount() throws Exception {
    io.nats.client.NKey key = io.nats.client.NKey.createAccount(fixedRandom(bytes(0x10, 32)));
    ObjectNode n = JSON.createObjectNode().put("v", 1).put("name", "vector").put("seed", new String(key.getSeed()));
    n.putObject("limits").put("memory", 0).put("disk", 0).put("streams", 0).put("consumers", 0);
    return io.vettid.nats.auth.NatsAccount.restoreHeld(JSON.writeValueAsBytes(n));
  }

  /** Section 8.5: an invitation's bootstrap user, derived and signed. */
  static ObjectNode bootstrapVector() throws Exception {
    io.vettid.nats.auth.NatsAccount account = bootstrapAccount();
    Invitation bare = invitation("mldsa65-0000000000000000000000000000000000000000");
    HandshakeBootstrap grant = HandshakeBootstrap.sign(bare, account);
    Invitation inv = bare.withBootstrap(grant);
    String jwt = grant.credentials(inv).jwt();
    ObjectNode v = JSON.createObjectNode().put("description", "An invitation's bootstrap user (PROTOCOL.md 8.5): from"
        + " the invitation (id, secret, guid, eventSpace, expiry) and the signing account's key, the handshake token,"
        + " the user's public key, the JWT claims text, the signature b (Ed25519 is deterministic) and the whole JWT;"
        + " the URI carries a and b.").put("version", 1);
    v.put("accountSeed", new String(io.nats.client.NKey.createAccount(fixedRandom(bytes(0x10, 32))).getSeed()))
        .put("account", account.publicKey()).put("uri", inv.toUri()).put("id", inv.idText())
        .put("secret", HEX.formatHex(inv.secret())).put("guid", inv.subscriberGuid()).put("eventSpace", inv.eventSpace())
        .put("expires", inv.expiresAt().getEpochSecond()).put("token", inv.handshakeToken())
        .put("subject", io.vettid.nats.subjects.Subjects.handshake(inv.subscriberGuid(), inv.eventSpace(),
            inv.handshakeToken()).value())
        .put("userPublicKey", HandshakeBootstrap.userPublicKey(inv))
        .put("claims", HandshakeBootstrap.claims(inv, account.publicKey(), HandshakeBootstrap.userPublicKey(inv)))
        .put("b", java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(grant.signature()))
        .put("jwt", jwt);
    return v;
  }

  /** The handshake members that precede {@code mac}, in order, for the vector. */
  /**
   * An identity chain of two RSA-4096 rotations (three fresh keys, public halves only in the file)
   * and what a peer pinned at each key makes of it, or of an altered copy.
   */
  static ObjectNode identityChainVector() throws Exception {
    KeyAlgorithm rsa = Suites.RSA4096_V1.signature();
    SecureRandom random = new SecureRandom();
    java.security.KeyPair k0 = rsa.generateKeyPair(random);
    java.security.KeyPair k1 = rsa.generateKeyPair(random);
    java.security.KeyPair k2 = rsa.generateKeyPair(random);
    java.security.KeyPair other = rsa.generateKeyPair(random);
    Instant t = Instant.parse("2026-12-07T02:00:00Z");
    io.vettid.profile.IdentityChain chain = io.vettid.profile.IdentityChain.EMPTY.rotate(rsa, k0, rsa, k1, t, random)
        .rotate(rsa, k1, rsa, k2, t.plusSeconds(3600), random);
    String text = new String(chain.bytes(), StandardCharsets.UTF_8);
    String[] ids = {rsa.keyId(k0.getPublic()).value(), rsa.keyId(k1.getPublic()).value(),
        rsa.keyId(k2.getPublic()).value()};
    ObjectNode root = JSON.createObjectNode().put("description", "Identity chains (PROTOCOL.md 7.1): 'chain' (UTF-8"
        + " text) followed from the key 'pinned' ends at 'newest', or fails with 'problem'.").put("version", 1);
    ArrayNode v = root.putArray("vectors");
    for (int i = 0; i < 3; i++) {
      v.addObject().put("name", "pinned at key " + i).put("chain", text).put("pinned", ids[i]).put("newest", ids[2])
          .put("problem", "");
    }
    v.addObject().put("name", "a key the chain does not name").put("chain", text)
        .put("pinned", rsa.keyId(other.getPublic()).value()).put("problem", "UNEXPECTED_KEY");
    ArrayNode swapped = (ArrayNode) JSON.readTree(text);
    ((ObjectNode) swapped.get(1).get("signatures")).put("previous",
        swapped.get(0).get("signatures").get("previous").asText());
    v.addObject().put("name", "the second rotation's replaced-key signature is the first's").put("chain",
        new ObjectMapper().writeValueAsString(swapped)).put("pinned", ids[0]).put("problem", "BAD_SIGNATURE");
    ArrayNode reordered = JSON.createArrayNode().add(JSON.readTree(text).get(1)).add(JSON.readTree(text).get(0));
    v.addObject().put("name", "rotations out of order").put("chain", new ObjectMapper().writeValueAsString(reordered))
        .put("pinned", ids[0]).put("problem", "MALFORMED");
    v.addObject().put("name", "a value not in canonical form (issuedAt with fractions)")
        .put("chain", text.replace("\"issuedAt\":\"2026-12-07T02:00:00Z\"", "\"issuedAt\":\"2026-12-07T02:00:00.000Z\""))
        .put("pinned", ids[0]).put("problem", "MALFORMED");
    return root;
  }

  static Map<String, String> handshakeFields(Invitation inv) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("v", HandshakeMessage.VERSION);
    f.put("kind", "accept");
    f.put("invitation", inv.idText());
    f.put("profile", "eyJwcm9maWxlIjp7fX0=");
    f.put("suite", "VETTID-MLKEM768-MLDSA65-V1");
    f.put("signing", "AAEC");
    f.put("wrapping", "AwQF");
    f.put("guid", "b0b");
    f.put("eventSpace", "home");
    f.put("connectionId", "7d9a2c40-0000-4000-8000-000000000001");
    f.put("server", "127.0.0.1:4333");
    f.put("serverPin", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    f.put("creds", "c2VhbGVkIGNyZWRz");
    f.put("acceptHash", "");
    return f;
  }

  /**
   * Writes the files.
   *
   * @param args the {@code docs/vectors} directory (default {@code docs/vectors})
   * @throws Exception if a key does not decode or a file cannot be written
   */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "docs/vectors");
    if (args.length > 1 && args[1].equals("identity-chain-only")) {
      JSON.writeValue(dir.resolve("identity-chain-v1.json").toFile(), identityChainVector());
      return;
    }
    JSON.writeValue(dir.resolve("bootstrap-v1.json").toFile(), bootstrapVector());
    if (args.length > 1 && args[1].equals("bootstrap-only")) {
      return;
    }
    JSON.writeValue(dir.resolve("identity-chain-v1.json").toFile(), identityChainVector());
    JsonNode env = envelopeVectors(dir);

    // keyIDs: every key of the envelope vectors
    ObjectNode keyIds = JSON.createObjectNode().put("description", "keyID derivation (PROTOCOL.md 1.1): keyId of"
        + " algorithm 'tag' over the DER SubjectPublicKeyInfo 'spki' (hex).").put("version", 1);
    ArrayNode kv = keyIds.putArray("vectors");
    for (int i = 0; i < env.path("vectors").size(); i++) {
      for (Key k : new Key[] {recipient(env, i), sender(env, i)}) {
        kv.addObject().put("algorithm", k.algorithm().name()).put("tag", k.keyId().substring(0, k.keyId().indexOf('-')))
            .put("spki", HEX.formatHex(k.spki())).put("keyId", k.algorithm().keyId(k.publicKey()).value());
      }
    }
    JSON.writeValue(dir.resolve("keyid-v1.json").toFile(), keyIds);

    // safety numbers
    Key aSign = sender(env, 1);
    Key aWrap = recipient(env, 1);
    Key bSign = sender(env, 2);
    Key bWrap = recipient(env, 2);
    ObjectNode safety = JSON.createObjectNode().put("description", "Safety numbers (PROTOCOL.md 8.3): the number of"
        + " side A's and side B's signing and wrapping keys (SPKI hex); the same from either side; scannable is the"
        + " text of its QR code.").put("version", 1);
    ArrayNode sv = safety.putArray("vectors");
    sv.addObject().put("aSigning", HEX.formatHex(aSign.spki())).put("aWrapping", HEX.formatHex(aWrap.spki()))
        .put("bSigning", HEX.formatHex(bSign.spki())).put("bWrapping", HEX.formatHex(bWrap.spki()))
        .put("safetyNumber", SafetyNumber.of(aSign.entry(), aWrap.entry(), bSign.entry(), bWrap.entry()))
        .put("scannable", SafetyNumber.scannable(SafetyNumber.of(aSign.entry(), aWrap.entry(), bSign.entry(),
            bWrap.entry())));
    Key swapped = recipient(env, 1); // a third party's wrapping key in B's place: another number
    sv.addObject().put("aSigning", HEX.formatHex(aSign.spki())).put("aWrapping", HEX.formatHex(aWrap.spki()))
        .put("bSigning", HEX.formatHex(bSign.spki())).put("bWrapping", HEX.formatHex(swapped.spki()))
        .put("safetyNumber", SafetyNumber.of(aSign.entry(), aWrap.entry(), bSign.entry(), swapped.entry()))
        .put("scannable", SafetyNumber.scannable(SafetyNumber.of(aSign.entry(), aWrap.entry(), bSign.entry(),
            swapped.entry())));
    JSON.writeValue(dir.resolve("safety-number-v1.json").toFile(), safety);

    // handshake keys and MAC
    Invitation inv = invitation(recipient(env, 0).keyId());
    Map<String, String> fields = handshakeFields(inv);
    byte[] macKey = HandshakeMessage.macKey(inv, "accept");
    byte[] transcript = HandshakeMessage.transcript(fields);
    ObjectNode hs = JSON.createObjectNode().put("description", "Handshake MAC and credential boxes (PROTOCOL.md 8.2):"
        + " from the invitation 'uri' and the members before 'mac' (in order), macKey = HKDF-SHA-256 of the secret, the"
        + " transcript T and mac = HMAC-SHA-256(macKey, len(T) || T). 'acceptCreds': the box an accept carries, sealed"
        + " to the invitation's one-time X25519 key (its private half 'oneTimePrivate'), with the invitee's ephemeral"
        + " private key and nonce given so the box can be recomputed byte for byte. 'confirmCreds': the box a confirm"
        + " carries, sealed to an RSA-4096 wrapping key (its PKCS#8 'recipientPrivateKeyPkcs8'; OAEP is randomized, so"
        + " open it). 'message': the whole message as the reference writes it (compact JSON, members in order), its"
        + " 'sig' by the RSA-4096 key 'signerPublicKeySpki' over \"vettid-handshake-v2\" || 0x00 || T || mac (RSA-PSS is"
        + " randomized: verify it).").put("version", 2);
    ObjectNode h = hs.putArray("vectors").addObject().put("uri", inv.toUri());
    ObjectNode fo = h.putObject("fields");
    fields.forEach(fo::put);
    byte[] mac = io.vettid.crypto.SecretBox.mac(macKey, transcript);
    h.put("macKey", HEX.formatHex(macKey)).put("transcript", HEX.formatHex(transcript))
        .put("mac", Base64.getEncoder().encodeToString(mac));
    // the whole message as the reference writes it, signed with the RSA-4096 key of the envelope
    // vectors (RSA-PSS is randomized: verify the signature, do not recompute it)
    Key signer = recipient(env, 0);
    Map<String, String> members = new LinkedHashMap<>(fields);
    members.put("mac", Base64.getEncoder().encodeToString(mac));
    members.put("sig", Base64.getEncoder().encodeToString(signer.algorithm().sign(signer.privateKey(),
        HandshakeMessage.signed(transcript, mac), new SecureRandom())));
    h.put("signerKeyId", signer.keyId()).put("signerPublicKeySpki", HEX.formatHex(signer.spki()))
        .put("message", new String(HandshakeMessage.serialize(members), StandardCharsets.UTF_8));
    byte[] acceptContext = HandshakeMessage.credsContext(inv, HandshakeMessage.ACCEPT);
    byte[] creds = CREDS.getBytes(StandardCharsets.UTF_8);
    hs.putObject("acceptCreds").put("oneTimePrivate", HEX.formatHex(oneTimePrivate()))
        .put("oneTimePublic", HEX.formatHex(inv.oneTimeKey()))
        .put("ephemeralPrivate", HEX.formatHex(bytes(0x40, 32))).put("nonce", HEX.formatHex(bytes(0x60, 12)))
        .put("context", HEX.formatHex(acceptContext)).put("creds", CREDS)
        .put("box", HEX.formatHex(io.vettid.crypto.EphemeralBox.seal(inv.oneTimeKey(), acceptContext, creds,
            acceptBoxRandom())));
    Key rsa = recipient(env, 0);
    byte[] confirmContext = HandshakeMessage.credsContext(inv, HandshakeMessage.CONFIRM);
    hs.putObject("confirmCreds").put("recipientKeyId", rsa.keyId())
        .put("recipientPrivateKeyPkcs8", HEX.formatHex(rsa.pkcs8())).put("context", HEX.formatHex(confirmContext))
        .put("creds", CREDS).put("box", HEX.formatHex(io.vettid.crypto.PublicKeyBox.seal(rsa.entry(), confirmContext,
            creds, new SecureRandom())));
    JSON.writeValue(dir.resolve("handshake-v2.json").toFile(), hs);

    // a signed profile (RSA-4096 identity: the RSA recipient key of the envelope vectors)
    Key id = recipient(env, 0);
    Profile p = Profile.builder("home", Profile.Owner.of("Alice", id.algorithm(), id.publicKey()).ageOver(18)
            .location("Berlin area"))
        .share("email", "alice@example.org").eventType(io.vettid.api.EventType.of("chat.message"))
        .link(new io.vettid.profile.TrustedLink("Blog", java.net.URI.create("https://alice.example.org")))
        .issuedAt(Instant.parse("2026-12-01T12:00:00Z")).build();
    String signed = new String(SignedProfile.sign(p, id.algorithm(), id.privateKey(), new SecureRandom()).bytes(),
        StandardCharsets.UTF_8);
    ObjectNode prof = JSON.createObjectNode().put("description", "Signed profiles (PROTOCOL.md 7): 'bytes' (UTF-8"
        + " text) verifies, expecting 'expectedKeyId' if given, or fails with 'problem'.").put("version", 1);
    ArrayNode pv = prof.putArray("vectors");
    pv.addObject().put("name", "valid").put("bytes", signed).put("problem", "");
    pv.addObject().put("name", "a field altered after signing").put("bytes", signed.replace("\"Alice\"", "\"Mallory\""))
        .put("problem", "BAD_SIGNATURE");
    pv.addObject().put("name", "unknown schema version").put("bytes", signed.replace("\"version\":1", "\"version\":2"))
        .put("problem", "UNKNOWN_VERSION");
    pv.addObject().put("name", "signature keyId is another key's").put("bytes",
        signed.replace("\"signature\":{\"keyId\":\"" + id.keyId(), "\"signature\":{\"keyId\":\"" + sender(env, 0).keyId()))
        .put("problem", "KEY_ID_MISMATCH");
    pv.addObject().put("name", "a value not in canonical form (issuedAt with fractions)")
        .put("bytes", signed.replace("\"issuedAt\":\"2026-12-01T12:00:00Z\"", "\"issuedAt\":\"2026-12-01T12:00:00.000Z\""))
        .put("problem", "MALFORMED");
    pv.addObject().put("name", "valid, but not the identity expected").put("bytes", signed)
        .put("expectedKeyId", sender(env, 0).keyId()).put("problem", "UNEXPECTED_KEY");
    JSON.writeValue(dir.resolve("profile-v1.json").toFile(), prof);
    System.out.println("wrote keyid, safety-number, handshake and profile vectors to " + dir);
  }
}
