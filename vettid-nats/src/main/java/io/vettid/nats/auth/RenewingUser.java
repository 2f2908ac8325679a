package io.vettid.nats.auth;

import io.nats.client.AuthHandler;
import io.nats.client.NKey;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A service's own user of an account it holds, whose JWT expires and is issued again for the same
 * NKey whenever it is presented with less than half its validity left: an {@link AuthHandler} for a
 * long-running connection. The server closes a connection when the JWT it was presented expires;
 * the client reconnects (jnats does by default) and this handler presents a fresh one. So the
 * credentials a service runs with stop working on their own once it stops renewing them, at the
 * cost of one reconnect per validity period; and, signed by the account's current signing key,
 * they let earlier signing keys retire ({@link NatsAccount#retireSigningKeys()}).
 *
 * <pre>{@code
 * RenewingUser vault = RenewingUser.of(accounts.vault(), "vault", UserPermissions.ACCOUNT_OWNER,
 *     Duration.ofDays(7));
 * Connection nc = Nats.connect(new Options.Builder().server(url).authHandler(vault).build());
 * }</pre>
 */
public final class RenewingUser implements AuthHandler {
  private final NatsAccount account;
  private final String name;
  private final UserPermissions permissions;
  private final Clock clock;
  private Duration validity;
  private NKey key;
  private String publicKey;
  private String jwt;
  private Instant expires;
  private long issued;

  private RenewingUser(NatsAccount account, String name, UserPermissions permissions, Duration validity,
      Clock clock) {
    this.account = Objects.requireNonNull(account, "account");
    this.name = Objects.requireNonNull(name, "name");
    this.permissions = Objects.requireNonNull(permissions, "permissions");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.validity = checked(validity);
  }

  /**
   * A renewing user; its first JWT is issued when first presented.
   *
   * @param account the account (its key, or a signing key, is held)
   * @param name a name for logs and tools ({@code [A-Za-z0-9_-]}, 1-64)
   * @param permissions what the user may publish and subscribe to
   * @param validity how long each JWT is valid (at least 2 seconds)
   * @return the user
   */
  public static RenewingUser of(NatsAccount account, String name, UserPermissions permissions, Duration validity) {
    return of(account, name, permissions, validity, Clock.systemUTC());
  }

  /**
   * A renewing user with its own clock (tests).
   *
   * @param account the account (its key, or a signing key, is held)
   * @param name a name for logs and tools ({@code [A-Za-z0-9_-]}, 1-64)
   * @param permissions what the user may publish and subscribe to
   * @param validity how long each JWT is valid (at least 2 seconds)
   * @param clock the clock
   * @return the user
   */
  public static RenewingUser of(NatsAccount account, String name, UserPermissions permissions, Duration validity,
      Clock clock) {
    return new RenewingUser(account, name, permissions, validity, clock);
  }

  private static Duration checked(Duration validity) {
    if (Objects.requireNonNull(validity, "validity").compareTo(Duration.ofSeconds(2)) < 0) {
      throw new IllegalArgumentException("a renewing user's JWT is valid for at least 2 seconds, got " + validity);
    }
    return validity;
  }

  /**
   * Changes how long the JWTs issued from now on are valid; the next one presented is issued anew.
   *
   * @param next the validity (at least 2 seconds)
   * @return this user
   */
  public synchronized RenewingUser validity(Duration next) {
    this.validity = checked(next);
    this.expires = null;
    return this;
  }

  /** {@return how long each JWT is valid} */
  public synchronized Duration validity() {
    return validity;
  }

  /** {@return when the JWT last presented expires, or null before the first} */
  public synchronized Instant expires() {
    return expires;
  }

  /** {@return how many JWTs were issued (the first, then each renewal)} */
  public synchronized long issued() {
    return issued;
  }

  /** {@return the user's public NKey ({@code U...}), issuing the first JWT if none was yet} */
  public synchronized String publicKey() {
    current();
    return publicKey;
  }

  /**
   * The current JWT, issued anew for the same NKey when less than half its validity is left.
   *
   * @return the JWT
   */
  private String current() {
    Instant now = clock.instant();
    if (expires == null || !now.isBefore(expires.minus(validity.dividedBy(2)))) {
      UserCredentials next;
      if (key == null) {
        next = account.issueUser(name, permissions, UserLimits.UNLIMITED, validity);
        char[] seed = next.seed();
        try {
          key = NKey.fromSeed(seed);
        } catch (RuntimeException e) {
          throw new NatsAuthException("cannot read the NKey of user " + name, e);
        } finally {
          java.util.Arrays.fill(seed, '\0');
        }
        publicKey = next.publicKey();
      } else {
        char[] seed = key.getSeed();
        UserCredentials same;
        try {
          same = UserCredentials.of(jwt, seed);
        } finally {
          java.util.Arrays.fill(seed, '\0');
        }
        try {
          next = account.renewUser(same, name, permissions, UserLimits.UNLIMITED, validity);
        } finally {
          same.destroy();
        }
      }
      jwt = next.jwt();
      next.destroy();
      expires = now.plus(validity);
      issued++;
    }
    return jwt;
  }

  @Override
  public synchronized char[] getJWT() {
    return current().toCharArray();
  }

  @Override
  public synchronized byte[] sign(byte[] nonce) {
    current();
    try {
      return key.sign(nonce);
    } catch (GeneralSecurityException | IOException e) {
      throw new NatsAuthException("cannot sign the server's nonce", e);
    }
  }

  @Override
  public synchronized char[] getID() {
    return publicKey().toCharArray();
  }

  /** Shows the account, the name and the expiry; never the seed. */
  @Override
  public synchronized String toString() {
    return "RenewingUser[" + name + " of " + account.name() + ", expires " + expires + "]";
  }
}
