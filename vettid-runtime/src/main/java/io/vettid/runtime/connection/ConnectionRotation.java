package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.api.ConnectionId;
import io.vettid.api.VettidException;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.runtime.internal.handlers.KeyRotationHandler;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotates connections, on demand and on a schedule: a new wrapping key for this side (the old one
 * opens events until the grace period after the peer's acknowledgement), and a new NATS user for
 * the peer (the old one is revoked when the grace period ends), both announced in one {@code
 * connection.rotate} event sealed to the peer. {@link #maintain} destroys keys and revokes users
 * whose grace has ended, pushing the account when its revocations changed.
 *
 * <pre>{@code
 * ConnectionRotation rotation = new ConnectionRotation(connections, account, Duration.ofMinutes(10), acct -> {
 *   try {
 *     operator.push(systemConnection, acct);                  // the account's new users reach the server
 *   } catch (InterruptedException e) {
 *     Thread.currentThread().interrupt();
 *   }
 * });
 * rotation.start(Duration.ofDays(30), Duration.ofMinutes(1));   // rotate keys older than 30 days
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class ConnectionRotation implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionRotation.class);

  private final Connections connections;
  private final NatsAccount account;
  private final Duration grace;
  private final Consumer<NatsAccount> push;
  private ScheduledExecutorService scheduler;

  /**
   * Creates the rotation.
   *
   * @param connections the vault's connections
   * @param account the vault's EventSpace account (issues the peers' users, {@code VaultAccounts.eventSpace()})
   * @param grace how long an old key or user keeps working
   * @param push sends the account's JWT to the server (for example {@code NatsOperator.push})
   */
  public ConnectionRotation(Connections connections, NatsAccount account, Duration grace, Consumer<NatsAccount> push) {
    this.connections = Objects.requireNonNull(connections, "connections");
    this.account = Objects.requireNonNull(account, "account");
    this.grace = Objects.requireNonNull(grace, "grace");
    this.push = Objects.requireNonNull(push, "push");
  }

  private volatile io.vettid.crypto.pool.KeySource keys = io.vettid.crypto.pool.KeySource.generating();
  private final List<java.util.function.BiConsumer<ConnectionId, String>> rotated =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Tells a listener of every rotation announced from now on, scheduled or on demand (the
   * connection and its new wrapping keyID; an audit log records it). A listener that throws
   * changes nothing.
   *
   * @param listener the listener
   * @return this rotation
   */
  public ConnectionRotation onRotated(java.util.function.BiConsumer<ConnectionId, String> listener) {
    rotated.add(Objects.requireNonNull(listener, "listener"));
    return this;
  }

  /**
   * Takes the new keys of rotations from a source (a warm {@link io.vettid.crypto.pool.KeyPools};
   * default: generated when needed).
   *
   * @param keys where new keys come from
   * @return this rotation
   */
  public ConnectionRotation keySource(io.vettid.crypto.pool.KeySource keys) {
    this.keys = Objects.requireNonNull(keys, "keys");
    return this;
  }

  /**
   * Rotates one connection now.
   *
   * @param local the connection
   * @throws GeneralSecurityException if the new key cannot be generated
   * @throws VettidException if the announcement cannot be sent; then nothing changed (the new key
   *     is destroyed, the new user revoked, the old key and user stay)
   * @throws IllegalStateException if a migration to another suite is under way
   */
  public void rotate(ConnectionId local) throws GeneralSecurityException, VettidException {
    Link link = connections.link(local);
    if (link.migratingTo().isPresent()) { // its keys change with the migration; rotated after it
      throw new IllegalStateException("connection " + local + " is moving to " + link.migratingTo().get().name()
          + "; it is rotated once the migration is done");
    }
    PublicKeyEntry key = link.rotateWrappingKey(keys);
    PublicKeyEntry signing = link.rotateSigningKey(keys); // used once the peer acknowledges
    ObjectNode announce = KeyRotationHandler.announce(key, signing);
    String own = link.ownDepositSubject().orElse(null);
    String oldUser = link.peerUser().orElse(null);
    UserCredentials fresh = null;
    if (own != null && oldUser != null) {
      String[] t = own.split("\\.");
      fresh = account.rotateUser(oldUser, "conn-" + local.value(),
          UserPermissions.forConnection(t[1], t[2], local), io.vettid.nats.auth.UserLimits.CONNECTION, grace,
          Connections.PEER_USER_VALIDITY);
      char[] seed = fresh.seed();
      announce.putObject("creds").put("jwt", fresh.jwt()).put("seed", new String(seed));
      java.util.Arrays.fill(seed, '\0');
      link.peerUserRotated(fresh.publicKey());
    }
    try {
      connections.send(local, KeyRotationHandler.ROTATE, announce);
    } catch (VettidException | RuntimeException e) {
      // the peer never heard of it: it goes on with the old keys and the old user, which stay
      link.undoRotation(key);
      link.undoSigningRotation();
      if (fresh != null) {
        account.cancelRotation(oldUser);
        account.revoke(fresh.publicKey());
        link.peerUserRotated(oldUser);
        push.accept(account);
      }
      throw e;
    }
    LOG.info("connection {}: rotation announced (new wrapping key {}, new signing key {})", local, key.keyId(),
        signing.keyId());
    for (java.util.function.BiConsumer<ConnectionId, String> l : rotated) {
      try {
        l.accept(local, key.keyId().value());
      } catch (RuntimeException e) {
        LOG.warn("a rotation listener failed ({})", e.getClass().getSimpleName());
      }
    }
  }

  /**
   * Rotates every connection whose wrapping key is older than {@code maxAge}.
   *
   * @param maxAge the longest a key may serve
   * @return the connections rotated
   */
  public List<ConnectionId> rotateDue(Duration maxAge) {
    List<ConnectionId> due = connections.rotationDue(maxAge);
    for (ConnectionId c : due) {
      try {
        rotate(c);
      } catch (GeneralSecurityException | VettidException | RuntimeException e) {
        LOG.warn("connection {}: scheduled rotation failed ({}); retried next time", c, e.getClass().getSimpleName());
      }
    }
    return due;
  }

  /**
   * Destroys keys and revokes users whose grace period ended, tells peers of an identity rotation
   * they have not heard of ({@link Connections#tellIdentity()}); pushes the account if its
   * revocations changed.
   *
   * @return whether the account was pushed
   */
  public boolean maintain() {
    connections.retireDue();
    connections.tellIdentity(); // peers not told of an identity rotation yet
    if (account.applyDueRevocations()) {
      push.accept(account);
      return true;
    }
    return false;
  }

  /**
   * Runs {@link #rotateDue} and {@link #maintain} every {@code period} on a daemon thread.
   *
   * @param maxAge the longest a key may serve
   * @param period how often to check
   */
  public synchronized void start(Duration maxAge, Duration period) {
    if (scheduler != null) {
      throw new IllegalStateException("already started");
    }
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "vettid-rotation");
      t.setDaemon(true);
      return t;
    });
    scheduler.scheduleWithFixedDelay(() -> {
      rotateDue(maxAge);
      maintain();
    }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }
}
