package io.vettid.profile;

import static io.vettid.proptest.Gens.anyByte;
import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import org.quicktheories.core.Gen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.EventType;
import io.vettid.api.spi.KeyAlgorithm;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class SignedProfileTest {
  static final KeyAlgorithm ED = new Ed25519ForTests();
  static final Function<String, Optional<KeyAlgorithm>> ALGORITHMS =
      name -> name.equals(ED.name()) ? Optional.of(ED) : Optional.empty();
  static final SecureRandom RANDOM = new SecureRandom();
  static final KeyPair ALICE = keys();
  static final KeyPair MALLORY = keys();
  static final ObjectMapper JSON = new ObjectMapper();

  static KeyPair keys() {
    try {
      return ED.generateKeyPair(RANDOM);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Profile profile() {
    byte[] jar = "handler".getBytes(StandardCharsets.UTF_8);
    return Profile.builder("home", Profile.Owner.of("Alice", ED, ALICE.getPublic()).ageOver(18).location("Berlin area"))
        .share("email", "alice@example.org").share("btc", "bc1qexample")
        .eventType(EventType.of("chat.message")).eventType(EventType.of("profile.request"))
        .resource(new TrustedResource("contact-handler", "1.2.0", URI.create("https://example.org/h.jar"),
            TrustedResource.sha256Hex(jar)))
        .link(new TrustedLink("Blog", URI.create("https://alice.example.org/")))
        .issuedAt(Instant.parse("2026-11-25T10:00:00Z"))
        .build();
  }

  static byte[] signed() throws Exception {
    return SignedProfile.sign(profile(), ED, ALICE.getPrivate(), RANDOM).bytes();
  }

  @Test
  void aSignedProfileParsesAndVerifiesToTheSameProfile() throws Exception {
    byte[] bytes = signed();
    SignedProfile parsed = SignedProfile.parse(bytes);
    assertThat(parsed.verify(ALGORITHMS)).isEqualTo(profile());
    assertThat(parsed.verify(ALGORITHMS, profile().owner().keyId())).isEqualTo(profile());
    assertThat(parsed.bytes()).isEqualTo(bytes);
    assertThat(new String(bytes, StandardCharsets.UTF_8)).startsWith("{\"profile\":{\"eventSpace\":\"home\"");
  }

  @Test
  void aTamperedFieldBreaksTheSignature() throws Exception {
    ObjectNode n = (ObjectNode) JSON.readTree(signed());
    ((ObjectNode) n.get("profile").get("sharedData")).put("btc", "bc1qmallory");
    assertThatThrownBy(() -> SignedProfile.parse(JSON.writeValueAsBytes(n)).verify(ALGORITHMS))
        .isInstanceOfSatisfying(ProfileException.class,
            e -> assertThat(e.problem()).isEqualTo(ProfileException.Problem.BAD_SIGNATURE));
  }

  @Test
  void aSwappedKeyIsCaught() throws Exception {
    // Mallory replaces the key and keyID and signs with her own key: valid on its own, but not Alice's key
    Profile forged = Profile.builder("home", Profile.Owner.of("Alice", ED, MALLORY.getPublic()).ageOver(18)
        .location("Berlin area")).build();
    SignedProfile s = SignedProfile.parse(SignedProfile.sign(forged, ED, MALLORY.getPrivate(), RANDOM).bytes());
    assertThat(s.verify(ALGORITHMS).owner().firstName()).isEqualTo("Alice");
    assertThatThrownBy(() -> s.verify(ALGORITHMS, profile().owner().keyId()))
        .isInstanceOfSatisfying(ProfileException.class,
            e -> assertThat(e.problem()).isEqualTo(ProfileException.Problem.UNEXPECTED_KEY));

    // the key swapped but the keyID left: the keyID does not belong to the key
    ObjectNode n = (ObjectNode) JSON.readTree(signed());
    ((ObjectNode) n.get("profile").get("owner")).put("publicKey",
        java.util.Base64.getEncoder().encodeToString(MALLORY.getPublic().getEncoded()));
    assertThatThrownBy(() -> SignedProfile.parse(JSON.writeValueAsBytes(n)).verify(ALGORITHMS))
        .isInstanceOfSatisfying(ProfileException.class,
            e -> assertThat(e.problem()).isEqualTo(ProfileException.Problem.KEY_ID_MISMATCH));
  }

  @Test
  void anUnknownVersionOrAlgorithmIsRefusedAsSuch() throws Exception {
    ObjectNode n = (ObjectNode) JSON.readTree(signed());
    ((ObjectNode) n.get("profile")).put("version", 2).put("newField", "from the future");
    assertThatThrownBy(() -> SignedProfile.parse(JSON.writeValueAsBytes(n)))
        .isInstanceOfSatisfying(ProfileException.class,
            e -> assertThat(e.problem()).isEqualTo(ProfileException.Problem.UNKNOWN_VERSION));
    assertThatThrownBy(() -> SignedProfile.parse(signed()).verify(name -> Optional.empty()))
        .isInstanceOfSatisfying(ProfileException.class,
            e -> assertThat(e.problem()).isEqualTo(ProfileException.Problem.UNKNOWN_ALGORITHM));
  }

  @Test
  void malformedProfilesNameTheField() throws Exception {
    ObjectNode n = (ObjectNode) JSON.readTree(signed());
    ((ObjectNode) n.get("profile").get("owner")).put("nickname", "al");
    assertThatThrownBy(() -> SignedProfile.parse(JSON.writeValueAsBytes(n)))
        .isInstanceOf(ProfileException.class).hasMessageContaining("profile.owner.nickname");
    ObjectNode m = (ObjectNode) JSON.readTree(signed());
    ((ObjectNode) m.get("profile").get("owner")).put("age", "old");
    assertThatThrownBy(() -> SignedProfile.parse(JSON.writeValueAsBytes(m)))
        .isInstanceOf(ProfileException.class).hasMessageContaining("profile.owner.age");
    String dup = new String(signed(), StandardCharsets.UTF_8).replace("{\"profile\":{", "{\"profile\":{\"version\":1,");
    assertThatThrownBy(() -> SignedProfile.parse(dup.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(ProfileException.class);
    assertThatThrownBy(() -> SignedProfile.parse(new byte[SignedProfile.MAX_BYTES + 1]))
        .isInstanceOf(ProfileException.class).hasMessageContaining("larger");
  }

  @Test
  void buildingRefusesBadFields() {
    Profile.Owner bare = Profile.Owner.of("Alice", ED, ALICE.getPublic());
    assertThatThrownBy(() -> Profile.builder("home", bare.ageOver(18)).build())
        .as("the design notes: a generalized location").hasMessageContaining("owner.location is required");
    assertThatThrownBy(() -> Profile.builder("home", bare.location("Berlin area")).build())
        .as("an age or an age claim").hasMessageContaining("owner.age or owner.ageOver is required");
    Profile.Owner owner = bare.ageOver(18).location("Berlin area");
    assertThatThrownBy(() -> Profile.builder("Home", owner).build()).hasMessageContaining("eventSpace");
    assertThatThrownBy(() -> Profile.builder("home", owner).share("E-mail", "x").build()).hasMessageContaining("E-mail");
    assertThatThrownBy(() -> owner.age(151)).hasMessageContaining("age");
    assertThatThrownBy(() -> owner.location("line\nbreak")).hasMessageContaining("control");
    assertThatThrownBy(() -> new TrustedLink("x", URI.create("http://insecure.example/"))).hasMessageContaining("https");
    assertThatThrownBy(() -> SignedProfile.sign(profile(), new Ed25519ForTests() {
      @Override
      public String name() {
        return "other";
      }
    }, ALICE.getPrivate(), RANDOM)).hasMessageContaining("other");
  }

  private static Gen<byte[]> junk() {
    return bytes(0, 2000);
  }

  @Test
  void randomBytesAreRefusedWithAProfileException() {
    tries(500).forAll(junk()).checkAssert(this::randomBytesAreRefusedWithAProfileExceptionCheck);
  }

  private void randomBytesAreRefusedWithAProfileExceptionCheck(byte[] bytes) {
    assertThatThrownBy(() -> SignedProfile.parse(bytes).verify(ALGORITHMS)).isInstanceOf(ProfileException.class);
  }

  @Test
  void aMutatedProfileIsEitherRefusedOrIdentical() {
    tries(1000).forAll(ints(0, 100_000), anyByte()).checkAssert(this::aMutatedProfileIsEitherRefusedOrIdenticalCheck);
  }

  private void aMutatedProfileIsEitherRefusedOrIdenticalCheck(int where, byte value) throws Exception {
    byte[] original = SIGNED_ONCE;
    byte[] mutated = original.clone();
    int i = where % mutated.length;
    mutated[i] = value;
    try {
      Profile p = SignedProfile.parse(mutated).verify(ALGORITHMS);
      // only a mutation that changes nothing can pass
      assertThat(mutated).isEqualTo(original);
      assertThat(p).isEqualTo(profile());
    } catch (ProfileException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  static final byte[] SIGNED_ONCE = signedOnce();

  static byte[] signedOnce() {
    try {
      return signed();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A peer's profile without a location (or an age) is malformed, even signed by its key. */
  @Test
  void aProfileWithoutALocationDoesNotParse() throws Exception {
    byte[] good = SignedProfile.sign(profile(), ED, ALICE.getPrivate(), RANDOM).bytes();
    String text = new String(good, java.nio.charset.StandardCharsets.UTF_8);
    assertThat(text).contains("\"location\":\"Berlin area\",");
    byte[] without = text.replace("\"location\":\"Berlin area\",", "").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SignedProfile.parse(without)).isInstanceOf(ProfileException.class)
        .hasMessageContaining("owner.location is required");
  }

  /**
   * The JDK's Ed25519 verifies a signature with bytes appended (it reads the first 64): the
   * property test above found a profile that verified with one byte more. The test algorithm now
   * refuses any other length, as the contract asks of every algorithm (KeyAlgorithmContract).
   */
  @Test
  void aSignatureWithBytesAppendedIsRefused() throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode n = (com.fasterxml.jackson.databind.node.ObjectNode)
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(SIGNED_ONCE);
    com.fasterxml.jackson.databind.node.ObjectNode sig = (com.fasterxml.jackson.databind.node.ObjectNode) n.get("signature");
    byte[] value = java.util.Base64.getDecoder().decode(sig.get("value").asText());
    sig.put("value", java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(value, value.length + 1)));
    byte[] longer = n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SignedProfile.parse(longer).verify(ALGORITHMS)).isInstanceOf(ProfileException.class);
  }
}
