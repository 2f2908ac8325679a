package io.vettid.profile;

import static io.vettid.profile.SignedProfileTest.ALGORITHMS;
import static io.vettid.profile.SignedProfileTest.ED;
import static io.vettid.profile.SignedProfileTest.RANDOM;
import static io.vettid.proptest.Gens.anyByte;
import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.KeyId;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdentityChainTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final KeyPair K0 = SignedProfileTest.keys();
  static final KeyPair K1 = SignedProfileTest.keys();
  static final KeyPair K2 = SignedProfileTest.keys();
  static final KeyPair K3 = SignedProfileTest.keys();
  static final Instant AT = Instant.parse("2026-12-07T02:00:00Z");
  static final IdentityChain CHAIN = chain();
  static final byte[] CHAIN_BYTES = CHAIN.bytes();

  static IdentityChain chain() {
    try {
      return IdentityChain.EMPTY.rotate(ED, K0, ED, K1, AT, RANDOM).rotate(ED, K1, ED, K2, AT.plusSeconds(60), RANDOM)
          .rotate(ED, K2, ED, K3, AT.plusSeconds(120), RANDOM);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyId id(KeyPair k) {
    return ED.keyId(k.getPublic());
  }

  static ProfileException.Problem problem(ThrowingCall call) {
    try {
      call.run();
    } catch (ProfileException e) {
      return e.problem();
    } catch (Exception e) {
      throw new AssertionError("not a ProfileException: " + e, e);
    }
    throw new AssertionError("nothing was refused");
  }

  interface ThrowingCall {
    void run() throws Exception;
  }

  @Test
  void aPeerPinnedAtAnyKeyFollowsTheChainToTheNewest() throws Exception {
    IdentityChain parsed = IdentityChain.parse(CHAIN_BYTES);
    assertThat(parsed).isEqualTo(CHAIN);
    assertThat(parsed.bytes()).isEqualTo(CHAIN_BYTES);
    for (KeyPair pinned : List.of(K0, K1, K2, K3)) {
      assertThat(parsed.verify(id(pinned), ALGORITHMS)).isEqualTo(id(K3));
    }
    assertThat(CHAIN.newest()).contains(id(K3));
    assertThat(CHAIN.since(id(K1)).rotations()).hasSize(2);
    assertThat(CHAIN.since(id(K3)).isEmpty()).isTrue();
  }

  @Test
  void aKeyTheChainDoesNotNameIsRefused() {
    KeyPair other = SignedProfileTest.keys();
    assertThat(problem(() -> CHAIN.verify(id(other), ALGORITHMS))).isEqualTo(ProfileException.Problem.UNEXPECTED_KEY);
    assertThatThrownBy(() -> CHAIN.since(id(other))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRotationNotSignedByTheReplacedKeyIsRefused() throws Exception {
    // Mallory holds her own key and claims Alice's K3 is replaced by it: she can sign as the new key only
    KeyPair mallory = SignedProfileTest.keys();
    IdentityChain honest = IdentityChain.EMPTY.rotate(ED, K3, ED, mallory, AT, RANDOM);
    ArrayNode a = (ArrayNode) JSON.readTree(honest.bytes());
    IdentityChain forged = IdentityChain.EMPTY.rotate(ED, mallory, ED, SignedProfileTest.keys(), AT, RANDOM);
    String malloryOwnSignature = JSON.readTree(forged.bytes()).get(0).get("signatures").get("previous").asText();
    ((ObjectNode) a.get(0).get("signatures")).put("previous", malloryOwnSignature);
    assertThat(problem(() -> IdentityChain.parse(JSON.writeValueAsBytes(a)).verify(id(K3), ALGORITHMS)))
        .isEqualTo(ProfileException.Problem.BAD_SIGNATURE);
  }

  @Test
  void aRotationNotSignedByTheNewKeyIsRefused() throws Exception {
    ArrayNode a = (ArrayNode) JSON.readTree(CHAIN_BYTES);
    String byK1 = a.get(0).get("signatures").get("next").asText();
    ((ObjectNode) a.get(1).get("signatures")).put("next", byK1);
    assertThat(problem(() -> IdentityChain.parse(JSON.writeValueAsBytes(a)).verify(id(K0), ALGORITHMS)))
        .isEqualTo(ProfileException.Problem.BAD_SIGNATURE);
    // a peer already pinned past the broken rotation does not check it
    assertThat(IdentityChain.parse(JSON.writeValueAsBytes(a)).verify(id(K2), ALGORITHMS)).isEqualTo(id(K3));
  }

  @Test
  void aKeyIdThatDoesNotBelongToItsKeyIsRefused() throws Exception {
    ArrayNode a = (ArrayNode) JSON.readTree(CHAIN_BYTES);
    ObjectNode next = (ObjectNode) a.get(2).get("rotation").get("next");
    next.put("publicKey", java.util.Base64.getEncoder().encodeToString(SignedProfileTest.keys().getPublic().getEncoded()));
    assertThat(problem(() -> IdentityChain.parse(JSON.writeValueAsBytes(a)).verify(id(K2), ALGORITHMS)))
        .isEqualTo(ProfileException.Problem.KEY_ID_MISMATCH);
  }

  @Test
  void chainsThatSkipAKeyLoopBackOrGoBackInTimeAreRefused() throws Exception {
    List<IdentityChain.Rotation> r = CHAIN.rotations();
    assertThat(problem(() -> IdentityChain.of(List.of(r.get(0), r.get(2))))).isEqualTo(ProfileException.Problem.MALFORMED);
    IdentityChain back = IdentityChain.EMPTY.rotate(ED, K3, ED, K0, AT.plusSeconds(180), RANDOM);
    assertThat(problem(() -> IdentityChain.of(List.of(r.get(0), r.get(1), r.get(2), back.rotations().get(0)))))
        .isEqualTo(ProfileException.Problem.MALFORMED);
    IdentityChain early = IdentityChain.EMPTY.rotate(ED, K3, ED, SignedProfileTest.keys(), AT.minusSeconds(1), RANDOM);
    assertThat(problem(() -> IdentityChain.of(List.of(r.get(0), r.get(1), r.get(2), early.rotations().get(0)))))
        .isEqualTo(ProfileException.Problem.MALFORMED);
    assertThatThrownBy(() -> CHAIN.rotate(ED, K1, ED, SignedProfileTest.keys(), AT, RANDOM))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("newest key");
  }

  @Test
  void anUnknownVersionIsRefusedAsSuch() throws Exception {
    ArrayNode a = (ArrayNode) JSON.readTree(CHAIN_BYTES);
    ((ObjectNode) a.get(0).get("rotation")).put("version", 2);
    assertThat(problem(() -> IdentityChain.parse(JSON.writeValueAsBytes(a)))).isEqualTo(ProfileException.Problem.UNKNOWN_VERSION);
  }

  @Test
  void randomBytesAreRefusedWithAProfileException() {
    tries(500).forAll(bytes(0, 2048)).checkAssert(b -> {
      try {
        IdentityChain c = IdentityChain.parse(b);
        // random bytes that happen to be an empty JSON array are the one acceptable parse
        assertThat(c.isEmpty()).isTrue();
      } catch (ProfileException e) {
        assertThat(e.getMessage()).isNotBlank();
      }
    });
  }

  @Test
  void aMutatedChainIsEitherRefusedOrFollowedToTheSameKey() {
    tries(1000).forAll(ints(0, 100_000), anyByte()).checkAssert((where, value) -> {
      byte[] mutated = CHAIN_BYTES.clone();
      mutated[where % mutated.length] = value;
      try {
        KeyId newest = IdentityChain.parse(mutated).verify(id(K0), ALGORITHMS);
        // only a mutation that changes nothing can pass
        assertThat(mutated).isEqualTo(CHAIN_BYTES);
        assertThat(newest).isEqualTo(id(K3));
      } catch (ProfileException e) {
        assertThat(e.getMessage()).isNotBlank();
      }
    });
  }
}
