package io.vettid.nats.auth;

import static io.vettid.proptest.Gens.anyByte;
import static io.vettid.proptest.Gens.anyChars;
import static io.vettid.proptest.Gens.ints;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.NKey;
import io.vettid.api.ConnectionId;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operator, accounts, users and their JWTs, without a server (the server tests are in the testkit). */
class NatsAuthTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final NatsOperator OPERATOR = NatsOperator.create("unit");

  @TempDir Path dir;

  static JsonNode claims(String jwt) throws Exception {
    String[] parts = jwt.split("\\.");
    assertThat(parts).hasSize(3);
    return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
  }

  /** Verifies the JWT's Ed25519 signature with the issuer's public NKey. */
  static boolean signedBy(String jwt, String issuerPublic) throws Exception {
    String[] parts = jwt.split("\\.");
    byte[] signature = Base64.getUrlDecoder().decode(parts[2]);
    return NKey.fromPublicKey(issuerPublic.toCharArray())
        .verify((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), signature);
  }

  @Test
  void theChainOfTrustIsOperatorAccountUser() throws Exception {
    NatsAccount account = OPERATOR.createAccount("subscriber-g1", JetStreamLimits.subscriberDefault());
    UserCredentials user = account.issueUser("conn-a", UserPermissions.forConnection("g1", "home", ConnectionId.of("conn-a")));

    JsonNode op = claims(OPERATOR.jwt());
    JsonNode acc = claims(account.jwt());
    JsonNode usr = claims(user.jwt());

    assertThat(op.get("iss").asText()).isEqualTo(OPERATOR.publicKey()).isEqualTo(op.get("sub").asText());
    assertThat(op.at("/nats/system_account").asText()).isEqualTo(OPERATOR.systemAccount().publicKey());
    assertThat(acc.get("iss").asText()).isEqualTo(OPERATOR.publicKey());
    assertThat(acc.get("sub").asText()).isEqualTo(account.publicKey());
    assertThat(acc.at("/nats/limits/disk_storage").asLong()).isEqualTo(1L << 30);
    assertThat(usr.get("iss").asText()).isEqualTo(account.publicKey());
    assertThat(usr.get("sub").asText()).isEqualTo(user.publicKey());
    assertThat(usr.at("/nats/pub/allow").toString())
        .isEqualTo("[\"subscriber.g1.home.queue.conn-a\",\"subscriber.g1.home.profile.conn-a\","
            + "\"subscriber.g1.home.handshake.conn-a\"]");
    assertThat(usr.at("/nats/sub/allow").toString()).isEqualTo("[\"subscriber.g1.home.inbox.conn-a.>\"]");
    assertThat(signedBy(OPERATOR.jwt(), OPERATOR.publicKey())).isTrue();
    assertThat(signedBy(account.jwt(), OPERATOR.publicKey())).isTrue();
    assertThat(signedBy(user.jwt(), account.publicKey())).isTrue();
    assertThat(signedBy(user.jwt(), OPERATOR.publicKey())).isFalse();
  }

  @Test
  void aUserCanHaveLimitsAndAnExpiryAndBeRenewedWithTheSameKey() throws Exception {
    NatsAccount account = OPERATOR.createAccount("subscriber-g2", JetStreamLimits.subscriberDefault());
    UserCredentials user = account.issueUser("conn-b", UserPermissions.forConnection("g2", "home",
        ConnectionId.of("conn-b")), UserLimits.CONNECTION, Duration.ofHours(1));
    JsonNode claim = claims(user.jwt());
    UserCredentials renewed = account.renewUser(user, "conn-b", UserPermissions.forConnection("g2", "home",
        ConnectionId.of("conn-b")), UserLimits.CONNECTION, Duration.ofHours(2));

    assertThat(claim.at("/nats/subs").asLong()).isEqualTo(16);
    assertThat(claim.at("/nats/payload").asLong()).isEqualTo(UserLimits.CONNECTION.payloadBytes());
    assertThat(claim.get("exp").asLong() - claim.get("iat").asLong()).isEqualTo(3600);
    assertThat(renewed.publicKey()).isEqualTo(user.publicKey());
    assertThat(claims(renewed.jwt()).get("exp").asLong() - claims(renewed.jwt()).get("iat").asLong()).isEqualTo(7200);
    assertThat(claims(account.issueUser("owner", UserPermissions.ACCOUNT_OWNER).jwt()).has("exp")).isFalse();
    assertThatThrownBy(() -> account.issueUser("x", UserPermissions.ACCOUNT_OWNER, UserLimits.UNLIMITED,
        Duration.ofMillis(10))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 second");
    assertThatThrownBy(() -> new UserLimits(-2, 0, 0)).hasMessageContaining("subscriptions");
  }

  @Test
  void aRenewingUserIsIssuedAgainForTheSameKeyOnceHalfItsValidityIsGone() throws Exception {
    NatsAccount account = OPERATOR.createAccount("subscriber-g9", JetStreamLimits.subscriberDefault());
    ShiftedClockForTests clock = new ShiftedClockForTests();
    RenewingUser user = RenewingUser.of(account, "vault", UserPermissions.ACCOUNT_OWNER, Duration.ofDays(7), clock);
    assertThat(user.issued()).as("nothing issued before it is presented").isZero();

    String first = new String(user.getJWT());
    JsonNode claim = claims(first);
    assertThat(claim.get("exp").asLong() - claim.get("iat").asLong()).isEqualTo(Duration.ofDays(7).toSeconds());
    assertThat(claim.get("sub").asText()).isEqualTo(user.publicKey()).isEqualTo(new String(user.getID()));
    clock.advance(Duration.ofDays(3));
    assertThat(new String(user.getJWT())).as("more than half left: the same JWT").isEqualTo(first);
    assertThat(user.issued()).isEqualTo(1);
    clock.advance(Duration.ofHours(13));
    String second = new String(user.getJWT());
    // (issued within the same second as the first here, the JWT's claims and so its bytes are the same)
    assertThat(claims(second).get("sub").asText()).as("the same NKey").isEqualTo(user.publicKey());
    assertThat(user.issued()).isEqualTo(2);
    assertThat(user.expires()).isBetween(clock.instant().plus(Duration.ofDays(7)).minusSeconds(5),
        clock.instant().plus(Duration.ofDays(7)));
    byte[] nonce = "nonce".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(io.nats.client.NKey.fromPublicKey(user.getID()).verify(nonce, user.sign(nonce))).isTrue();
    user.validity(Duration.ofHours(1));
    assertThat(claims(new String(user.getJWT())).get("exp").asLong() - claims(new String(user.getJWT())).get("iat")
        .asLong()).as("a changed validity takes effect at once").isEqualTo(3600);
    assertThat(user.toString()).doesNotContain("SU");
    assertThatThrownBy(() -> user.validity(Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RenewingUser.of(account, "bad name!", UserPermissions.ACCOUNT_OWNER, Duration.ofDays(1))
        .getJWT()).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aVaultsAccountsAreWiredByServiceImportsAndComeBackFromTheirExport() throws Exception {
    VaultAccounts v = VaultAccounts.create(OPERATOR, "g3", JetStreamLimits.subscriberDefault());
    JsonNode peers = claims(v.eventSpace().jwt());
    JsonNode deposits = claims(v.deposits().jwt());
    JsonNode apps = claims(v.apps().jwt());
    JsonNode vault = claims(v.vault().jwt());

    // imports and exports are rendered sorted by subject: the handshake subjects, then the deposit subjects
    assertThat(peers.at("/nats/imports/0/subject").asText()).isEqualTo("subscriber.g3.*.handshake.*");
    assertThat(peers.at("/nats/imports/1/subject").asText()).isEqualTo("subscriber.g3.*.queue.*");
    assertThat(peers.at("/nats/imports/1/account").asText()).isEqualTo(v.deposits().publicKey());
    assertThat(peers.at("/nats/imports/1/type").asText()).isEqualTo("service");
    assertThat(peers.at("/nats/limits/disk_storage").asLong()).as("no JetStream where peers are").isZero();
    assertThat(apps.at("/nats/limits/disk_storage").asLong()).isZero();
    assertThat(apps.at("/nats/imports/0/subject").asText()).isEqualTo("AppManager.Queue.*");
    assertThat(deposits.at("/nats/exports/0/subject").asText()).isEqualTo("subscriber.g3.*.handshake.*");
    assertThat(deposits.at("/nats/exports/1/subject").asText()).isEqualTo("subscriber.g3.*.queue.*");
    assertThat(deposits.at("/nats/exports/1/response_type").asText()).isEqualTo("Singleton");
    assertThat(vault.at("/nats/exports/0/subject").asText()).isEqualTo("AppManager.Queue.*");
    assertThat(vault.at("/nats/imports").isMissingNode()).isTrue();
    assertThat(claims(v.issueResponder("r").jwt()).at("/nats/pub/allow").toString())
        .isEqualTo("[\"subscriber.g3.*.inbox.*.>\"]");

    VaultAccounts back = VaultAccounts.restore(OPERATOR, v.export());
    assertThat(back.all()).extracting(NatsAccount::publicKey).containsExactlyElementsOf(
        v.all().stream().map(NatsAccount::publicKey).toList());
    assertThat(claims(back.eventSpace().jwt()).at("/nats/imports")).isEqualTo(peers.at("/nats/imports"));
    assertThat(claims(back.deposits().jwt()).at("/nats/exports")).isEqualTo(deposits.at("/nats/exports"));
    assertThatThrownBy(() -> VaultAccounts.restore(OPERATOR, "{\"v\":1,\"guid\":\"g3\"}".getBytes(
        StandardCharsets.UTF_8))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'vault'");
    assertThatThrownBy(() -> VaultAccounts.create(OPERATOR, "G.3", JetStreamLimits.subscriberDefault()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aVaultsDepositAccountMayHaveLimitsOfItsOwnButNotADisabledJetStream() throws Exception {
    JetStreamLimits big = new JetStreamLimits(64L << 20, 8L << 30, 64, 1024);
    VaultAccounts v = VaultAccounts.create(OPERATOR, "g4", big, JetStreamLimits.subscriberDefault());

    assertThat(claims(v.vault().jwt()).at("/nats/limits/disk_storage").asLong()).isEqualTo(8L << 30);
    assertThat(claims(v.deposits().jwt()).at("/nats/limits/disk_storage").asLong()).isEqualTo(1L << 30);
    assertThat(VaultAccounts.restore(OPERATOR, v.export()).deposits().limits()).isEqualTo(JetStreamLimits.subscriberDefault());
    assertThatThrownBy(() -> VaultAccounts.create(OPERATOR, "g4", big, JetStreamLimits.DISABLED))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deposit streams");
  }

  @Test
  void anEmptyAllowListDeniesEverythingRatherThanNothing() throws Exception {
    NatsAccount account = OPERATOR.createAccount("subscriber-g2", JetStreamLimits.subscriberDefault());
    UserCredentials user = account.issueUser("mute", new UserPermissions(List.of(), List.of()));

    JsonNode usr = claims(user.jwt());

    assertThat(usr.at("/nats/pub/deny").toString()).isEqualTo("[\">\"]");
    assertThat(usr.at("/nats/sub/deny").toString()).isEqualTo("[\">\"]");
    assertThat(usr.at("/nats/pub/allow").isMissingNode()).isTrue();
  }

  @Test
  void revocationAndRotationWithGrace() throws Exception {
    Instant[] now = {Instant.parse("2026-11-25T10:00:00Z")};
    Clock clock = new Clock() {
      @Override public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
      @Override public Clock withZone(java.time.ZoneId z) { return this; }
      @Override public Instant instant() { return now[0]; }
    };
    NatsOperator op = NatsOperator.create("clocked", clock);
    NatsAccount account = op.createAccount("subscriber-g3", JetStreamLimits.subscriberDefault());
    UserPermissions perms = UserPermissions.forConnection("g3", "home", ConnectionId.of("c"));
    UserCredentials old = account.issueUser("c", perms);
    UserCredentials fresh = account.rotateUser(old, "c2", perms, Duration.ofMinutes(5));

    assertThat(account.applyDueRevocations()).isFalse();
    assertThat(claims(account.jwt()).at("/nats/revocations").isMissingNode()).isTrue();
    now[0] = now[0].plus(Duration.ofMinutes(5));
    assertThat(account.applyDueRevocations()).isTrue();
    assertThat(account.applyDueRevocations()).isFalse();

    JsonNode revocations = claims(account.jwt()).at("/nats/revocations");
    assertThat(revocations.get(old.publicKey()).asLong()).isGreaterThan(claims(old.jwt()).get("iat").asLong());
    assertThat(revocations.has(fresh.publicKey())).isFalse();
    assertThat(account.isRevoked(old.publicKey())).isTrue();
    assertThatThrownBy(() -> account.revoke("not-a-key")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> account.rotateUser(old, "c3", perms, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void credentialsNeverShowTheSeedAndAreWrittenOwnerOnly() throws Exception {
    NatsAccount account = OPERATOR.createAccount("subscriber-g4", JetStreamLimits.subscriberDefault());
    UserCredentials user = account.issueUser("owner", UserPermissions.ACCOUNT_OWNER);
    String seed = new String(user.seed());
    Path file = dir.resolve("owner.creds");

    user.writeTo(file);

    assertThat(seed).startsWith("SU");
    assertThat(user.toString()).doesNotContain(seed).contains(user.publicKey());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(file)).contains(seed).contains(user.jwt());
    assertThatThrownBy(() -> user.writeTo(file)).isInstanceOf(FileAlreadyExistsException.class);
    assertThat(UserCredentials.of(user.jwt(), seed.toCharArray()).publicKey()).isEqualTo(user.publicKey());
    user.destroy();
    assertThatThrownBy(user::seed).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(user::authHandler).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> UserCredentials.of(user.jwt(), "SAAGARBAGE".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theServerConfigurationHoldsNoSeed() throws Exception {
    NatsAccount account = OPERATOR.createAccount("subscriber-g5", JetStreamLimits.subscriberDefault());
    String config = OPERATOR.serverConfig(NatsOperator.ServerRole.DATA_VAULT, dir.resolve("jwt"), List.of(account));

    assertThat(config).contains("operator: \"" + OPERATOR.jwt().substring(0, 20))
        .contains("system_account: \"" + OPERATOR.systemAccount().publicKey() + "\"")
        .contains("type: full").contains("allow_delete: false")
        .contains(account.publicKey() + ": \"");
    assertThat(config).doesNotContain(new String(OPERATOR.systemUser().seed()))
        // the shape of any NKey seed: 58 characters, S then O, A or U, on its own (a public key,
        // 56 characters, may hold "SA" inside, which the old pattern mistook for a seed)
        .doesNotContainPattern("(?<![A-Z2-7])S[OAU][A-Z2-7]{56}(?![A-Z2-7])");
    assertThat(new String(OPERATOR.systemUser().seed())).matches("S[OAU][A-Z2-7]{56}");
    assertThat(OPERATOR.serverConfig(NatsOperator.ServerRole.EVENTSPACE_SERVER, dir, List.of()))
        .contains("allow_delete: true");
  }

  @Test
  void namesAndLimitsAreValidated() {
    assertThatThrownBy(() -> OPERATOR.createAccount("has space", JetStreamLimits.subscriberDefault()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new JetStreamLimits(-2, 0, 0, 0)).hasMessageContaining("memoryBytes");
    assertThat(JetStreamLimits.DISABLED.enabled()).isFalse();
    assertThat(JetStreamLimits.subscriberDefault().enabled()).isTrue();
    assertThatThrownBy(() -> new UserPermissions(List.of("a..b"), List.of())).hasMessageContaining("a..b");
    assertThatThrownBy(() -> new UserPermissions(List.of("a b"), List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  /** Any string is either a well-formed permission subject or refused with a clear error. */
  @Test
  void permissionSubjectsAreAcceptedOnlyWhenWellFormed() {
    tries(2000).forAll(anyChars(255)).checkAssert(this::permissionSubjectsAreAcceptedOnlyWhenWellFormedCheck);
  }

  private void permissionSubjectsAreAcceptedOnlyWhenWellFormedCheck(String subject) {
    boolean wellFormed = !subject.isEmpty() && subject.length() <= 4200
        && subject.chars().allMatch(c -> c > 0x20 && c < 0x7f)
        && java.util.Arrays.stream(subject.split("\\.", -1)).allMatch(t -> !t.isEmpty() && t.length() <= 128)
        && subject.split("\\.", -1).length <= 32;
    if (wellFormed) {
      assertThat(new UserPermissions(List.of(subject), List.of()).publish()).containsExactly(subject);
    } else {
      assertThatThrownBy(() -> new UserPermissions(List.of(subject), List.of()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a NATS subject");
    }
  }

  @Test
  void anExportedOperatorAndAccountComeBackWithTheSameKeysAndRevocations() throws Exception {
    NatsOperator op = NatsOperator.create("exported");
    NatsAccount account = op.createAccount("subscriber-x1", JetStreamLimits.subscriberDefault());
    UserCredentials revoked = account.issueUser("conn-a", UserPermissions.ACCOUNT_OWNER);
    UserCredentials rotated = account.issueUser("conn-b", UserPermissions.ACCOUNT_OWNER);
    account.revoke(revoked.publicKey());
    account.rotateUser(rotated, "conn-b2", UserPermissions.ACCOUNT_OWNER, Duration.ofMinutes(5));

    NatsOperator op2 = NatsOperator.restore(op.export());
    NatsAccount account2 = op2.restoreAccount(account.export());

    assertThat(op2.publicKey()).isEqualTo(op.publicKey());
    assertThat(op2.systemAccount().publicKey()).isEqualTo(op.systemAccount().publicKey());
    assertThat(op2.systemUser().publicKey()).isEqualTo(op.systemUser().publicKey());
    assertThat(account2.publicKey()).isEqualTo(account.publicKey());
    assertThat(account2.limits()).isEqualTo(account.limits());
    assertThat(account2.isRevoked(revoked.publicKey())).isTrue();
    assertThat(account2.isRevoked(rotated.publicKey())).isFalse();
    assertThat(signedBy(account2.jwt(), op.publicKey())).isTrue();
    assertThat(claims(account2.jwt()).at("/nats/revocations").has(revoked.publicKey())).isTrue();
    UserCredentials fresh = account2.issueUser("conn-c", UserPermissions.ACCOUNT_OWNER);
    assertThat(signedBy(fresh.jwt(), account.publicKey())).isTrue();
  }

  /**
   * Issue #20: with a signing key, the account's own key signs no user; an earlier signing key
   * stays listed while a user it signed may still be valid, and goes once they all expired.
   */
  @Test
  void signingKeysSignNewUsersAndRetireOnceTheirUsersExpired() throws Exception {
    ShiftedClockForTests clock = new ShiftedClockForTests();
    NatsOperator op = NatsOperator.create("signing", clock);
    NatsAccount account = op.createAccount("vault-s1", JetStreamLimits.subscriberDefault());
    String first = account.rotateSigningKey();
    UserCredentials brief = account.issueUser("control", UserPermissions.ACCOUNT_OWNER, UserLimits.UNLIMITED,
        Duration.ofHours(1));
    JsonNode usr = claims(brief.jwt());
    assertThat(usr.get("iss").asText()).isEqualTo(first);
    assertThat(usr.at("/nats/issuer_account").asText()).isEqualTo(account.publicKey());
    assertThat(signedBy(brief.jwt(), first)).isTrue();
    assertThat(signedBy(brief.jwt(), account.publicKey())).isFalse();

    String second = account.rotateSigningKey();
    assertThat(claims(account.jwt()).at("/nats/signing_keys").toString()).contains(first, second);
    assertThat(account.retireSigningKeys()).as("the first key's user is still valid").isEmpty();
    clock.advance(Duration.ofMinutes(61));
    assertThat(account.retireSigningKeys()).containsExactly(first);
    assertThat(account.signingKeys()).containsExactly(second);
    assertThat(claims(account.jwt()).at("/nats/signing_keys").toString()).doesNotContain(first);

    // a user without expiry keeps its signing key listed; the current key never retires
    account.issueUser("app", UserPermissions.ACCOUNT_OWNER);
    String third = account.rotateSigningKey();
    clock.advance(Duration.ofDays(3650));
    assertThat(account.retireSigningKeys()).isEmpty();
    assertThat(account.signingKeys()).containsExactly(second, third);

    NatsAccount restored = NatsOperator.restore(op.export()).restoreAccount(account.export());
    assertThat(restored.signingKeys()).containsExactly(second, third);
    assertThat(claims(restored.issueUser("again", UserPermissions.ACCOUNT_OWNER).jwt()).get("iss").asText())
        .isEqualTo(third);
  }

  /**
   * Issue #20: an account a vault holds and an EventSpace server's Concierge renders has signing
   * keys too: the vault makes them, the Concierge lists their public keys in the JWT it renders; a
   * key the Concierge could not be told of is taken back before it signs anyone.
   */
  @Test
  void aHeldAccountsSigningKeysAreListedByTheSideThatRendersItsJwt() throws Exception {
    NatsAccount held = NatsAccount.createHeld("subscriber-h1", JetStreamLimits.subscriberDefault());
    String first = held.rotateSigningKey();
    UserCredentials peer = held.issueUser("peer", UserPermissions.ACCOUNT_OWNER, UserLimits.UNLIMITED,
        Duration.ofDays(1));
    assertThat(claims(peer.jwt()).get("iss").asText()).isEqualTo(first);
    assertThat(signedBy(peer.jwt(), first)).isTrue();
    String untold = held.rotateSigningKey();
    assertThat(held.dropSigningKey(first)).as("not the newest").isFalse();
    assertThat(held.dropSigningKey(untold)).isTrue();
    assertThat(held.signingKeys()).containsExactly(first);
    assertThat(claims(held.issueUser("again", UserPermissions.ACCOUNT_OWNER, UserLimits.UNLIMITED,
        Duration.ofDays(1)).jwt()).get("iss").asText()).as("the key before signs again").isEqualTo(first);
    assertThat(held.dropSigningKey(first)).as("it signed users").isFalse();
    assertThat(NatsAccount.restoreHeld(held.export()).signingKeys()).containsExactly(first);

    // the Concierge's side: the account by its public key, its JWT rendered by the server's operator
    NatsAccount rendered = OPERATOR.adoptAccount("subscriber-h1", held.publicKey(), JetStreamLimits.subscriberDefault());
    assertThat(rendered.listSigningKeys(List.of(first))).isTrue();
    assertThat(rendered.listSigningKeys(List.of(first))).as("the same list changes nothing").isFalse();
    assertThat(claims(rendered.jwt()).at("/nats/signing_keys").toString()).contains(first);
    NatsAccount back = OPERATOR.restoreAccount(rendered.export());
    assertThat(back.signingKeys()).containsExactly(first);
    assertThat(claims(back.jwt()).at("/nats/signing_keys").toString()).contains(first);
    assertThat(rendered.listSigningKeys(List.of())).isTrue();
    assertThat(claims(rendered.jwt()).at("/nats/signing_keys").isMissingNode()).isTrue();
    assertThatThrownBy(() -> rendered.listSigningKeys(List.of(held.publicKey())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("own key");
    assertThatThrownBy(() -> rendered.listSigningKeys(List.of("UABC"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> rendered.listSigningKeys(java.util.Collections.nCopies(9, first)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> held.listSigningKeys(List.of(first))).isInstanceOf(IllegalStateException.class);
  }

  /** A clock that moves when told, from now. */
  static final class ShiftedClockForTests extends java.time.Clock {
    private volatile Duration offset = Duration.ZERO;

    void advance(Duration d) {
      offset = offset.plus(d);
    }

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return java.time.Instant.now().plus(offset);
    }
  }

  @Test
  void restoreRefusesWhatIsNotAnExport() {
    NatsOperator op = NatsOperator.create("exported");
    byte[] account = op.createAccount("a", JetStreamLimits.subscriberDefault()).export();
    assertThatThrownBy(() -> NatsOperator.restore("{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an exported NATS operator");
    assertThatThrownBy(() -> NatsOperator.restore("not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    // an account's export is not an operator's, and an operator's seed is not an account's
    assertThatThrownBy(() -> NatsOperator.restore(account)).isInstanceOf(IllegalArgumentException.class);
    String swapped = new String(op.export(), StandardCharsets.UTF_8);
    assertThatThrownBy(() -> op.restoreAccount(swapped.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMutatedExportIsRestoredOrRefusedClearly() {
    tries(300).forAll(anyByte(), ints(0, 10_000)).checkAssert(this::aMutatedExportIsRestoredOrRefusedClearlyCheck);
  }

  private void aMutatedExportIsRestoredOrRefusedClearlyCheck(byte flip, int where) {
    byte[] b = OPERATOR.createAccount("m", JetStreamLimits.subscriberDefault()).export();
    b[where % b.length] ^= (flip == 0 ? 1 : flip);
    try {
      NatsAccount a = OPERATOR.restoreAccount(b);
      assertThat(a.publicKey()).startsWith("A");
    } catch (IllegalArgumentException | NatsAuthException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }
}
