package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.VaultAccounts;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The EventSpace server's Concierge: registers subscribers. The operator hands a prospective
 * subscriber a one-time token ({@link #issueToken}); {@link #register} redeems it once, before it
 * expires, and creates the subscriber's namespace: a guid and the vault's NATS accounts, one per
 * trust zone ({@link VaultAccounts}: its own, its apps', its EventSpace's and its deposits', with
 * JetStream limits; pushed to the running server through the system account, no restart), and the
 * owner's user. The owner then connects with those credentials and lays out its vault and
 * EventSpaces.
 *
 * <p>The Concierge holds the seeds of every subscriber's accounts it made (they sign the
 * connections' users): whoever holds the Concierge's memory can issue users in any subscriber's
 * accounts. It never holds a vault's keys, so it cannot open a vault's events.
 *
 * <p>Tokens are 256-bit random strings; only their SHA-256 is kept, so a dump of the Concierge's
 * memory does not let anyone register. A token is gone once redeemed, expired or revoked.
 *
 * <pre>{@code
 * Concierge concierge = new Concierge(operator, systemConnection);
 * String token = concierge.issueToken(Duration.ofHours(1));      // give it to the subscriber
 * Concierge.Registration r = concierge.register(token, JetStreamLimits.subscriberDefault());
 * Connection owner = Nats.connect(options.authHandler(r.owner().authHandler()).build());
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class Concierge {
  private static final Logger LOG = LoggerFactory.getLogger(Concierge.class);
  private static final Duration MAX_TTL = Duration.ofDays(7);

  private final NatsOperator operator;
  private final Connection system;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Instant> tokens = new ConcurrentHashMap<>();

  /**
   * Creates a Concierge.
   *
   * @param operator the operator whose server this is
   * @param systemConnection a connection made with the operator's system user
   */
  public Concierge(NatsOperator operator, Connection systemConnection) {
    this(operator, systemConnection, Clock.systemUTC());
  }

  /**
   * Creates a Concierge with a clock (for expiry).
   *
   * @param operator the operator whose server this is
   * @param systemConnection a connection made with the operator's system user
   * @param clock the clock
   */
  public Concierge(NatsOperator operator, Connection systemConnection, Clock clock) {
    this.operator = Objects.requireNonNull(operator, "operator");
    this.system = Objects.requireNonNull(systemConnection, "systemConnection");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * A registered subscriber.
   *
   * @param guid the subscriber's id, the {@code <guid>} of {@code subscriber.<guid>.…}
   * @param accounts its NATS accounts (keep them: the EventSpace account issues the connections' users)
   * @param owner the owner's credentials (all of the vault's own account); hand over and do not keep
   */
  public record Registration(String guid, VaultAccounts accounts, UserCredentials owner) {
    /**
     * Validates.
     *
     * @param guid the subscriber's id
     * @param accounts its NATS accounts
     * @param owner the owner's credentials
     */
    public Registration {
      Objects.requireNonNull(guid, "guid");
      Objects.requireNonNull(accounts, "accounts");
      Objects.requireNonNull(owner, "owner");
    }
  }

  /** Why a registration was refused. The message never echoes the token. */
  public static final class RegistrationException extends Exception {
    @java.io.Serial private static final long serialVersionUID = 1L;

    RegistrationException(String message) {
      super(message);
    }
  }

  /**
   * Issues a one-time registration token.
   *
   * @param ttl how long it is valid (up to 7 days)
   * @return the token (43 characters, base64url); shown once, kept only as a hash
   */
  public String issueToken(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("a token is valid for more than 0 and at most 7 days, got " + ttl);
    }
    byte[] b = new byte[32];
    random.nextBytes(b);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    tokens.put(hash(token), clock.instant().plus(ttl));
    purgeExpired();
    return token;
  }

  /**
   * Revokes a token that was not redeemed yet.
   *
   * @param token the token
   * @return whether it was still valid
   */
  public boolean revokeToken(String token) {
    Objects.requireNonNull(token, "token");
    Instant until = tokens.remove(hash(token));
    return until != null && clock.instant().isBefore(until);
  }

  /**
   * Redeems a token: creates the subscriber's account (pushed to the running server) and the
   * owner's user.
   *
   * @param token the one-time token
   * @param limits the subscriber's JetStream limits
   * @return the registration
   * @throws RegistrationException if the token is unknown, already used, revoked or expired
   * @throws InterruptedException if interrupted while the server confirms the account
   * @throws io.vettid.nats.auth.NatsAuthException if the server refuses the account
   */
  public Registration register(String token, JetStreamLimits limits) throws RegistrationException, InterruptedException {
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(limits, "limits");
    Instant until = tokens.remove(hash(token)); // one use, even if what follows fails
    if (until == null) {
      throw new RegistrationException("unknown or already used registration token");
    }
    if (!clock.instant().isBefore(until)) {
      throw new RegistrationException("the registration token expired at " + until);
    }
    byte[] id = new byte[8];
    random.nextBytes(id);
    String guid = HexFormat.of().formatHex(id);
    VaultAccounts accounts = VaultAccounts.create(operator, guid, limits);
    for (NatsAccount a : accounts.all()) {
      operator.push(system, a);
    }
    UserCredentials owner = accounts.issueOwner("owner-" + guid);
    LOG.info("registered subscriber {} (EventSpace account {})", guid, accounts.eventSpace().publicKey());
    return new Registration(guid, accounts, owner);
  }

  /** {@return how many tokens are outstanding (not redeemed, revoked or expired)} */
  public int outstandingTokens() {
    purgeExpired();
    return tokens.size();
  }

  private void purgeExpired() {
    Instant now = clock.instant();
    tokens.values().removeIf(until -> !now.isBefore(until));
  }

  private static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
  }
}
