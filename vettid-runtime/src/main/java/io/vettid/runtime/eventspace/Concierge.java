package io.vettid.runtime.eventspace;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.SignedRequest;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserLimits;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EventSpace server's Concierge: it registers subscribers and changes their accounts when
 * their vaults ask, and can do nothing else to them.
 *
 * <ul>
 *   <li>{@link #issueToken}: a one-time {@link RegistrationToken} for a prospective subscriber
 *       (its secret kept only as a SHA-256 in the {@code Concierge} bucket, with its expiry).</li>
 *   <li>{@link #register}: redeems a token once, before it expires. The vault made its two
 *       external accounts' keys itself ({@link SubscriberAccounts#create}) and sends only their
 *       public keys, in a request signed with both; the Concierge names a guid, signs the
 *       accounts' JWTs with the operator ({@link SubscriberAccounts#adopt}: exports, imports,
 *       JetStream limits it grants), pushes them to the running servers (no restart) and keeps
 *       the record.</li>
 *   <li>{@link #update}: a revocation the vault asks for (a connection revoked, a rotated
 *       connection user), in a request signed with the key of the account it changes, newer than
 *       the last one it took from that subscriber and within {@value #SKEW_MINUTES} minutes of its
 *       clock.</li>
 * </ul>
 *
 * <p>The Concierge holds no key of any subscriber's account, so it cannot issue a user in one; it
 * never holds a vault's keys, so it cannot open a vault's events. (The operator it acts for could
 * replace an account's JWT with one that adds a signing key of its own: THREAT-MODEL.md says what an
 * EventSpace server's operator can and cannot do.) Every refusal is a {@link ConciergeException}
 * whose message says why without echoing a secret. Thread-safe: its operations run one at a time
 * ({@link ConciergeService} on its dispatcher, an operator's tools on theirs).
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class Concierge {
  private static final Logger LOG = LoggerFactory.getLogger(Concierge.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration MAX_TTL = Duration.ofDays(7);
  static final int SKEW_MINUTES = 5;
  /** The most users one account may have revoked (its JWT carries the list). */
  public static final int MAX_REVOCATIONS = 4096;
  private static final String REGISTRATION_REVOCATIONS = "registration.revocations";

  private final NatsOperator operator;
  private final NatsAccount concierge;
  private final NatsAccount registration;
  private final Connection system;
  private final KeyValue store;
  private final JetStreamLimits granted;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final List<String> usedBootstraps = new ArrayList<>();

  /**
   * Creates a Concierge.
   *
   * @param operator the EventSpace server's operator
   * @param concierge the Concierge's own account (it exports {@code concierge.register} and {@code
   *     concierge.account.update})
   * @param registration the account of the bootstrap users (it imports {@code concierge.register});
   *     the Concierge holds its key
   * @param system a connection made with the operator's system user (account pushes)
   * @param store the {@code Concierge} bucket in the Concierge's account
   * @param granted the JetStream limits every subscriber's deposit account gets
   * @param clock the clock (token expiry, request times)
   */
  public Concierge(NatsOperator operator, NatsAccount concierge, NatsAccount registration, Connection system,
      KeyValue store, JetStreamLimits granted, Clock clock) {
    this.operator = Objects.requireNonNull(operator, "operator");
    this.concierge = Objects.requireNonNull(concierge, "concierge");
    this.registration = Objects.requireNonNull(registration, "registration");
    this.system = Objects.requireNonNull(system, "system");
    this.store = Objects.requireNonNull(store, "store");
    this.granted = Objects.requireNonNull(granted, "granted");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (!registration.holdsKey()) {
      throw new IllegalArgumentException("the Concierge issues the bootstrap users: it must hold the registration"
          + " account's key");
    }
  }

  /** Why the Concierge refused. The message never echoes a token or a key. */
  @API(status = EXPERIMENTAL, since = "0.1")
  public static final class ConciergeException extends Exception {
    @java.io.Serial private static final long serialVersionUID = 1L;

    ConciergeException(String message) {
      super(message);
    }
  }

  /**
   * A registered subscriber, as the Concierge answers the vault.
   *
   * @param guid the subscriber's guid, the {@code <guid>} of {@code subscriber.<guid>.…}
   * @param eventSpace the public key of its EventSpace account
   * @param deposits the public key of its deposit account
   * @param limits the JetStream limits granted to its deposit account
   * @param replicas the replicas its deposit streams should have: 1 on one server, 3 on a cluster
   */
  @API(status = EXPERIMENTAL, since = "0.1")
  public record Registered(String guid, String eventSpace, String deposits, JetStreamLimits limits, int replicas) {}

  /**
   * Issues a one-time registration token.
   *
   * @param ttl how long it is valid (more than 0, at most 7 days)
   * @return the token; shown once, kept only as a hash
   * @throws IOException if the bucket cannot be written
   */
  public synchronized RegistrationToken issueToken(Duration ttl) throws IOException {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("a token is valid for more than 0 and at most 7 days, got " + ttl);
    }
    byte[] b = new byte[32];
    random.nextBytes(b);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    Duration validity = ttl.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : ttl;
    String prefix = RegistrationToken.inboxPrefix(secret);
    UserCredentials bootstrap = registration.issueUser("register-" + prefix.substring(prefix.length() - 16),
        new UserPermissions(List.of(Subjects.CONCIERGE_REGISTER.value()), List.of(prefix + ".>")),
        new UserLimits(4, 8192, -1), validity);
    ObjectNode record = JSON.createObjectNode().put("until", clock.instant().plus(ttl).toString())
        .put("user", bootstrap.publicKey());
    put(tokenKey(RegistrationToken.hash(secret)), record);
    return new RegistrationToken(secret, bootstrap);
  }

  /**
   * Revokes a token not redeemed yet (and its bootstrap user).
   *
   * @param secret the token's secret
   * @return whether it was still valid
   * @throws IOException if the bucket cannot be read or written
   * @throws InterruptedException if interrupted while the server confirms the revocation
   */
  public synchronized boolean revokeToken(String secret) throws IOException, InterruptedException {
    Objects.requireNonNull(secret, "secret");
    JsonNode t = take(tokenKey(RegistrationToken.hash(secret)));
    if (t == null) {
      return false;
    }
    usedBootstraps.add(t.path("user").asText());
    revokeUsedBootstraps();
    return clock.instant().isBefore(Instant.parse(t.path("until").asText()));
  }

  /**
   * Registers a subscriber: redeems the token in the request once (even if what follows fails),
   * checks that both accounts' keys signed it, and makes, pushes and records the accounts. The
   * token's bootstrap user is revoked by the next {@link #revokeUsedBootstraps()}.
   *
   * @param request the signed request ({@code {"v":1,"token":..,"eventSpace":"A..","deposits":"A..","ts":..}})
   * @return the registration
   * @throws ConciergeException if the token is unknown, used, revoked or expired, a signature is
   *     missing or wrong, an account key is already registered, or the request is malformed
   * @throws IOException if the bucket cannot be read or written
   * @throws InterruptedException if interrupted while the server confirms the accounts
   */
  public synchronized Registered register(SignedRequest request)
      throws ConciergeException, IOException, InterruptedException {
    Objects.requireNonNull(request, "request");
    JsonNode body = body(request, "token", "eventSpace", "deposits");
    JsonNode token = take(tokenKey(RegistrationToken.hash(body.get("token").textValue())));
    if (token == null) {
      throw new ConciergeException("unknown or already used registration token");
    }
    usedBootstraps.add(token.path("user").asText()); // revoked once the answer is on its way
    Instant until = Instant.parse(token.path("until").asText());
    if (!clock.instant().isBefore(until)) {
      throw new ConciergeException("the registration token expired at " + until);
    }
    String es = body.get("eventSpace").textValue();
    String dep = body.get("deposits").textValue();
    if (!request.signedBy(es) || !request.signedBy(dep)) {
      throw new ConciergeException("the registration is not signed by both accounts' keys");
    }
    for (String key : List.of(es, dep)) {
      if (get(accountKey(key)) != null) {
        throw new ConciergeException("account " + key + " is already registered");
      }
    }
    byte[] id = new byte[8];
    random.nextBytes(id);
    String guid = HexFormat.of().formatHex(id);
    List<NatsAccount> accounts;
    try {
      accounts = SubscriberAccounts.adopt(operator, guid, es, dep, granted, concierge);
    } catch (IllegalArgumentException e) {
      throw new ConciergeException("the accounts cannot be registered: " + e.getMessage());
    }
    operator.push(system, accounts.get(1)); // the deposit account first: the EventSpace account imports from it
    operator.push(system, accounts.get(0));
    save(guid, accounts, body.get("ts").asLong());
    for (NatsAccount a : accounts) {
      put(accountKey(a.publicKey()), JSON.createObjectNode().put("guid", guid));
    }
    LOG.info("registered subscriber {} (EventSpace account {})", guid, es);
    return new Registered(guid, es, dep, granted, replicas());
  }

  /**
   * Applies revocations a vault asks for in one of its accounts, and lists the signing keys it made
   * for it when the update names them.
   *
   * @param request the signed request ({@code {"v":1,"guid":..,"account":"A..","ts":..,"revoke":{"U..":epochSecond},
   *     "signingKeys":["A.."]}}, {@code signingKeys} optional: absent, the list is unchanged)
   * @return how many revocations changed the account's list
   * @throws ConciergeException if the subscriber or account is unknown, the account's key did not
   *     sign it, it is not newer than the last update or too far from the clock, it would revoke
   *     more than {@value #MAX_REVOCATIONS} users, or a signing key is not an account key, is the
   *     account's own or one too many
   * @throws IOException if the bucket cannot be read or written
   * @throws InterruptedException if interrupted while the server confirms the account
   */
  public synchronized int update(SignedRequest request) throws ConciergeException, IOException, InterruptedException {
    Objects.requireNonNull(request, "request");
    JsonNode body = body(request, "guid", "account");
    String guid = body.get("guid").textValue();
    String account = body.get("account").textValue();
    JsonNode record = get(subscriberKey(guid));
    if (record == null) {
      throw new ConciergeException("unknown subscriber " + guid.replaceAll("[^a-z0-9]", "?"));
    }
    List<NatsAccount> accounts = restore(record);
    NatsAccount target = accounts.stream().filter(a -> a.publicKey().equals(account)).findFirst()
        .orElseThrow(() -> new ConciergeException("the account is not one of subscriber " + guid + "'s"));
    if (!request.signedBy(account)) {
      throw new ConciergeException("the update is not signed by the account's key");
    }
    long ts = body.get("ts").asLong();
    if (ts <= record.path("ts").asLong()) {
      throw new ConciergeException("the update is not newer than the last one taken (a replay?)");
    }
    JsonNode revoke = body.path("revoke");
    if (!revoke.isObject()) {
      throw new ConciergeException("an update carries 'revoke', an object of user keys to epoch seconds");
    }
    JsonNode signing = body.path("signingKeys");
    List<String> signingKeys = null;
    if (!signing.isMissingNode()) {
      if (!signing.isArray() || signing.size() > NatsAccount.MAX_SIGNING_KEYS) {
        throw new ConciergeException("'signingKeys' is an array of at most " + NatsAccount.MAX_SIGNING_KEYS
            + " account keys");
      }
      signingKeys = new java.util.ArrayList<>();
      for (JsonNode k : signing) {
        if (!k.isTextual()) {
          throw new ConciergeException("a signing key is an account public key (A...)");
        }
        signingKeys.add(k.textValue());
      }
    }
    int changed = 0;
    boolean listed = false;
    try {
      for (Iterator<Map.Entry<String, JsonNode>> it = revoke.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().canConvertToLong()) {
          throw new ConciergeException("a revocation time is an epoch second");
        }
        if (target.revokeAt(e.getKey(), e.getValue().asLong())) {
          changed++;
        }
      }
    } catch (IllegalArgumentException e) {
      throw new ConciergeException("a revocation is malformed: " + e.getMessage());
    }
    if (target.revocationCount() > MAX_REVOCATIONS) {
      throw new ConciergeException("an account may have at most " + MAX_REVOCATIONS + " revoked users");
    }
    if (signingKeys != null) {
      try {
        listed = target.listSigningKeys(signingKeys);
      } catch (IllegalArgumentException e) {
        throw new ConciergeException("a signing key is refused: " + e.getMessage());
      }
    }
    if (changed > 0 || listed) {
      operator.push(system, target);
    }
    save(guid, accounts, ts);
    return changed;
  }

  /**
   * How many tokens are outstanding (neither redeemed, revoked nor expired).
   *
   * @return the count
   * @throws IOException if the bucket cannot be read
   */
  public synchronized int outstandingTokens() throws IOException {
    int n = 0;
    Instant now = clock.instant();
    for (String key : keys()) {
      if (key.startsWith("token.")) {
        JsonNode t = get(key);
        if (t != null && now.isBefore(Instant.parse(t.path("until").asText()))) {
          n++;
        }
      }
    }
    return n;
  }

  /**
   * How many subscribers are registered.
   *
   * @return the count
   * @throws IOException if the bucket cannot be read
   */
  public synchronized int subscribers() throws IOException {
    return (int) keys().stream().filter(k -> k.startsWith("subscriber.")).count();
  }

  /** {@return the replicas of the Concierge's bucket: those of the servers it runs on (1, or 3 on a cluster)} */
  private int replicas() throws IOException {
    try {
      return store.getStatus().getReplicas();
    } catch (JetStreamApiException e) {
      throw new IOException("the Concierge bucket's status cannot be read: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the Concierge bucket's status", e);
    }
  }

  private List<String> keys() throws IOException {
    try {
      return store.keys();
    } catch (JetStreamApiException e) {
      throw new IOException("the Concierge bucket cannot be listed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while listing the Concierge bucket", e);
    }
  }

  /** The body, as a JSON object of version 1 with the named text members and a {@code ts}. */
  private JsonNode body(SignedRequest request, String... members) throws ConciergeException {
    JsonNode n;
    try {
      n = JSON.readTree(request.body());
    } catch (IOException e) {
      throw new ConciergeException("the request's body is not JSON");
    }
    if (n == null || !n.isObject() || n.path("v").asInt() != 1 || !n.path("ts").canConvertToLong()) {
      throw new ConciergeException("the request's body is a JSON object with \"v\":1 and \"ts\" (epoch milliseconds)");
    }
    for (String m : members) {
      if (!n.path(m).isTextual() || n.get(m).textValue().length() > 128) {
        throw new ConciergeException("the request's body has no '" + m + "' (text)");
      }
    }
    long skew = Math.abs(clock.millis() - n.get("ts").asLong());
    if (skew > Duration.ofMinutes(SKEW_MINUTES).toMillis()) {
      throw new ConciergeException("the request's time is more than " + SKEW_MINUTES
          + " minutes from the Concierge's clock");
    }
    return n;
  }

  /**
   * Revokes the bootstrap users of the tokens redeemed since the last call (after the answer to
   * the registration left: the server closes a revoked user's connection at once, answer or not).
   *
   * @throws IOException if the bucket cannot be written
   * @throws InterruptedException if interrupted while the server confirms the account
   */
  public synchronized void revokeUsedBootstraps() throws IOException, InterruptedException {
    if (usedBootstraps.isEmpty()) {
      return;
    }
    for (String user : usedBootstraps) {
      if (!user.isEmpty()) {
        registration.revoke(user);
      }
    }
    usedBootstraps.clear();
    operator.push(system, registration);
    ObjectNode r = JSON.createObjectNode();
    registration.revocations().forEach(r::put);
    put(REGISTRATION_REVOCATIONS, r);
  }

  /**
   * Revokes again the bootstrap users of tokens redeemed or revoked before (the list is kept in the
   * bucket: it holds no secret) and pushes the registration account: call it once at start.
   *
   * @throws IOException if the bucket cannot be read
   * @throws InterruptedException if interrupted while the server confirms the account
   */
  public synchronized void restoreRevocations() throws IOException, InterruptedException {
    JsonNode r = get(REGISTRATION_REVOCATIONS);
    if (r != null) {
      r.fields().forEachRemaining(e -> registration.revokeAt(e.getKey(), e.getValue().asLong()));
    }
    operator.push(system, registration);
  }

  private List<NatsAccount> restore(JsonNode record) {
    List<NatsAccount> accounts = new ArrayList<>();
    for (String role : List.of("eventSpace", "deposits")) {
      accounts.add(operator.restoreAccount(record.get(role).toString().getBytes(StandardCharsets.UTF_8)));
    }
    return accounts;
  }

  private void save(String guid, List<NatsAccount> accounts, long ts) throws IOException {
    ObjectNode r = JSON.createObjectNode().put("v", 1).put("ts", ts);
    r.set("eventSpace", JSON.readTree(accounts.get(0).export()));
    r.set("deposits", JSON.readTree(accounts.get(1).export()));
    put("subscriber." + guid, r);
  }

  private static String tokenKey(String hash) {
    return "token." + hash;
  }

  private static String subscriberKey(String guid) throws ConciergeException {
    if (!guid.matches("[0-9a-f]{16}")) {
      throw new ConciergeException("a subscriber guid is 16 lowercase hex digits");
    }
    return "subscriber." + guid;
  }

  private static String accountKey(String publicKey) throws ConciergeException {
    if (!publicKey.matches("A[A-Z2-7]{55}")) {
      throw new ConciergeException("not an account public key (A...)");
    }
    return "account." + publicKey;
  }

  private void put(String key, JsonNode value) throws IOException {
    try {
      store.put(key, JSON.writeValueAsBytes(value));
    } catch (JetStreamApiException e) {
      throw new IOException("the Concierge bucket refused " + key.substring(0, key.indexOf('.')) + ": "
          + e.getMessage(), e);
    }
  }

  private JsonNode get(String key) throws IOException {
    try {
      KeyValueEntry e = store.get(key);
      return e == null || e.getValue() == null ? null : JSON.readTree(e.getValue());
    } catch (JetStreamApiException e) {
      throw new IOException("the Concierge bucket cannot be read: " + e.getMessage(), e);
    }
  }

  /** Reads and deletes (purges) a key: what is taken cannot be taken again. */
  private JsonNode take(String key) throws IOException {
    JsonNode v = get(key);
    if (v != null) {
      try {
        store.purge(key);
      } catch (JetStreamApiException e) {
        throw new IOException("the Concierge bucket cannot be written: " + e.getMessage(), e);
      }
    }
    return v;
  }
}
