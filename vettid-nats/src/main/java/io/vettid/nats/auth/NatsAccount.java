package io.vettid.nats.auth;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.NKey;
import io.nats.client.support.JwtUtils;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One NATS account in operator mode: a subscriber's account (with JetStream limits) or the system
 * account. It issues NKey users, keeps the revocation list, and renders its JWT signed by the
 * operator. Changes take effect on a running server when the new JWT is {@linkplain
 * NatsOperator#push pushed}.
 *
 * <p>An account has up to two halves, and may hold only one of them:
 *
 * <ul>
 *   <li>its <b>key</b> (the NKey seed), which signs its users' JWTs and the {@linkplain
 *       #signRequest requests} its holder makes about it. A Data Vault holds the keys of its
 *       external accounts on an EventSpace server: {@link #createHeld} makes such an account,
 *       {@link #jwt()} is then not available;</li>
 *   <li>its <b>operator</b>, which signs its JWT. The EventSpace server's Concierge holds those
 *       accounts {@linkplain NatsOperator#adoptAccount by their public key} only: it renders and
 *       pushes their JWTs, and cannot issue a single user of them.</li>
 * </ul>
 *
 * <p>Thread-safe. The account's NKey seed stays in memory; nothing is logged.
 */
public final class NatsAccount {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final String name;
  private final NKey key;
  private final String publicKey;
  private volatile JetStreamLimits limits;
  private final NatsOperator operator;
  private final Clock clock;
  private final SecureRandom random;
  private final Map<String, Long> revocations = new TreeMap<>();
  private final Map<String, Instant> pending = new LinkedHashMap<>();
  /**
   * The account's signing keys, oldest first: the newest signs the users issued from now on (the
   * account's own key then signs nothing day to day); each with the latest expiry of the users it
   * signed ({@link Instant#MAX} once it signed one that never expires).
   */
  private final List<SigningKey> signingKeys = new java.util.ArrayList<>();

  /**
   * A signing key and the latest expiry of the users it signed (null: none yet); on the side that
   * only renders the account's JWT (an EventSpace server's Concierge), its public key alone.
   */
  private static final class SigningKey {
    final NKey key;
    final String publicKey;
    final Instant since;
    Instant usersUntil;

    SigningKey(NKey key, Instant since) {
      this.key = key;
      this.since = since;
      try {
        this.publicKey = new String(key.getPublicKey());
      } catch (GeneralSecurityException | IOException e) {
        throw new NatsAuthException("cannot read a signing NKey", e);
      }
    }

    SigningKey(String publicKey, Instant since) {
      this.key = null;
      this.publicKey = publicKey;
      this.since = since;
    }

    void clear() {
      if (key != null) {
        key.clear();
      }
    }
  }

  /** At most this many signing keys are listed (a rendering side refuses a longer list). */
  public static final int MAX_SIGNING_KEYS = 8;

  /** Subjects this account serves to other accounts (service exports). */
  private final java.util.Set<String> serviceExports = new java.util.TreeSet<>();
  /** Subjects this account reaches in other accounts (service imports): subject to exporter. */
  private final Map<String, String> serviceImports = new TreeMap<>();

  NatsAccount(String name, JetStreamLimits limits, NatsOperator operator, Clock clock, SecureRandom random) {
    this(name, limits, operator, clock, random, newAccountKey(random), null);
  }

  /** An account with its key, its operator, or both; {@code publicKey} is read from the key when it is there. */
  private NatsAccount(String name, JetStreamLimits limits, NatsOperator operator, Clock clock, SecureRandom random,
      NKey key, String publicKey) {
    this.name = checkName(name);
    this.limits = Objects.requireNonNull(limits, "limits");
    this.operator = operator;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = random;
    this.key = key;
    if (key == null) {
      this.publicKey = checkAccountKey(publicKey);
      return;
    }
    try {
      this.publicKey = new String(key.getPublicKey());
    } catch (GeneralSecurityException | IOException e) {
      throw new NatsAuthException("cannot read an account NKey", e);
    }
  }

  /**
   * Creates an account whose key this side holds and whose JWT another operator signs: a Data
   * Vault's external account on an EventSpace server. It issues users and {@linkplain
   * #signRequest signs requests}; its JWT is rendered by the server's Concierge, which learns only
   * its {@linkplain #publicKey() public key}.
   *
   * @param name the account's name ({@code [A-Za-z0-9_-]}, 1-64)
   * @param limits its JetStream limits, as the holder asks for them
   * @return the account
   */
  public static NatsAccount createHeld(String name, JetStreamLimits limits) {
    SecureRandom random = new SecureRandom();
    return new NatsAccount(name, limits, null, Clock.systemUTC(), random, newAccountKey(random), null);
  }

  /** An account known by its public key only, whose JWT {@code operator} signs. */
  static NatsAccount adopted(String name, String publicKey, JetStreamLimits limits, NatsOperator operator,
      Clock clock) {
    return new NatsAccount(name, limits, Objects.requireNonNull(operator, "operator"), clock, null, null, publicKey);
  }

  private static String checkAccountKey(String publicKey) {
    Objects.requireNonNull(publicKey, "publicKey");
    if (!NKeys.isAccountKey(publicKey)) {
      throw new IllegalArgumentException("not a NATS account public key (A...)");
    }
    return publicKey;
  }

  /** {@return whether this side holds the account's key (it can issue users and sign requests)} */
  public boolean holdsKey() {
    return key != null;
  }

  private NKey key() {
    if (key == null) {
      throw new IllegalStateException("the key of account " + name + " is held by its owner, not here: "
          + "it issues its users and signs requests about it");
    }
    return key;
  }

  private static NKey newAccountKey(SecureRandom random) {
    try {
      return NKey.createAccount(random);
    } catch (GeneralSecurityException | IOException e) {
      throw new NatsAuthException("cannot create an account NKey", e);
    }
  }

  /**
   * Everything needed to {@linkplain NatsOperator#restoreAccount restore} this account later: its
   * name, NKey seed (or only its public key, when this side does not hold the key), limits,
   * revocations and scheduled revocations, as UTF-8 JSON. <b>It holds the seed</b>: seal it (for
   * example with {@code io.vettid.crypto.SealedBytes}) and wipe the array.
   *
   * @return the account's secret state
   */
  public synchronized byte[] export() {
    ObjectNode n = JSON.objectNode();
    n.put("v", 1).put("name", name);
    if (key == null) {
      n.put("publicKey", publicKey);
    } else {
      char[] seed = seed(key);
      n.put("seed", new String(seed));
      java.util.Arrays.fill(seed, '\0');
    }
    n.putObject("limits").put("memory", limits.memoryBytes()).put("disk", limits.diskBytes())
        .put("streams", limits.streams()).put("consumers", limits.consumers());
    ObjectNode r = n.putObject("revocations");
    revocations.forEach(r::put);
    ObjectNode p = n.putObject("pending");
    pending.forEach((k, at) -> p.put(k, at.toString()));
    serviceExports.forEach(n.putArray("serviceExports")::add);
    com.fasterxml.jackson.databind.node.ArrayNode sk = n.putArray("signingKeys");
    for (SigningKey k : signingKeys) {
      if (k.key == null) {
        sk.addObject().put("publicKey", k.publicKey).put("since", k.since.toString());
        continue;
      }
      char[] seed = seed(k.key);
      sk.addObject().put("seed", new String(seed)).put("since", k.since.toString())
          .put("usersUntil", k.usersUntil == null ? "" : k.usersUntil.toString());
      java.util.Arrays.fill(seed, '\0');
    }
    ObjectNode imports = n.putObject("serviceImports");
    serviceImports.forEach(imports::put);
    return n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  static char[] seed(NKey key) {
    return key.getSeed();
  }

  /**
   * Restores what {@link #export()} wrote of an account {@linkplain #createHeld held here} (its
   * key, no operator).
   *
   * @param exported the exported state
   * @return the account
   * @throws IllegalArgumentException if it is not an exported account with its key
   */
  public static NatsAccount restoreHeld(byte[] exported) {
    NatsAccount a = restore(exported, null, Clock.systemUTC());
    if (a.key == null) {
      throw new IllegalArgumentException("the exported account holds no key");
    }
    return a;
  }

  /** Restores what {@link #export()} wrote; the operator, if any, signs its JWTs. */
  static NatsAccount restore(byte[] exported, NatsOperator operator, Clock clock) {
    Objects.requireNonNull(exported, "exported");
    com.fasterxml.jackson.databind.JsonNode n;
    try {
      n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(exported);
    } catch (IOException e) {
      throw new IllegalArgumentException("not an exported NATS account (not JSON)");
    }
    if (n == null || n.path("v").asInt() != 1 || !n.path("name").isTextual()
        || n.path("seed").isTextual() == n.path("publicKey").isTextual()) {
      throw new IllegalArgumentException("not an exported NATS account (version 1 with name and seed or public key)");
    }
    NKey key = null;
    if (n.path("seed").isTextual()) {
      try {
        key = NKey.fromSeed(n.path("seed").textValue().toCharArray());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("the exported account's seed is not an NKey seed");
      }
      if (key.getType() != NKey.Type.ACCOUNT) {
        throw new IllegalArgumentException("the exported account's seed is not an account seed");
      }
    } else if (operator == null) {
      throw new IllegalArgumentException("an exported account without its key needs its operator");
    }
    com.fasterxml.jackson.databind.JsonNode l = n.path("limits");
    NatsAccount a = new NatsAccount(n.path("name").textValue(), new JetStreamLimits(l.path("memory").asLong(),
        l.path("disk").asLong(), l.path("streams").asLong(), l.path("consumers").asLong()), operator, clock,
        operator != null ? operator.random() : new SecureRandom(), key, n.path("publicKey").textValue());
    n.path("revocations").fields().forEachRemaining(e -> {
      checkUserKey(e.getKey());
      a.revocations.put(e.getKey(), e.getValue().asLong());
    });
    n.path("pending").fields().forEachRemaining(e -> {
      checkUserKey(e.getKey());
      a.pending.put(e.getKey(), Instant.parse(e.getValue().asText()));
    });
    n.path("serviceExports").forEach(e -> a.serviceExports.add(UserPermissions.checkSubject("export", e.asText())));
    for (com.fasterxml.jackson.databind.JsonNode k : n.path("signingKeys")) {
      if (k.path("publicKey").isTextual() && key == null) {
        if (!NKeys.isAccountKey(k.path("publicKey").textValue())) {
          throw new IllegalArgumentException("an exported account's listed signing key is not an account key");
        }
        a.signingKeys.add(new SigningKey(k.path("publicKey").textValue(), Instant.parse(k.path("since").asText())));
        continue;
      }
      NKey sk;
      try {
        sk = NKey.fromSeed(k.path("seed").asText().toCharArray());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("an exported account's signing key is not an NKey seed");
      }
      if (sk.getType() != NKey.Type.ACCOUNT) {
        throw new IllegalArgumentException("an exported account's signing key is not an account key");
      }
      SigningKey s = new SigningKey(sk, Instant.parse(k.path("since").asText()));
      String until = k.path("usersUntil").asText("");
      s.usersUntil = until.isEmpty() ? null : Instant.parse(until);
      a.signingKeys.add(s);
    }
    n.path("serviceImports").fields().forEachRemaining(e -> {
      if (!NKeys.isAccountKey(e.getValue().asText())) {
        throw new IllegalArgumentException("an exported account's import names no account (A...)");
      }
      a.serviceImports.put(UserPermissions.checkSubject("import", e.getKey()), e.getValue().asText());
    });
    return a;
  }

  static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a NATS account or user name must be 1-64 of [A-Za-z0-9_-]");
    }
    return name;
  }

  /** {@return the account's name} */
  public String name() {
    return name;
  }

  /** {@return the account's public NKey ({@code A...}); the server knows the account by it} */
  public String publicKey() {
    return publicKey;
  }

  /** {@return the account's JetStream limits} */
  public JetStreamLimits limits() {
    return limits;
  }

  /**
   * Changes the account's JetStream limits (the operator raising or lowering a quota); takes
   * effect on a running server when the JWT is {@linkplain NatsOperator#push pushed}. A quota
   * lowered below what the account stores refuses every write until space is freed or the quota
   * raised again.
   *
   * @param next the new limits
   */
  public void changeLimits(JetStreamLimits next) {
    this.limits = Objects.requireNonNull(next, "next");
  }

  /**
   * Issues a new user of this account with its own NKey, with no limits of its own and no
   * expiry. The server accepts it at once (user JWTs are signed by the account, so no push is
   * needed).
   *
   * @param userName a name for logs and tools ({@code [A-Za-z0-9_-]}, 1-64)
   * @param permissions what the user may publish and subscribe to
   * @return the credentials; the caller keeps the seed sealed
   */
  public UserCredentials issueUser(String userName, UserPermissions permissions) {
    return issueUser(userName, permissions, UserLimits.UNLIMITED, null);
  }

  /**
   * Issues a new user of this account with its own NKey, its limits and, when {@code validity}
   * is given, an expiry: the server refuses the JWT after it, and closes the user's connections
   * when it passes.
   *
   * @param userName a name for logs and tools ({@code [A-Za-z0-9_-]}, 1-64)
   * @param permissions what the user may publish and subscribe to
   * @param limits what the user may take from the server
   * @param validity how long the JWT is valid (at least 1 second), or null for no expiry
   * @return the credentials; the caller keeps the seed sealed
   */
  public UserCredentials issueUser(String userName, UserPermissions permissions, UserLimits limits,
      Duration validity) {
    key();
    NKey user;
    try {
      user = NKey.createUser(random != null ? random : operator.random());
    } catch (GeneralSecurityException | IOException e) {
      throw new NatsAuthException("cannot create a user NKey for account " + name, e);
    }
    try {
      return signUser(user, userName, permissions, limits, validity);
    } finally {
      user.clear();
    }
  }

  /**
   * Issues a new JWT for an existing user (the same NKey), with a new expiry: for short-lived
   * credentials renewed while they are in use. Connections made with the previous JWT keep working
   * until it expires.
   *
   * @param user the user to renew (its seed is read, not kept)
   * @param userName a name for logs and tools ({@code [A-Za-z0-9_-]}, 1-64)
   * @param permissions what the user may publish and subscribe to
   * @param limits what the user may take from the server
   * @param validity how long the new JWT is valid (at least 1 second)
   * @return the renewed credentials
   */
  public UserCredentials renewUser(UserCredentials user, String userName, UserPermissions permissions,
      UserLimits limits, Duration validity) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(validity, "validity");
    char[] seed = user.seed();
    NKey key;
    try {
      key = NKey.fromSeed(seed);
    } finally {
      java.util.Arrays.fill(seed, '\0');
    }
    try {
      return signUser(key, userName, permissions, limits, validity);
    } finally {
      key.clear();
    }
  }

  private UserCredentials signUser(NKey user, String userName, UserPermissions permissions, UserLimits limits,
      Duration validity) {
    checkName(userName);
    Objects.requireNonNull(permissions, "permissions");
    Objects.requireNonNull(limits, "limits");
    if (validity != null && validity.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("a user JWT is valid for at least 1 second, got " + validity);
    }
    try {
      String userPublic = new String(user.getPublicKey());
      ObjectNode claim = JSON.objectNode();
      claim.set("pub", permission(permissions.publish()));
      claim.set("sub", permission(permissions.subscribe()));
      claim.put("subs", limits.subscriptions()).put("data", limits.dataBytes()).put("payload", limits.payloadBytes())
          .put("type", "user").put("version", 2);
      key();
      NKey signer;
      String issuer;
      synchronized (this) {
        SigningKey current = signingKeys.isEmpty() ? null : signingKeys.get(signingKeys.size() - 1);
        if (current == null) {
          signer = key;
          issuer = publicKey;
        } else {
          signer = current.key;
          issuer = current.publicKey;
          claim.put("issuer_account", publicKey); // signed by a signing key of this account
          Instant until = validity == null ? Instant.MAX : clock.instant().plus(validity);
          if (current.usersUntil == null || until.isAfter(current.usersUntil)) {
            current.usersUntil = until;
          }
        }
      }
      String json = claim.toString();
      String jwt = JwtUtils.issueJWT(signer, userPublic, userName, validity, clock.instant().getEpochSecond(), issuer,
          () -> json);
      char[] seed = user.getSeed();
      try {
        return new UserCredentials(userPublic, jwt, seed);
      } finally {
        java.util.Arrays.fill(seed, '\0');
      }
    } catch (GeneralSecurityException | IOException e) {
      throw new NatsAuthException("cannot issue a user JWT for account " + name, e);
    }
  }

  /**
   * Adds a new signing key, which signs every user issued from now on (the account's own key then
   * signs none): the server accepts it once the account's JWT is {@linkplain NatsOperator#push
   * pushed}, so push before issuing. The earlier signing keys stay in the JWT, and their users valid,
   * until {@link #retireSigningKeys} finds all their users expired.
   *
   * <p>For an account held here whose JWT another side renders (an EventSpace server's Concierge),
   * that side must list the new key first ({@code concierge.account.update} with {@code
   * signingKeys}); if it cannot be told, {@link #dropSigningKey} takes the key back.
   *
   * @return the new signing key's public key ({@code A...})
   * @throws IllegalStateException if this side does not hold the account's key
   */
  public synchronized String rotateSigningKey() {
    key();
    NKey k;
    try {
      k = NKey.createAccount(random != null ? random : operator.random());
    } catch (GeneralSecurityException | IOException e) {
      throw new NatsAuthException("cannot create a signing NKey for account " + name, e);
    }
    SigningKey s = new SigningKey(k, clock.instant());
    signingKeys.add(s);
    return s.publicKey;
  }

  /** {@return when the current signing key was made, empty if the account has none} */
  public synchronized java.util.Optional<Instant> signingKeySince() {
    return signingKeys.isEmpty() ? java.util.Optional.empty()
        : java.util.Optional.of(signingKeys.get(signingKeys.size() - 1).since);
  }

  /**
   * Removes the signing keys, other than the current one, whose users have all expired (a key that
   * signed a user without expiry is kept): a user they signed is then refused by the server from
   * the next push on.
   *
   * @return the public keys removed (push the account if any)
   */
  public synchronized List<String> retireSigningKeys() {
    Instant now = clock.instant();
    List<String> retired = new java.util.ArrayList<>();
    for (var it = signingKeys.iterator(); it.hasNext(); ) {
      SigningKey k = it.next();
      boolean current = k == signingKeys.get(signingKeys.size() - 1);
      if (!current && (k.usersUntil == null || !k.usersUntil.isAfter(now))) {
        it.remove();
        k.clear();
        retired.add(k.publicKey);
      }
    }
    return retired;
  }

  /**
   * Takes back the newest signing key while it has signed no user (the side that renders the
   * account's JWT could not be told of it): the key before it, or the account's own, signs again.
   *
   * @param publicKey the key {@link #rotateSigningKey} returned
   * @return whether it was dropped (false: not the newest, or it signed a user already)
   */
  public synchronized boolean dropSigningKey(String publicKey) {
    Objects.requireNonNull(publicKey, "publicKey");
    if (signingKeys.isEmpty()) {
      return false;
    }
    SigningKey last = signingKeys.get(signingKeys.size() - 1);
    if (!last.publicKey.equals(publicKey) || last.usersUntil != null || last.key == null) {
      return false;
    }
    signingKeys.remove(signingKeys.size() - 1);
    last.clear();
    return true;
  }

  /**
   * Lists the signing keys its holder made, on the side that renders the JWT of an account it does
   * not hold (an EventSpace server's Concierge): they are in the JWT from the next push, so users
   * they sign are taken; a key no longer listed is removed, and its users refused.
   *
   * @param publicKeys the holder's signing keys' public keys ({@code A...}), at most {@value
   *     #MAX_SIGNING_KEYS}, none of them the account's own key
   * @return whether the list changed
   * @throws IllegalStateException if this side holds the account's key (it makes its own)
   * @throws IllegalArgumentException if a key is not an account public key, or is the account's own,
   *     or there are too many
   */
  public synchronized boolean listSigningKeys(List<String> publicKeys) {
    Objects.requireNonNull(publicKeys, "publicKeys");
    if (key != null) {
      throw new IllegalStateException("account " + name + " is held here: its signing keys are made here");
    }
    if (publicKeys.size() > MAX_SIGNING_KEYS) {
      throw new IllegalArgumentException("at most " + MAX_SIGNING_KEYS + " signing keys, got " + publicKeys.size());
    }
    java.util.Set<String> seen = new java.util.LinkedHashSet<>();
    for (String k : publicKeys) {
      if (k == null || !NKeys.isAccountKey(k)) {
        throw new IllegalArgumentException("a signing key is not an account public key (A...)");
      }
      if (k.equals(publicKey)) {
        throw new IllegalArgumentException("the account's own key is not a signing key");
      }
      seen.add(k);
    }
    if (List.copyOf(seen).equals(signingKeys())) {
      return false;
    }
    signingKeys.clear();
    Instant now = clock.instant();
    seen.forEach(k -> signingKeys.add(new SigningKey(k, now)));
    return true;
  }

  /** {@return the account's signing keys' public keys, oldest first; the last signs new users} */
  public synchronized List<String> signingKeys() {
    return signingKeys.stream().map(k -> k.publicKey).toList();
  }

  /**
   * Serves a subject to other accounts (a service export): a request another account publishes
   * there, through its import, arrives here with a reply subject the server maps back into the
   * requester's account, so an answer (a JetStream publish acknowledgement among them) can only
   * land in the requester's account, never in this one. Takes effect when the JWT is {@linkplain
   * NatsOperator#push pushed}.
   *
   * @param subject the subject (wildcards allowed)
   */
  public synchronized void exportService(String subject) {
    serviceExports.add(UserPermissions.checkSubject("export", subject));
  }

  /**
   * Reaches a subject another account serves (a service import): what this account's users
   * publish there goes to the exporter's account, and answers come back here.
   *
   * @param exporter the account serving it ({@link #exportService})
   * @param subject the subject (wildcards allowed)
   */
  public synchronized void importService(NatsAccount exporter, String subject) {
    Objects.requireNonNull(exporter, "exporter");
    serviceImports.put(UserPermissions.checkSubject("import", subject), exporter.publicKey());
  }

  private static ObjectNode permission(java.util.List<String> allow) {
    ObjectNode p = JSON.objectNode();
    // An empty allow list means "no restriction" to NATS; deny everything explicitly instead.
    if (allow.isEmpty()) {
      p.putArray("deny").add(">");
    } else {
      allow.forEach(p.putArray("allow")::add);
    }
    return p;
  }

  /**
   * Revokes a user now: its JWT (and any earlier one for the same key) is refused from the next
   * {@linkplain NatsOperator#push push} on, and the server closes its open connections.
   *
   * @param userPublicKey the user's public NKey
   */
  public synchronized void revoke(String userPublicKey) {
    checkUserKey(userPublicKey);
    pending.remove(userPublicKey);
    // JWTs issued at or before this second are revoked; +1 covers a JWT issued within this second.
    revocations.put(userPublicKey, clock.instant().getEpochSecond() + 1);
  }

  /**
   * Rotates a user: issues the replacement now and schedules the old user's revocation after a
   * grace period, applied by {@link #applyDueRevocations()}.
   *
   * @param old the user being replaced
   * @param userName the new user's name
   * @param permissions the new user's permissions
   * @param grace how long the old user keeps working
   * @return the new credentials
   */
  public UserCredentials rotateUser(UserCredentials old, String userName, UserPermissions permissions, Duration grace) {
    Objects.requireNonNull(old, "old");
    return rotateUser(old.publicKey(), userName, permissions, grace);
  }

  /**
   * Rotates a user known by its public key (the issuer keeps no seeds of users it handed out).
   *
   * @param oldPublicKey the public NKey of the user being replaced
   * @param userName the new user's name
   * @param permissions the new user's permissions
   * @param grace how long the old user keeps working
   * @return the new credentials
   */
  public UserCredentials rotateUser(String oldPublicKey, String userName, UserPermissions permissions, Duration grace) {
    return rotateUser(oldPublicKey, userName, permissions, UserLimits.UNLIMITED, grace);
  }

  /**
   * Rotates a user known by its public key, giving the replacement limits of its own.
   *
   * @param oldPublicKey the public NKey of the user being replaced
   * @param userName the new user's name
   * @param permissions the new user's permissions
   * @param limits the new user's limits
   * @param grace how long the old user keeps working
   * @return the new credentials
   */
  public UserCredentials rotateUser(String oldPublicKey, String userName, UserPermissions permissions,
      UserLimits limits, Duration grace) {
    return rotateUser(oldPublicKey, userName, permissions, limits, grace, null);
  }

  /**
   * Rotates a user known by its public key, giving the replacement limits of its own and an expiry.
   *
   * @param oldPublicKey the public NKey of the user being replaced
   * @param userName the new user's name
   * @param permissions the new user's permissions
   * @param limits the new user's limits
   * @param grace how long the old user keeps working
   * @param validity how long the new user's JWT is valid, or null for no expiry
   * @return the new credentials
   */
  public UserCredentials rotateUser(String oldPublicKey, String userName, UserPermissions permissions,
      UserLimits limits, Duration grace, Duration validity) {
    checkUserKey(oldPublicKey);
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must not be negative");
    }
    UserCredentials replacement = issueUser(userName, permissions, limits, validity);
    synchronized (this) {
      pending.put(oldPublicKey, clock.instant().plus(grace));
    }
    return replacement;
  }

  /**
   * Cancels a rotation whose announcement failed: the old user is no longer scheduled for
   * revocation (revoke the replacement yourself if it was handed out nowhere).
   *
   * @param oldPublicKey the public NKey of the user that was being replaced
   * @return whether a revocation was scheduled for it
   */
  public synchronized boolean cancelRotation(String oldPublicKey) {
    checkUserKey(oldPublicKey);
    return pending.remove(oldPublicKey) != null;
  }

  /**
   * Turns every rotation whose grace has ended into a revocation.
   *
   * @return whether the revocation list changed (then push the account)
   */
  public synchronized boolean applyDueRevocations() {
    Instant now = clock.instant();
    boolean changed = false;
    for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getValue().isAfter(now)) {
        revocations.put(e.getKey(), now.getEpochSecond() + 1);
        it.remove();
        changed = true;
      }
    }
    return changed;
  }

  /**
   * Revokes a user as of a given second, as the account's holder asked (an EventSpace server
   * applying a vault's signed request): JWTs of that key issued at or before {@code
   * epochSecond}, or before now if that is later, are refused from the next push on. A user
   * already on the list with a time at or after {@code epochSecond} stays as it is.
   *
   * @param userPublicKey the user's public NKey
   * @param epochSecond the revocation time the holder gave
   * @return whether the list changed
   */
  public synchronized boolean revokeAt(String userPublicKey, long epochSecond) {
    checkUserKey(userPublicKey);
    if (epochSecond < 0) {
      throw new IllegalArgumentException("a revocation time is a non-negative epoch second, got " + epochSecond);
    }
    Long before = revocations.get(userPublicKey);
    if (before != null && before >= epochSecond) {
      return false;
    }
    long at = Math.max(epochSecond, clock.instant().getEpochSecond() + 1);
    pending.remove(userPublicKey);
    revocations.put(userPublicKey, at);
    return true;
  }

  /** {@return the revocation list: user public key to the epoch second up to which its JWTs are refused} */
  public synchronized Map<String, Long> revocations() {
    return Map.copyOf(revocations);
  }

  /** {@return how many users are revoked} */
  public synchronized int revocationCount() {
    return revocations.size();
  }

  /**
   * Signs a request about this account with its key (Ed25519, as NKeys sign), so that whoever
   * holds only its public key (the Concierge) can tell the account's holder asked for it.
   *
   * @param body the request's bytes
   * @return the 64-byte signature
   * @throws IllegalStateException if this side does not hold the key
   */
  public byte[] signRequest(byte[] body) {
    Objects.requireNonNull(body, "body");
    try {
      return key().sign(body);
    } catch (GeneralSecurityException | IOException e) {
      throw new NatsAuthException("cannot sign a request for account " + name, e);
    }
  }

  /**
   * Checks a {@linkplain #signRequest request signature}.
   *
   * @param accountPublicKey the account's public NKey ({@code A...})
   * @param body the request's bytes
   * @param signature the signature
   * @return whether the account's key signed exactly these bytes; false for anything malformed
   */
  public static boolean verifyRequest(String accountPublicKey, byte[] body, byte[] signature) {
    Objects.requireNonNull(accountPublicKey, "accountPublicKey");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(signature, "signature");
    if (signature.length != 64 || !NKeys.isAccountKey(accountPublicKey)) {
      return false;
    }
    try {
      return NKey.fromPublicKey(accountPublicKey.toCharArray()).verify(body, signature);
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Whether a user is on the revocation list.
   *
   * @param userPublicKey the user's public NKey
   * @return true if revoked
   */
  public synchronized boolean isRevoked(String userPublicKey) {
    return revocations.containsKey(userPublicKey);
  }

  /**
   * The account JWT as it stands now, signed by the operator: limits and revocations.
   *
   * @return the JWT
   */
  public String jwt() {
    if (operator == null) {
      throw new IllegalStateException("the JWT of account " + name + " is signed by the operator of the server that"
          + " hosts it, not here");
    }
    ObjectNode nats = JSON.objectNode();
    ObjectNode l = nats.putObject("limits");
    l.put("subs", -1).put("data", -1).put("payload", -1).put("imports", -1).put("exports", -1)
        .put("wildcards", true).put("conn", -1).put("leaf", -1)
        .put("mem_storage", limits.memoryBytes()).put("disk_storage", limits.diskBytes())
        .put("streams", limits.streams()).put("consumer", limits.consumers());
    ObjectNode perms = nats.putObject("default_permissions");
    perms.putObject("pub");
    perms.putObject("sub");
    synchronized (this) {
      if (!revocations.isEmpty()) {
        ObjectNode r = nats.putObject("revocations");
        revocations.forEach(r::put);
      }
      if (!serviceExports.isEmpty()) {
        com.fasterxml.jackson.databind.node.ArrayNode exports = nats.putArray("exports");
        for (String subject : serviceExports) {
          exports.addObject().put("name", subject).put("subject", subject).put("type", "service")
              .put("response_type", "Singleton");
        }
      }
      if (!serviceImports.isEmpty()) {
        com.fasterxml.jackson.databind.node.ArrayNode imports = nats.putArray("imports");
        serviceImports.forEach((subject, exporter) -> imports.addObject().put("name", subject)
            .put("subject", subject).put("account", exporter).put("type", "service"));
      }
    }
    synchronized (this) {
      if (!signingKeys.isEmpty()) {
        com.fasterxml.jackson.databind.node.ArrayNode keys = nats.putArray("signing_keys");
        signingKeys.forEach(k -> keys.add(k.publicKey));
      }
    }
    nats.put("type", "account").put("version", 2);
    return operator.sign(publicKey, name, nats.toString());
  }

  private static void checkUserKey(String userPublicKey) {
    Objects.requireNonNull(userPublicKey, "userPublicKey");
    if (!NKeys.isUserKey(userPublicKey)) {
      throw new IllegalArgumentException("not a NATS user public key (U...)");
    }
  }

  @Override
  public String toString() {
    return "NatsAccount[" + name + ", " + publicKey + "]";
  }
}
