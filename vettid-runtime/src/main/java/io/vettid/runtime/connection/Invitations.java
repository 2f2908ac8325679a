package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.ConnectionId;
import io.vettid.crypto.EphemeralBox;
import io.vettid.crypto.Suite;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.subjects.Subjects;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inviting side of connections. {@link #create} makes a single-use, expiring {@link
 * Invitation} bound to one EventSpace (10 minutes in person; up to 7 days remote, 7 days by
 * default). {@link #accept} takes the invitee's acceptance: it checks the invitation (known, not
 * used, not expired), the HMAC made with its secret, the invitee's signed profile and identity
 * signature, and the block list; it burns the invitation; it generates this side's connection keys
 * and issues the invitee a NATS user that may only deposit on this EventSpace's subject for the
 * new connection. An in-person acceptance is confirmed at once; a remote one waits until the owner
 * {@link #approve}s it (or {@link #decline}s it), unless the owner's {@linkplain #approvalRules
 * rules} approve it.
 *
 * <pre>{@code
 * Invitation inv = invitations.create("home", false);           // show inv.toUri() as a QR code
 * Invitations.Result r = invitations.accept(acceptBytes);         // from the invitee
 * send(r.confirm().orElseThrow());                                 // to the invitee
 * connections.add(r.established().orElseThrow(), connector);
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class Invitations {
  /** Longest validity of an invitation shown in person. */
  public static final Duration IN_PERSON_MAX = Duration.ofMinutes(10);
  /** Longest validity of an invitation sent remotely. */
  public static final Duration REMOTE_MAX = Duration.ofDays(7);

  private static final Logger LOG = LoggerFactory.getLogger(Invitations.class);

  private volatile Identity me;
  /** Earlier identities, kept while an open invitation or a waiting acceptance names them. */
  private final Map<io.vettid.api.KeyId, Identity> earlier = new ConcurrentHashMap<>();
  private final String guid;
  private final NatsAccount account;
  private final Suite suite;
  private final BlockList blocked;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Open> open = new ConcurrentHashMap<>();
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private volatile io.vettid.api.spi.RuleEngine approvalRules = event -> io.vettid.api.Decision.defaultDeny();
  private volatile io.vettid.nats.server.ServerAddress server;
  private volatile io.vettid.crypto.pool.KeySource keys = io.vettid.crypto.pool.KeySource.generating();

  /**
   * Takes this side's connection keys from a source (a warm {@link io.vettid.crypto.pool.KeyPools},
   * so that a confirmation does not wait for key generation; default: generated when needed).
   *
   * @param keys where new connection keys come from
   */
  public void keySource(io.vettid.crypto.pool.KeySource keys) {
    this.keys = Objects.requireNonNull(keys, "keys");
  }

  /**
   * Names this vault's own server in new invitations and confirmations, so invitees on other
   * servers can reach it (default: none, both sides share a server).
   *
   * @param server where this vault's server listens, with its CA pin
   */
  public void advertise(io.vettid.nats.server.ServerAddress server) {
    this.server = Objects.requireNonNull(server, "server");
  }

  /** The event type the approval rules are asked about for a remote acceptance. */
  public static final io.vettid.api.EventType CONNECTION_REQUEST = io.vettid.api.EventType.of("connection.request");

  /**
   * Lets rules approve remote acceptances: each is put to the engine as a {@code
   * connection.request} event with payload {@code {"identity": "<keyID>", "firstName": "...",
   * "eventSpace": "..."}}; a handle or reply decision approves it at once, anything else leaves it
   * pending for the owner (default: every remote acceptance waits).
   *
   * @param rules the engine (usually the owner's {@code RuleStore})
   */
  public void approvalRules(io.vettid.api.spi.RuleEngine rules) {
    this.approvalRules = Objects.requireNonNull(rules, "rules");
  }

  /**
   * Creates the inviting side.
   *
   * @param me the owner's identity
   * @param subscriberGuid the owner's subscriber guid
   * @param account the owner's NATS account (issues the invitees' users)
   * @param suite the suite new connections use (policy: {@link io.vettid.crypto.Suites#DEFAULT})
   * @param blocked identities to refuse
   * @param clock the clock
   */
  public Invitations(Identity me, String subscriberGuid, NatsAccount account, Suite suite, BlockList blocked,
      Clock clock) {
    this.me = Objects.requireNonNull(me, "me");
    this.guid = Objects.requireNonNull(subscriberGuid, "subscriberGuid");
    this.account = Objects.requireNonNull(account, "account");
    this.suite = Objects.requireNonNull(suite, "suite");
    this.blocked = Objects.requireNonNull(blocked, "blocked");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** {@return the inviting owner's identity} */
  public Identity me() {
    return me;
  }

  /**
   * The owner rotated the identity key (or published a new profile with the same key): new
   * invitations name {@code next} and carry its profile. Invitations already
   * handed out name the previous key; they are still confirmed with it (signed by the key they
   * name, as the invitee checks) until they are used or expire, and then the previous identity is
   * forgotten here. A connection made that way learns the rotation from {@link Connections} once
   * its peer is first heard from (its {@link Established#ownIdentity()} names the older key).
   *
   * @param next the owner's new identity, whose chain ends with a rotation from the current one
   * @throws IllegalArgumentException if {@code next}'s chain does not lead from the current identity
   */
  public synchronized void identityRotated(Identity next) {
    Objects.requireNonNull(next, "next");
    Identity current = me;
    if (next.keyId().equals(current.keyId())) {
      me = next; // the same key with a new profile
      return;
    }
    if (!next.chain().names(current.keyId())) {
      throw new IllegalArgumentException("the new identity's chain does not lead from " + current.keyId());
    }
    earlier.put(current.keyId(), current);
    me = next;
    forgetExpired();
  }

  /**
   * Also confirms invitations that name an earlier identity (for example ones restored with
   * {@link #restore} after the owner rotated the identity key and restarted).
   *
   * @param previous an earlier identity of this owner
   * @throws IllegalArgumentException if the current identity's chain does not name it
   */
  public void confirmAlsoAs(Identity previous) {
    Objects.requireNonNull(previous, "previous");
    if (!previous.keyId().equals(me.keyId())) {
      if (!me.chain().names(previous.keyId())) {
        throw new IllegalArgumentException("the current identity's chain does not name " + previous.keyId());
      }
      earlier.put(previous.keyId(), previous);
    }
  }

  /** The identity an invitation names: the current one or an earlier one still kept. */
  private Identity signerOf(Invitation inv) throws HandshakeException {
    Identity current = me;
    if (inv.inviter().equals(current.keyId())) {
      return current;
    }
    Identity before = earlier.get(inv.inviter());
    if (before == null) {
      throw new HandshakeException("the invitation names identity " + inv.inviter() + ", which is no longer kept");
    }
    return before;
  }

  /**
   * An acceptance waiting for the owner's approval.
   *
   * @param id its id (the invitation's)
   * @param peerName the invitee's first name, from its verified profile
   * @param safetyNumber the safety number the connection will have
   * @param receivedAt when it arrived
   */
  public record PendingAcceptance(String id, String peerName, String safetyNumber, Instant receivedAt) {}

  /** An open invitation and the private half of its one-time key. */
  private record Open(Invitation invitation, EphemeralBox.KeyPair oneTimeKey) {}

  private record Pending(Invitation invitation, byte[] acceptBytes, HandshakeMessage.Content content,
      ConnectionKeys mine, Instant receivedAt) {}

  /**
   * The open invitations (with their one-time private keys) and the acceptances waiting for
   * approval (with this side's new keys and the credentials the invitee issued), as a record to
   * keep across a restart. <b>It holds secrets</b>: seal it, and wipe the array.
   *
   * @return UTF-8 JSON
   */
  public byte[] export() {
    forgetExpired();
    java.util.Base64.Encoder b = java.util.Base64.getEncoder();
    com.fasterxml.jackson.databind.node.ObjectNode n = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
        .objectNode().put("v", 1);
    com.fasterxml.jackson.databind.node.ArrayNode o = n.putArray("open");
    for (Open x : open.values()) {
      byte[] k = x.oneTimeKey().exportPrivateKey();
      o.addObject().put("uri", x.invitation().toUri()).put("oneTime", b.encodeToString(k));
      java.util.Arrays.fill(k, (byte) 0);
    }
    com.fasterxml.jackson.databind.node.ArrayNode w = n.putArray("pending");
    for (Pending p : pending.values()) {
      char[] seed = p.content().creds().seed();
      byte[] creds = (p.content().creds().jwt() + "\n" + new String(seed))
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      java.util.Arrays.fill(seed, '\0');
      w.addObject().put("uri", p.invitation().toUri()).put("accept", b.encodeToString(p.acceptBytes()))
          .put("creds", b.encodeToString(creds)).put("receivedAt", p.receivedAt().toString())
          .set("keys", p.mine().toJson());
      java.util.Arrays.fill(creds, (byte) 0);
    }
    return n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Takes back what {@link #export()} wrote: open invitations that have not expired, and the
   * acceptances waiting for approval, each verified again as when it came (its MAC, profile and
   * signature; the credentials it carried as they were opened then).
   *
   * @param exported the record
   * @return how many invitations and acceptances were restored
   * @throws IllegalArgumentException if it is not such a record
   * @throws GeneralSecurityException if a key does not decode
   */
  public int restore(byte[] exported) throws GeneralSecurityException {
    com.fasterxml.jackson.databind.JsonNode n = SavedRecord.read(exported, "invitations",
        r -> r.path("v").asInt() == 1, "version 1");
    java.util.Base64.Decoder d = java.util.Base64.getDecoder();
    Instant now = clock.instant();
    int restored = 0;
    for (com.fasterxml.jackson.databind.JsonNode x : n.path("open")) {
      Invitation inv = Invitation.parse(x.path("uri").asText());
      byte[] k = d.decode(x.path("oneTime").asText());
      EphemeralBox.KeyPair key = EphemeralBox.fromPrivateKey(k);
      java.util.Arrays.fill(k, (byte) 0);
      if (now.isBefore(inv.expiresAt()) && java.util.Arrays.equals(key.publicKey(), inv.oneTimeKey())) {
        open.put(inv.idText(), new Open(inv, key));
        restored++;
      } else {
        key.destroy();
      }
    }
    for (com.fasterxml.jackson.databind.JsonNode x : n.path("pending")) {
      Invitation inv = Invitation.parse(x.path("uri").asText());
      byte[] accept = d.decode(x.path("accept").asText());
      byte[] creds = d.decode(x.path("creds").asText());
      try {
        HandshakeMessage.Content c = HandshakeMessage.parse(accept, HandshakeMessage.ACCEPT)
            .verify(inv, null, blocked, (context, box) -> creds.clone());
        pending.put(inv.idText(), new Pending(inv, accept, c, ConnectionKeys.fromJson(x.get("keys")),
            Instant.parse(x.path("receivedAt").asText())));
        restored++;
      } catch (HandshakeException e) {
        LOG.warn("a kept acceptance of invitation {} no longer verifies ({}); dropped", inv.idText(), e.getMessage());
      } finally {
        java.util.Arrays.fill(creds, (byte) 0);
      }
    }
    return restored;
  }

  /**
   * What {@link #accept} or {@link #approve} produced.
   *
   * @param pendingId set when the acceptance waits for approval
   * @param confirm the confirmation to send to the invitee, once confirmed
   * @param established the connection, once confirmed
   */
  public record Result(Optional<String> pendingId, Optional<byte[]> confirm, Optional<Established> established) {}

  /**
   * Creates an invitation with the default validity (10 minutes in person, 7 days remote).
   *
   * @param eventSpace the EventSpace it grants
   * @param remote whether it is sent remotely
   * @return the invitation
   */
  public Invitation create(String eventSpace, boolean remote) {
    return create(eventSpace, remote, remote ? REMOTE_MAX : IN_PERSON_MAX);
  }

  /**
   * Creates an invitation.
   *
   * @param eventSpace the EventSpace it grants
   * @param remote whether it is sent remotely
   * @param validity how long it is valid (at most 10 minutes in person, 7 days remote)
   * @return the invitation
   */
  public Invitation create(String eventSpace, boolean remote, Duration validity) {
    return create(eventSpace, remote, validity, List.of(suite));
  }

  /**
   * Creates an invitation that accepts the given suites for its connection: the policy of this
   * one connection. The invitation lists them ({@link Invitation#suites()}); the invitee picks one,
   * and this side makes its keys of the one picked.
   *
   * @param eventSpace the EventSpace it grants
   * @param remote whether it is sent remotely
   * @param validity how long it is valid (at most 10 minutes in person, 7 days remote)
   * @param accepted the suites accepted, in order of preference (1 to {@value Invitation#MAX_SUITES})
   * @return the invitation
   */
  public Invitation create(String eventSpace, boolean remote, Duration validity, List<Suite> accepted) {
    Objects.requireNonNull(validity, "validity");
    List<Integer> ids = Objects.requireNonNull(accepted, "accepted").stream().map(Suite::id).distinct().toList();
    if (ids.isEmpty() || ids.size() > Invitation.MAX_SUITES) {
      throw new IllegalArgumentException("an invitation accepts 1 to " + Invitation.MAX_SUITES + " suites");
    }
    Duration max = remote ? REMOTE_MAX : IN_PERSON_MAX;
    if (validity.isNegative() || validity.isZero() || validity.compareTo(max) > 0) {
      throw new IllegalArgumentException("an invitation " + (remote ? "sent remotely" : "shown in person")
          + " is valid for more than 0 and at most " + (remote ? "7 days" : "10 minutes") + ", got " + validity);
    }
    forgetExpired();
    byte[] id = new byte[16];
    byte[] secret = new byte[32];
    random.nextBytes(id);
    random.nextBytes(secret);
    EphemeralBox.KeyPair oneTime = EphemeralBox.generate(random);
    Invitation inv = new Invitation(guid, eventSpace, id, secret, oneTime.publicKey(), me.keyId(),
        clock.instant().plus(validity).plusSeconds(1), remote, server, null, ids);
    if (server != null && account.holdsKey()) {
      inv = inv.withBootstrap(HandshakeBootstrap.sign(inv, account)); // the invitee can deliver its acceptance
    }
    open.put(inv.idText(), new Open(inv, oneTime));
    return inv;
  }

  /** Drops the invitations that expired unused, destroying their one-time keys. */
  private void forgetExpired() {
    Instant now = clock.instant();
    open.values().removeIf(o -> {
      if (now.isBefore(o.invitation().expiresAt())) {
        return false;
      }
      o.oneTimeKey().destroy();
      return true;
    });
    earlier.keySet().removeIf(k -> open.values().stream().noneMatch(o -> o.invitation().inviter().equals(k))
        && pending.values().stream().noneMatch(p -> p.invitation().inviter().equals(k)));
  }

  /**
   * Whether an acceptance answers one of this side's open invitations (made here, not used, not
   * revoked; it may have expired since). Checks nothing else: {@link #accept} does.
   *
   * @param acceptBytes the acceptance message
   * @return whether its invitation is open here
   * @throws HandshakeException if it is not an acceptance message
   */
  public boolean answersAnOpenInvitation(byte[] acceptBytes) throws HandshakeException {
    return open.containsKey(HandshakeMessage.parse(Objects.requireNonNull(acceptBytes, "acceptBytes"),
        HandshakeMessage.ACCEPT).invitationId());
  }

  /**
   * Takes an invitee's acceptance.
   *
   * @param acceptBytes the acceptance message
   * @return pending (remote) or confirmed (in person)
   * @throws HandshakeException if the invitation is unknown, used, expired or revoked, the
   *     message was not made with its secret, the invitee's profile or signature is refused, or
   *     the invitee is blocked
   * @throws GeneralSecurityException if this side's keys cannot be generated
   */
  public Result accept(byte[] acceptBytes) throws HandshakeException, GeneralSecurityException {
    HandshakeMessage msg = HandshakeMessage.parse(acceptBytes, HandshakeMessage.ACCEPT);
    Open o = open.get(msg.invitationId());
    if (o == null) {
      throw new HandshakeException("unknown, already used or revoked invitation");
    }
    Invitation inv = o.invitation();
    // before burning: a forgery must not spend it
    HandshakeMessage.Content c = msg.verify(inv, null, blocked, o.oneTimeKey()::open);
    if (!open.remove(msg.invitationId(), o)) {
      throw new HandshakeException("unknown, already used or revoked invitation");
    }
    o.oneTimeKey().destroy();
    if (!clock.instant().isBefore(inv.expiresAt())) {
      throw new HandshakeException("the invitation expired at " + inv.expiresAt());
    }
    // the invitation's own list (as this side made it and kept it), or this side's one suite
    List<Integer> accepted = inv.suites().isEmpty() ? List.of(suite.id()) : inv.suites();
    if (!accepted.contains(c.suite().id())) {
      throw new HandshakeException("the invitee chose suite " + c.suite().name() + "; this invitation accepts "
          + names(accepted));
    }
    ConnectionKeys mine = ConnectionKeys.generate(c.suite(), random, keys);
    Pending p = new Pending(inv, acceptBytes.clone(), c, mine, clock.instant());
    if (inv.remote() && !approvedByRule(inv, c)) {
      pending.put(inv.idText(), p);
      LOG.info("remote acceptance of invitation {} from {} waits for approval", inv.idText(), c.profile().owner().keyId());
      return new Result(Optional.of(inv.idText()), Optional.empty(), Optional.empty());
    }
    return confirm(p);
  }

  /** {@return the names of suites, by id ("id N" for one not known here)} */
  static List<String> names(List<Integer> ids) {
    return ids.stream().map(i -> io.vettid.crypto.Suites.byId(i).map(Suite::name).orElse("id " + i)).toList();
  }

  private boolean approvedByRule(Invitation inv, HandshakeMessage.Content c) {
    io.vettid.api.InternalEvent question = io.vettid.api.InternalEvent.builder().type(CONNECTION_REQUEST)
        .connectionId(ConnectionId.random())
        .payload(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
            .put("identity", c.profile().owner().keyId().value())
            .put("firstName", c.profile().owner().firstName())
            .put("eventSpace", inv.eventSpace()))
        .build();
    try {
      return approvalRules.evaluate(question).allowsProcessing();
    } catch (RuntimeException e) {
      LOG.warn("the approval rules failed ({}); the acceptance waits for the owner", e.getClass().getSimpleName());
      return false;
    }
  }

  /** {@return the acceptances waiting for approval} */
  public List<PendingAcceptance> pending() {
    return pending.entrySet().stream().map(e -> new PendingAcceptance(e.getKey(),
        e.getValue().content().profile().owner().firstName(),
        SafetyNumber.of(e.getValue().mine(), e.getValue().content().signing(), e.getValue().content().wrapping()),
        e.getValue().receivedAt())).toList();
  }

  /**
   * Approves a remote acceptance.
   *
   * @param pendingId its id
   * @return the confirmation and the connection
   * @throws HandshakeException if there is no such pending acceptance, or the invitee was blocked
   *     meanwhile
   * @throws GeneralSecurityException if sealing fails
   */
  public Result approve(String pendingId) throws HandshakeException, GeneralSecurityException {
    Pending p = pending.remove(Objects.requireNonNull(pendingId, "pendingId"));
    if (p == null) {
      throw new HandshakeException("no pending acceptance " + pendingId);
    }
    if (blocked.isBlocked(p.content().profile().owner().keyId())) {
      throw new HandshakeException("the invitee's identity is blocked");
    }
    return confirm(p);
  }

  /**
   * Declines a remote acceptance.
   *
   * @param pendingId its id
   * @return whether there was one
   */
  public boolean decline(String pendingId) {
    return pending.remove(Objects.requireNonNull(pendingId, "pendingId")) != null;
  }

  /**
   * Revokes an invitation that was not accepted yet.
   *
   * @param invitation the invitation
   * @return whether it was still open
   */
  public boolean revoke(Invitation invitation) {
    Open o = open.remove(Objects.requireNonNull(invitation, "invitation").idText());
    if (o == null) {
      return false;
    }
    o.oneTimeKey().destroy();
    return true;
  }

  private Result confirm(Pending p) throws GeneralSecurityException, HandshakeException {
    Invitation inv = p.invitation();
    HandshakeMessage.Content c = p.content();
    ConnectionId local = ConnectionId.random(); // the invitee deposits here under this id
    UserCredentials forInvitee = account.issueUser("conn-" + local.value(),
        UserPermissions.forConnection(guid, inv.eventSpace(), local), io.vettid.nats.auth.UserLimits.CONNECTION,
        Connections.PEER_USER_VALIDITY);
    Identity signer = signerOf(inv);
    byte[] confirm = HandshakeMessage.build(HandshakeMessage.CONFIRM, inv, signer, p.mine(), guid, inv.eventSpace(),
        local.value(), inv.server(), forInvitee, sha256(p.acceptBytes()),
        HandshakeMessage.toWrappingKey(c.wrapping(), random), random);
    ConnectionId remote = ConnectionId.of(c.connectionId());
    Established e = new Established(local, remote, Subjects.deposit(c.guid(), c.eventSpace(), remote).value(),
        Subjects.inbox(c.guid(), c.eventSpace(), remote).value(), c.creds(), p.mine(), c.signing(), c.wrapping(),
        c.profile(), forInvitee.publicKey(), Subjects.deposit(guid, inv.eventSpace(), local).value(), c.server(),
        signer.keyId());
    LOG.info("invitation {} accepted by {}: connection {}", inv.idText(), c.profile().owner().keyId(), local);
    return new Result(Optional.empty(), Optional.of(confirm), Optional.of(e));
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
