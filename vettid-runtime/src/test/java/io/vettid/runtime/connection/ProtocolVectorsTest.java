package io.vettid.runtime.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.InvalidEventException;
import io.vettid.api.KeyId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.profile.ProfileException;
import io.vettid.profile.SignedProfile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The machine-readable vectors in {@code docs/vectors/} (written by {@link ProtocolVectors} or by
 * hand) against the code, so that PROTOCOL.md and an implementation in another language can rely
 * on them. The envelope vectors have their own test in vettid-crypto.
 */
class ProtocolVectorsTest {
  static final Path VECTORS = repositoryRoot().resolve("docs/vectors");
  static final Providers<KeyAlgorithm> ALGORITHMS = Providers.builder(KeyAlgorithm.class, KeyAlgorithm::name)
      .discover().build();

  static JsonNode read(String name) throws Exception {
    return ProtocolVectors.JSON.readTree(VECTORS.resolve(name).toFile());
  }

  static PublicKeyEntry key(String hexSpki) throws Exception {
    byte[] spki = ProtocolVectors.HEX.parseHex(hexSpki);
    for (KeyAlgorithm a : ALGORITHMS.all()) {
      try {
        return PublicKeyEntry.of(a, a.decodePublicKey(spki));
      } catch (java.security.GeneralSecurityException | RuntimeException notThisOne) {
        // try the next algorithm
      }
    }
    throw new AssertionError("no algorithm decodes " + hexSpki.substring(0, 32) + "...");
  }

  @Test
  void keyIdsDeriveFromTheAlgorithmTagAndTheSpki() throws Exception {
    JsonNode vectors = read("keyid-v1.json").path("vectors");
    assertThat(vectors).hasSizeGreaterThanOrEqualTo(8);
    for (JsonNode v : vectors) {
      KeyAlgorithm a = ALGORITHMS.get(v.path("algorithm").asText());
      byte[] spki = ProtocolVectors.HEX.parseHex(v.path("spki").asText());
      KeyId id = a.keyId(a.decodePublicKey(spki));
      assertThat(id.value()).isEqualTo(v.path("keyId").asText()).startsWith(v.path("tag").asText() + "-");
      // and by the formula, without the algorithm object
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      sha.update("vettid-keyid-v1\0".getBytes(StandardCharsets.US_ASCII));
      sha.update((v.path("tag").asText() + "\0").getBytes(StandardCharsets.US_ASCII));
      byte[] fp = java.util.Arrays.copyOf(sha.digest(spki), 20);
      assertThat(v.path("tag").asText() + "-" + ProtocolVectors.HEX.formatHex(fp)).isEqualTo(v.path("keyId").asText());
    }
  }

  @Test
  void internalEventsDecodeToTheirCanonicalFormOrNameTheField() throws Exception {
    JsonNode f = read("internal-event-v1.json");
    for (JsonNode v : f.path("valid")) {
      InternalEvent e = InternalEventCodec.decode(v.path("json").asText().getBytes(StandardCharsets.UTF_8));
      assertThat(new String(InternalEventCodec.encode(e), StandardCharsets.UTF_8)).as(v.path("name").asText())
          .isEqualTo(v.path("canonical").asText());
    }
    for (JsonNode v : f.path("invalid")) {
      assertThatThrownBy(() -> InternalEventCodec.decode(v.path("json").asText().getBytes(StandardCharsets.UTF_8)))
          .as(v.path("name").asText()).isInstanceOf(InvalidEventException.class)
          .hasMessageContaining(v.path("error").asText());
    }
  }

