package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.ConnectionId;
import io.vettid.crypto.PublicKeyBox;
import io.vettid.crypto.Suite;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.subjects.Subjects;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * The invited side of a connection. {@link #accept} checks that the invitation has not expired
 * and that its inviter is not blocked, generates this side's connection keys, issues the inviter
 * a NATS user that may only deposit on this side's EventSpace, and makes the acceptance message
 * (the user sealed to the invitation's one-time key, so only the inviter opens it).
 * {@link #complete} checks the inviter's confirmation: made with the invitation's secret, answering
 * this acceptance, signed by the identity key the invitation named (so a swapped profile is
 * refused), and not blocked.
 *
 * <pre>{@code
 * Invitee bob = Invitee.accept(Invitation.parse(uri), bobIdentity, bobGuid, "home", bobAccount, suite, clock, blocks);
 * send(bob.message());                                   // to the inviter
 * Established e = bob.complete(confirmBytes);            // from the inviter
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class Invitee {
  private final Invitation invitation;
  private final ConnectionKeys mine;
  private final ConnectionId local;
  private final String publicUser;
  private final String ownDeposit;
  private final byte[] message;
  private final BlockList blocked;
  /** The identity keyID this acceptance presented, or null (restored from a record without it). */
  private final io.vettid.api.KeyId ownIdentity;
  private boolean completed;

  private Invitee(Invitation invitation, ConnectionKeys mine, ConnectionId local, String publicUser, String ownDeposit,
      byte[] message, BlockList blocked, io.vettid.api.KeyId ownIdentity) {
    this.ownDeposit = ownDeposit;
    this.ownIdentity = ownIdentity;
    this.invitation = invitation;
    this.mine = mine;
    this.local = local;
    this.publicUser = publicUser;
    this.message = message;
    this.blocked = blocked;
  }

  /**
   * Accepts an invitation.
   *
   * @param invitation the invitation (from its URI)
   * @param me this owner's identity
   * @param subscriberGuid this owner's subscriber guid
   * @param eventSpace this owner's EventSpace the inviter will deposit on
   * @param account this owner's NATS account (issues the inviter's user)
   * @param suite the suite (one the invitation lists, when it lists any; RSA-4096 by default)
   * @param clock the clock
   * @param blocked identities to refuse
   * @return the pending acceptance, with its message to send
   * @throws HandshakeException if the invitation expired, its inviter is blocked, or it lists suites
   *     and not this one
   * @throws GeneralSecurityException if keys cannot be generated or the message signed
   */
  public static Invitee accept(Invitation invitation, Identity me, String subscriberGuid, String eventSpace,
      NatsAccount account, Suite suite, Clock clock, BlockList blocked) throws HandshakeException, GeneralSecurityException {
    return accept(invitation, me, subscriberGuid, eventSpace, account, suite, clock, blocked, null);
  }

  /**
   * Accepts an invitation, naming this vault's own server so that the inviter can reach it.
   *
   * @param invitation the invitation (from its URI)
   * @param me this owner's identity
   * @param subscriberGuid this owner's subscriber guid
   * @param eventSpace this owner's EventSpace the inviter will deposit on
   * @param account this owner's NATS account (issues the inviter's user)
   * @param suite the suite (one the invitation lists, when it lists any; RSA-4096 by default)
   * @param clock the clock
   * @param blocked identities to refuse
   * @param ownServer where this vault's server listens with its CA pin, or null on a shared server
   * @return the pending acceptance, with its message to send
   * @throws HandshakeException if the invitation expired, its inviter is blocked, or it lists suites
   *     and not this one
   * @throws GeneralSecurityException if keys cannot be generated or the message signed
   */
  public static Invitee accept(Invitation invitation, Identity me, String subscriberGuid, String eventSpace,
      NatsAccount account, Suite suite, Clock clock, BlockList blocked, io.vettid.nats.server.ServerAddress ownServer)
      throws HandshakeException, GeneralSecurityException {
    return accept(invitation, me, subscriberGuid, eventSpace, account, suite, clock, blocked, ownServer,
        io.vettid.crypto.pool.KeySource.generating());
  }

  /**
   * Accepts an invitation with connection keys from a source (a warm pool, so that the acceptance
   * does not wait for key generation).
   *
   * @param invitation the invitation (from its URI)
   * @param me this owner's identity
   * @param subscriberGuid this owner's subscriber guid
   * @param eventSpace this owner's EventSpace the inviter will deposit on
   * @param account this owner's NATS account (issues the inviter's user)
   * @param suite the suite (one the invitation lists, when it lists any; RSA-4096 by default)
   * @param clock the clock
   * @param blocked identities to refuse
   * @param ownServer where this vault's server listens with its CA pin, or null on a shared server
   * @param keys where this side's connection keys come from
   * @return the pending acceptance, with its message to send
   * @throws HandshakeException if the invitation expired, its inviter is blocked, or it lists suites
   *     and not this one
   * @throws GeneralSecurityException if keys cannot be had or the message signed
   */
  public static Invitee accept(Invitation invitation, Identity me, String subscriberGuid, String eventSpace,
      NatsAccount account, Suite suite, Clock clock, BlockList blocked, io.vettid.nats.server.ServerAddress ownServer,
      io.vettid.crypto.pool.KeySource keys) throws HandshakeException, GeneralSecurityException {
    Objects.requireNonNull(invitation, "invitation");
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(me, "me");
    Objects.requireNonNull(account, "account");
    if (!clock.instant().isBefore(invitation.expiresAt())) {
      throw new HandshakeException("the invitation expired at " + invitation.expiresAt());
    }
    if (blocked.isBlocked(invitation.inviter())) {
      throw new HandshakeException("the inviter's identity " + invitation.inviter() + " is blocked");
    }
    Objects.requireNonNull(suite, "suite");
    if (!invitation.suites().isEmpty() && !invitation.suites().contains(suite.id())) {
      // nothing is sent, no user issued: the inviter would refuse it after spending its invitation
      throw new HandshakeException("the inviter accepts the suites " + Invitations.names(invitation.suites())
          + " for this connection, not " + suite.name());
    }
    SecureRandom random = new SecureRandom();
    ConnectionKeys mine = ConnectionKeys.generate(suite, random, keys);
    ConnectionId local = ConnectionId.random(); // the inviter deposits here under this id
    UserCredentials forInviter = account.issueUser("conn-" + local.value(),
        io.vettid.nats.auth.UserPermissions.forConnection(subscriberGuid, eventSpace, local),
        io.vettid.nats.auth.UserLimits.CONNECTION, Connections.PEER_USER_VALIDITY);
    byte[] msg = HandshakeMessage.build(HandshakeMessage.ACCEPT, invitation, me, mine, subscriberGuid, eventSpace,
        local.value(), ownServer, forInviter, null, HandshakeMessage.toInvitationKey(invitation, random), random);
    return new Invitee(invitation, mine, local, forInviter.publicKey(),
        Subjects.deposit(subscriberGuid, eventSpace, local).value(), msg, blocked, me.keyId());
  }

  /**
   * When this acceptance, if never completed, is given up: the invitation's expiry plus the
   * longest an inviter may take to confirm (10 minutes for an invitation shown in person; 7 days for
   * a remote one, whose acceptance may wait that long for the inviter's approval). Then the user it
   * issued for the inviter should be revoked ({@link #issuedUser()}).
   *
   * @return the time
   */
  public java.time.Instant abandonedAt() {
    return invitation.expiresAt().plus(invitation.remote() ? Invitations.REMOTE_MAX : Invitations.IN_PERSON_MAX);
  }

  /** {@return the public NKey of the NATS user this acceptance issued for the inviter} */
  public String issuedUser() {
    return publicUser;
  }

  /** {@return whether {@link #complete} succeeded} */
  public synchronized boolean isCompleted() {
    return completed;
  }

  /** {@return the acceptance message to send to the inviter} */
  public byte[] message() {
    return message.clone();
  }

  /**
   * This acceptance as a record to keep across a restart: the invitation (with its secret), this
   * side's new connection keys (private halves), the connection id, the user it issued and its
   * message. <b>It holds secrets</b>: seal it, and wipe the array.
   *
   * @return UTF-8 JSON
   */
  public synchronized byte[] export() {
    com.fasterxml.jackson.databind.node.ObjectNode n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
        .objectNode().put("v", 1).put("uri", invitation.toUri()).put("local", local.value()).put("user", publicUser)
        .put("deposit", ownDeposit).put("message", java.util.Base64.getEncoder().encodeToString(message))
        .put("completed", completed).put("identity", ownIdentity == null ? "" : ownIdentity.value());
    n.set("keys", mine.toJson());
    return n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Restores an acceptance {@linkplain #export() exported} before.
   *
   * @param exported the record
   * @param blocked identities to refuse
   * @return the acceptance, waiting for its confirmation as before
   * @throws IllegalArgumentException if it is not such a record
   * @throws GeneralSecurityException if its keys do not decode
   */
  public static Invitee restore(byte[] exported, BlockList blocked) throws GeneralSecurityException {
    Objects.requireNonNull(blocked, "blocked");
    com.fasterxml.jackson.databind.JsonNode n = SavedRecord.read(exported, "acceptance",
        r -> r.path("v").asInt() == 1 && r.path("uri").isTextual() && r.path("keys").isObject(),
        "version 1 with uri and keys");
    Invitee i = new Invitee(Invitation.parse(n.path("uri").asText()), ConnectionKeys.fromJson(n.get("keys")),
        ConnectionId.of(n.path("local").asText()), n.path("user").asText(), n.path("deposit").asText(),
        java.util.Base64.getDecoder().decode(n.path("message").asText()), blocked,
        n.path("identity").asText("").isEmpty() ? null : io.vettid.api.KeyId.of(n.path("identity").asText()));
    i.completed = n.path("completed").asBoolean();
    return i;
  }

  /** {@return the invitation this acceptance answers} */
  public Invitation invitation() {
    return invitation;
  }

  /**
   * Completes the handshake with the inviter's confirmation.
   *
   * @param confirmBytes the confirmation
   * @return the connection
   * @throws HandshakeException if the confirmation was not made with the invitation's secret, does
   *     not answer this acceptance, is not signed by the identity the invitation named, or its
   *     sender is blocked; or if this acceptance was already completed
   */
  public synchronized Established complete(byte[] confirmBytes) throws HandshakeException {
    if (completed) {
      throw new HandshakeException("this acceptance was already completed");
    }
    HandshakeMessage msg = HandshakeMessage.parse(confirmBytes, HandshakeMessage.CONFIRM);
    if (!msg.invitationId().equals(invitation.idText())) {
      throw new HandshakeException("the confirmation answers another invitation");
    }
    HandshakeMessage.Content c = msg.verify(invitation, invitation.inviter(), blocked,
        (context, box) -> PublicKeyBox.open(mine.wrapping(), context, box));
    if (c.acceptHash() == null || !MessageDigest.isEqual(c.acceptHash(), Invitations.sha256(message))) {
      throw new HandshakeException("the confirmation does not answer this acceptance");
    }
    if (!c.guid().equals(invitation.subscriberGuid()) || !c.eventSpace().equals(invitation.eventSpace())) {
      throw new HandshakeException("the confirmation names another EventSpace than the invitation");
    }
    if (!c.suite().name().equals(mine.suite().name())) {
      throw new HandshakeException("the confirmation uses another suite");
    }
    if (!Objects.equals(c.server(), invitation.server())) {
      throw new HandshakeException("the confirmation names another server than the invitation");
    }
    completed = true;
    ConnectionId remote = ConnectionId.of(c.connectionId());
    return new Established(local, remote, Subjects.deposit(c.guid(), c.eventSpace(), remote).value(),
        Subjects.inbox(c.guid(), c.eventSpace(), remote).value(), c.creds(), mine, c.signing(), c.wrapping(),
        c.profile(), publicUser, ownDeposit, invitation.server(), ownIdentity);
  }
}
