package io.vettid.nats.auth;

import static io.vettid.proptest.Gens.anyByte;
import static io.vettid.proptest.Gens.bytes;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.support.JwtUtils;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Accounts split between their holder and their operator: a vault holds its external accounts'
 * keys, the EventSpace server's operator signs their JWTs knowing their public keys only, and a
 * request about an account is signed with its key.
 */
class HeldAccountsTest {
  static final NatsOperator OPERATOR = NatsOperator.create("eventspace");
  static final NatsAccount CONCIERGE = OPERATOR.createAccount("concierge", JetStreamLimits.subscriberDefault());
  static final SubscriberAccounts VAULT = SubscriberAccounts.create(JetStreamLimits.subscriberDefault());

  @Test
  void theHolderIssuesUsersAndTheOperatorSignsTheJwtAndNeitherCanDoTheOthersPart() {
    NatsAccount held = VAULT.eventSpace();
    NatsAccount adopted = OPERATOR.adoptAccount("subscriber-x", held.publicKey(), JetStreamLimits.DISABLED);

    UserCredentials user = held.issueUser("bob", UserPermissions.ACCOUNT_OWNER);
    assertThat(JwtUtils.getClaimBody(user.jwt())).contains("\"iss\":\"" + held.publicKey() + "\"");
    assertThat(JwtUtils.getClaimBody(adopted.jwt())).contains("\"sub\":\"" + held.publicKey() + "\"")
        .contains("\"iss\":\"" + OPERATOR.publicKey() + "\"");
    assertThat(held.holdsKey()).isTrue();
    assertThat(adopted.holdsKey()).isFalse();
    assertThatThrownBy(() -> adopted.issueUser("x", UserPermissions.ACCOUNT_OWNER))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("held by its owner");
    assertThatThrownBy(() -> adopted.signRequest(new byte[] {1})).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(held::jwt).isInstanceOf(IllegalStateException.class).hasMessageContaining("operator");
    assertThatThrownBy(() -> OPERATOR.adoptAccount("x", "UABC", JetStreamLimits.DISABLED))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anAdoptedAccountExportsNoSeedAndRestoresWithItsRevocations() {
    NatsAccount adopted = OPERATOR.adoptAccount("subscriber-x", VAULT.eventSpace().publicKey(), JetStreamLimits.DISABLED);
    String user = VAULT.eventSpace().issueUser("bob", UserPermissions.ACCOUNT_OWNER).publicKey();
    assertThat(adopted.revokeAt(user, 100)).isTrue();
    assertThat(adopted.revokeAt(user, 50)).as("an earlier time changes nothing").isFalse();

    String export = new String(adopted.export(), StandardCharsets.UTF_8);
    assertThat(export).doesNotContain("\"seed\"").contains(VAULT.eventSpace().publicKey());
    NatsAccount back = OPERATOR.restoreAccount(adopted.export());
    assertThat(back.holdsKey()).isFalse();
    assertThat(back.revocations()).containsOnlyKeys(user);
    assertThat(back.revocations().get(user)).isGreaterThanOrEqualTo(100);
    assertThatThrownBy(() -> NatsAccount.restoreHeld(adopted.export())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aVaultsExternalAccountsRestoreWithTheirKeysAndGuid() {
    SubscriberAccounts registered = SubscriberAccounts.create(JetStreamLimits.subscriberDefault()).registered("3f7a9c");
    SubscriberAccounts back = SubscriberAccounts.restore(registered.export());

    assertThat(back.guid()).isEqualTo("3f7a9c");
    assertThat(back.eventSpace().publicKey()).isEqualTo(registered.eventSpace().publicKey());
    assertThat(back.deposits().publicKey()).isEqualTo(registered.deposits().publicKey());
    assertThat(back.issueResponder("responder").jwt()).isNotBlank();
    SubscriberAccounts fresh = SubscriberAccounts.create(JetStreamLimits.subscriberDefault());
    assertThat(fresh.isRegistered()).isFalse();
    assertThatThrownBy(fresh::guid).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> fresh.registered("Not-Lower")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theServersSideOfASubscriberImportsItsDepositsAndTheConciergesUpdates() {
    var accounts = SubscriberAccounts.adopt(OPERATOR, "3f7a9c", VAULT.eventSpace().publicKey(),
        VAULT.deposits().publicKey(), JetStreamLimits.subscriberDefault(), CONCIERGE);

    String eventSpace = JwtUtils.getClaimBody(accounts.get(0).jwt());
    String deposits = JwtUtils.getClaimBody(accounts.get(1).jwt());
    assertThat(eventSpace).contains("subscriber.3f7a9c.*.queue.*").contains(VAULT.deposits().publicKey());
    assertThat(deposits).contains("concierge.account.update").contains(CONCIERGE.publicKey());
    assertThatThrownBy(() -> SubscriberAccounts.adopt(OPERATOR, "3f7a9c", VAULT.eventSpace().publicKey(),
        VAULT.eventSpace().publicKey(), JetStreamLimits.subscriberDefault(), CONCIERGE))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two different keys");
  }

  @Test
  void aSignedRequestVerifiesOnlyForTheKeysThatSignedItsExactBytes() {
    byte[] body = "{\"v\":1}".getBytes(StandardCharsets.UTF_8);
    SignedRequest r = SignedRequest.sign(body, VAULT.eventSpace());
    SignedRequest back = SignedRequest.decode(r.encode());

    assertThat(back).isEqualTo(r);
    assertThat(back.signedBy(VAULT.eventSpace().publicKey())).isTrue();
    assertThat(back.signedBy(VAULT.deposits().publicKey())).isFalse();
    byte[] other = "{\"v\":2}".getBytes(StandardCharsets.UTF_8);
    SignedRequest moved = new SignedRequest(other, back.signatures());
    assertThat(moved.signedBy(VAULT.eventSpace().publicKey())).isFalse();
    SignedRequest swapped = new SignedRequest(body, Map.of(VAULT.deposits().publicKey(),
        back.signatures().get(VAULT.eventSpace().publicKey())));
    assertThat(swapped.signedBy(VAULT.deposits().publicKey())).isFalse();
    assertThatThrownBy(() -> new SignedRequest(body, Map.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void randomBytesAreRefusedClearlyAsASignedRequest() {
    tries(2000).forAll(bytes(0, 300)).checkAssert(b -> {
      try {
        SignedRequest r = SignedRequest.decode(b);
        assertThat(r.signedBy(VAULT.eventSpace().publicKey())).isFalse();
      } catch (IllegalArgumentException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    });
  }

  @Test
  void aMutatedSignedRequestIsRefusedOrNoLongerVerifies() {
    byte[] body = "{\"v\":1,\"revoke\":{}}".getBytes(StandardCharsets.UTF_8);
    byte[] wire = SignedRequest.sign(body, VAULT.eventSpace()).encode();
    tries(1000).forAll(anyByte(), ints(0, 10_000)).checkAssert((flip, where) -> {
      byte[] b = wire.clone();
      b[where % b.length] ^= (flip == 0 ? 1 : flip);
      try {
        SignedRequest r = SignedRequest.decode(b);
        // a change the base64url decoding absorbs (a padding bit) may leave the same bytes
        boolean same = java.util.Arrays.equals(r.body(), body) && r.signatures().size() == 1
            && java.util.Arrays.equals(r.signatures().values().iterator().next(),
                SignedRequest.decode(wire).signatures().values().iterator().next())
            && r.signatures().containsKey(VAULT.eventSpace().publicKey());
        assertThat(r.signedBy(VAULT.eventSpace().publicKey())).isEqualTo(same);
      } catch (IllegalArgumentException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    });
  }
}