  @Test
  void invitationsParseToTheirFieldsAndPrintBackOrAreRefused() throws Exception {
    JsonNode f = read("invitation-v2.json");
    for (JsonNode v : f.path("valid")) {
      Invitation inv = Invitation.parse(v.path("uri").asText());
      assertThat(inv.subscriberGuid()).isEqualTo(v.path("guid").asText());
      assertThat(inv.eventSpace()).isEqualTo(v.path("eventSpace").asText());
      assertThat(ProtocolVectors.HEX.formatHex(inv.id())).isEqualTo(v.path("id").asText());
      assertThat(ProtocolVectors.HEX.formatHex(inv.secret())).isEqualTo(v.path("secret").asText());
      assertThat(ProtocolVectors.HEX.formatHex(inv.oneTimeKey())).isEqualTo(v.path("oneTimeKey").asText());
      assertThat(inv.inviter().value()).isEqualTo(v.path("inviter").asText());
      assertThat(inv.expiresAt()).hasToString(v.path("expiresAt").asText());
      assertThat(inv.remote()).isEqualTo(v.path("remote").asBoolean());
      assertThat(inv.serverAddress().map(io.vettid.nats.server.ServerAddress::hostPort).orElse(""))
          .isEqualTo(v.path("server").asText());
      assertThat(inv.serverAddress().map(io.vettid.nats.server.ServerAddress::caPin).orElse(""))
          .isEqualTo(v.path("caPin").asText());
      assertThat(inv.suites()).as("the suites of 'u'").containsExactlyElementsOf(
          java.util.stream.StreamSupport.stream(v.path("suites").spliterator(), false).map(JsonNode::asInt).toList());
      assertThat(inv.toUri()).isEqualTo(v.path("uri").asText());
    }
    for (JsonNode v : f.path("invalid")) {
      assertThatThrownBy(() -> Invitation.parse(v.path("uri").asText())).as(v.path("uri").asText())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(v.path("error").asText());
    }
  }

  @Test
  void anInvitationsBootstrapUserFollowsFromTheInvitationAndTheAccountKey() throws Exception {
    JsonNode v = read("bootstrap-v1.json");
    Invitation inv = Invitation.parse(v.path("uri").asText());
    io.vettid.nats.auth.NatsAccount account = ProtocolVectors.bootstrapAccount();
    assertThat(account.publicKey()).isEqualTo(v.path("account").asText());
    assertThat(inv.idText()).isEqualTo(v.path("id").asText());
    assertThat(inv.handshakeToken()).isEqualTo(v.path("token").asText());
    assertThat(HandshakeBootstrap.userPublicKey(inv)).isEqualTo(v.path("userPublicKey").asText());
    assertThat(HandshakeBootstrap.claims(inv, account.publicKey(), HandshakeBootstrap.userPublicKey(inv)))
        .isEqualTo(v.path("claims").asText()).contains(v.path("subject").asText());
    // Ed25519 is deterministic: the inviter's signature is the vector's, byte for byte
    HandshakeBootstrap grant = HandshakeBootstrap.sign(inv, account);
    assertThat(java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(grant.signature()))
        .isEqualTo(v.path("b").asText());
    assertThat(inv.bootstrapGrant()).contains(grant);
    assertThat(inv.bootstrapGrant().orElseThrow().credentials(inv).jwt()).isEqualTo(v.path("jwt").asText());
    assertThat(v.path("jwt").asText()).startsWith(HandshakeBootstrap.HEADER + ".");
  }

  @Test
  void safetyNumbersAreTheSameFromEitherSideAndChangeWithAKey() throws Exception {
    JsonNode vectors = read("safety-number-v1.json").path("vectors");
    assertThat(vectors).hasSize(2);
    for (JsonNode v : vectors) {
      PublicKeyEntry as = key(v.path("aSigning").asText());
      PublicKeyEntry aw = key(v.path("aWrapping").asText());
      PublicKeyEntry bs = key(v.path("bSigning").asText());
      PublicKeyEntry bw = key(v.path("bWrapping").asText());
      assertThat(SafetyNumber.of(as, aw, bs, bw)).isEqualTo(v.path("safetyNumber").asText());
      assertThat(SafetyNumber.of(bs, bw, as, aw)).isEqualTo(v.path("safetyNumber").asText());
      assertThat(SafetyNumber.scannable(v.path("safetyNumber").asText())).isEqualTo(v.path("scannable").asText());
      assertThat(SafetyNumber.matches(v.path("scannable").asText(), SafetyNumber.of(bs, bw, as, aw))).isTrue();
    }
    assertThat(vectors.get(0).path("safetyNumber").asText()).isNotEqualTo(vectors.get(1).path("safetyNumber").asText());
  }

  @Test
  void handshakeMacFollowsFromTheInvitationSecret() throws Exception {
    JsonNode v = read("handshake-v2.json").path("vectors").get(0);
    Invitation inv = Invitation.parse(v.path("uri").asText());
    Map<String, String> fields = new LinkedHashMap<>();
    v.path("fields").fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue().asText()));
    byte[] macKey = HandshakeMessage.macKey(inv, fields.get("kind"));
    assertThat(ProtocolVectors.HEX.formatHex(macKey)).isEqualTo(v.path("macKey").asText());
    byte[] t = HandshakeMessage.transcript(fields);
    assertThat(ProtocolVectors.HEX.formatHex(t)).isEqualTo(v.path("transcript").asText());
    assertThat(Base64.getEncoder().encodeToString(io.vettid.crypto.SecretBox.mac(macKey, t)))
        .isEqualTo(v.path("mac").asText());

    // the whole message: what the reference writes for these members, byte for byte, parsed back
    // to the same members, and its signature verifies with the signer's key
    byte[] message = v.path("message").asText().getBytes(StandardCharsets.UTF_8);
    HandshakeMessage parsed = HandshakeMessage.parse(message, "accept");
    Map<String, String> members = new LinkedHashMap<>(fields);
    members.put("mac", v.path("mac").asText());
    members.put("sig", new com.fasterxml.jackson.databind.ObjectMapper().readTree(message).path("sig").asText());
    assertThat(HandshakeMessage.serialize(members)).isEqualTo(message);
    assertThat(parsed.invitationId()).isEqualTo(fields.get("invitation"));
    KeyAlgorithm rsa = ALGORITHMS.get("RSA-4096");
    assertThat(rsa.verify(rsa.decodePublicKey(ProtocolVectors.HEX.parseHex(v.path("signerPublicKeySpki").asText())),
        HandshakeMessage.signed(t, Base64.getDecoder().decode(v.path("mac").asText())),
        Base64.getDecoder().decode(members.get("sig")))).isTrue();
  }

  /**
   * The accept's box is recomputed byte for byte from the given ephemeral key and nonce and opens
   * with the one-time key; the confirm's opens with the RSA key; neither opens under the other
   * message's context.
   */
  @Test
  void handshakeCredentialBoxesOpenOnlyWithTheirRecipientsKey() throws Exception {
    JsonNode f = read("handshake-v2.json");
    Invitation inv = Invitation.parse(f.path("vectors").get(0).path("uri").asText());
    JsonNode a = f.path("acceptCreds");
    byte[] creds = a.path("creds").asText().getBytes(StandardCharsets.UTF_8);
    byte[] acceptContext = HandshakeMessage.credsContext(inv, HandshakeMessage.ACCEPT);
    assertThat(ProtocolVectors.HEX.formatHex(acceptContext)).isEqualTo(a.path("context").asText());
    io.vettid.crypto.EphemeralBox.KeyPair oneTime = io.vettid.crypto.EphemeralBox.generate(
        ProtocolVectors.fixedRandom(ProtocolVectors.HEX.parseHex(a.path("oneTimePrivate").asText())));
    assertThat(oneTime.publicKey()).isEqualTo(inv.oneTimeKey())
        .isEqualTo(ProtocolVectors.HEX.parseHex(a.path("oneTimePublic").asText()));
    byte[] box = ProtocolVectors.HEX.parseHex(a.path("box").asText());
    assertThat(io.vettid.crypto.EphemeralBox.seal(inv.oneTimeKey(), acceptContext, creds,
        ProtocolVectors.fixedRandom(ProtocolVectors.HEX.parseHex(a.path("ephemeralPrivate").asText()),
            ProtocolVectors.HEX.parseHex(a.path("nonce").asText())))).isEqualTo(box);
    assertThat(oneTime.open(acceptContext, box)).isEqualTo(creds);
    byte[] confirmContext = HandshakeMessage.credsContext(inv, HandshakeMessage.CONFIRM);
    assertThatThrownBy(() -> oneTime.open(confirmContext, box)).isInstanceOf(java.security.GeneralSecurityException.class);

    JsonNode c = f.path("confirmCreds");
    assertThat(ProtocolVectors.HEX.formatHex(confirmContext)).isEqualTo(c.path("context").asText());
    ProtocolVectors.Key rsa = ProtocolVectors.recipient(ProtocolVectors.envelopeVectors(VECTORS), 0);
    assertThat(c.path("recipientPrivateKeyPkcs8").asText()).isEqualTo(ProtocolVectors.HEX.formatHex(rsa.pkcs8()));
    io.vettid.crypto.PrivateKeyEntry mine = new io.vettid.crypto.PrivateKeyEntry(KeyId.of(rsa.keyId()), rsa.algorithm(),
        rsa.privateKey());
    byte[] confirmBox = ProtocolVectors.HEX.parseHex(c.path("box").asText());
    assertThat(io.vettid.crypto.PublicKeyBox.open(mine, confirmContext, confirmBox)).isEqualTo(creds);
    assertThatThrownBy(() -> io.vettid.crypto.PublicKeyBox.open(mine, acceptContext, confirmBox))
        .isInstanceOf(java.security.GeneralSecurityException.class);
  }

  @Test
  void signedProfilesVerifyOrFailWithTheirProblem() throws Exception {
    for (JsonNode v : read("profile-v1.json").path("vectors")) {
      byte[] bytes = v.path("bytes").asText().getBytes(StandardCharsets.UTF_8);
      String problem = v.path("problem").asText();
      java.util.function.Function<String, Optional<KeyAlgorithm>> algs =
          n -> ALGORITHMS.names().contains(n) ? Optional.of(ALGORITHMS.get(n)) : Optional.empty();
      if (problem.isEmpty()) {
        assertThat(SignedProfile.parse(bytes).verify(algs).owner().firstName()).isEqualTo("Alice");
        continue;
      }
      assertThatThrownBy(() -> {
        SignedProfile p = SignedProfile.parse(bytes);
        if (v.has("expectedKeyId")) {
          p.verify(algs, KeyId.of(v.path("expectedKeyId").asText()));
        } else {
          p.verify(algs);
        }
      }).as(v.path("name").asText()).isInstanceOf(ProfileException.class)
          .satisfies(e -> assertThat(((ProfileException) e).problem().name()).isEqualTo(problem));
    }
  }

  @Test
  void identityChainsLeadFromEachPinnedKeyToTheNewestOrFailWithTheirProblem() throws Exception {
    java.util.function.Function<String, Optional<KeyAlgorithm>> algs =
        n -> ALGORITHMS.names().contains(n) ? Optional.of(ALGORITHMS.get(n)) : Optional.empty();
    JsonNode vectors = read("identity-chain-v1.json").path("vectors");
    assertThat(vectors).hasSizeGreaterThan(5);
    for (JsonNode v : vectors) {
      byte[] bytes = v.path("chain").asText().getBytes(StandardCharsets.UTF_8);
      KeyId pinned = KeyId.of(v.path("pinned").asText());
      String problem = v.path("problem").asText();
      if (problem.isEmpty()) {
        assertThat(io.vettid.profile.IdentityChain.parse(bytes).verify(pinned, algs).value()).as(v.path("name").asText())
            .isEqualTo(v.path("newest").asText());
        continue;
      }
      assertThatThrownBy(() -> io.vettid.profile.IdentityChain.parse(bytes).verify(pinned, algs))
          .as(v.path("name").asText()).isInstanceOf(ProfileException.class)
          .satisfies(e -> assertThat(((ProfileException) e).problem().name()).isEqualTo(problem));
    }
  }

  @Test
  void protocolMdNamesEveryFailureReason() throws Exception {
    String doc = Files.readString(repositoryRoot().resolve("docs/PROTOCOL.md"));
    String errors = doc.substring(doc.indexOf("## 10. Errors"));
    for (FailureReason r : FailureReason.values()) {
      assertThat(errors).as("PROTOCOL.md section 10 names " + r).contains("`" + r.name() + "`");
    }
    // the control verbs of section 9 are checked by vettid-cli's ControlVerbsDocumentedTest
  }

  /** The repository's root: the first directory above the working one that holds docs/PROTOCOL.md. */
  static Path repositoryRoot() {
    Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("docs/PROTOCOL.md"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("docs/PROTOCOL.md not found above " + System.getProperty("user.dir"));
    }
    return p;
  }
}
