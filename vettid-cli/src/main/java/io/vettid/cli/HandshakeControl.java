package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.vettid.api.FailureReason;
import io.vettid.crypto.SecretBox;
import io.vettid.crypto.Suite;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.client.AcceptanceEndpoints;
import io.vettid.runtime.client.InvitationEndpoints;
import io.vettid.runtime.connection.Established;
import io.vettid.runtime.connection.HandshakeException;
import io.vettid.runtime.connection.Invitation;
import io.vettid.runtime.connection.Invitations;
import io.vettid.runtime.connection.Invitee;
import io.vettid.runtime.connection.PeerConnector;
import io.vettid.runtime.service.HandshakeInbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control service's {@code invitations} and {@code acceptances} groups: both sides of the
 * handshake (PROTOCOL.md section 8). Invitations are made per EventSpace and carry its current
 * profile. Open invitations (with their one-time keys), acceptances waiting for the owner's
 * approval and this vault's acceptances waiting for their confirmation are kept across restarts,
 * sealed in the {@code Vault} bucket under a key derived from the vault secret; acceptances never
 * completed are given up (and the NATS user each issued for its inviter revoked) when they can no
 * longer complete.
 */
final class HandshakeControl {
  private static final Logger LOG = LoggerFactory.getLogger(HandshakeControl.class);

  private final RunningVault vault;
  private final ProfileControl profiles;
  private final PeerConnector connector;
  private final Map<String, Invitations> invitations = new ConcurrentHashMap<>();
  private final Map<String, Invitee> accepting = new ConcurrentHashMap<>();
  /** Acceptances delivered over NATS whose confirmation this vault waits for, by invitation id. */
  private final Map<String, CompletableFuture<AcceptanceEndpoints.Connected>> completions = new ConcurrentHashMap<>();
  /** How long {@code acceptances.start} waits for the confirmation of an invitation shown in person. */
  static final Duration CONFIRMATION_WAIT = Duration.ofSeconds(60);

  /** What the sealed record is for (its key is derived from the vault secret for it, and it is the AAD). */
  static final String SEAL_PURPOSE = "vettid/cli/handshakes/v1";
  static final String KEY = "handshakes.state";
  private final byte[] sealKey;

  HandshakeControl(RunningVault vault, ProfileControl profiles, PeerConnector connector, byte[] sealKey) {
    this.vault = vault;
    this.profiles = profiles;
    this.connector = connector;
    this.sealKey = sealKey.clone();
  }

  /**
   * Takes back the open invitations and acceptances the last run kept.
   *
   * @return how many
   */
  int restore() throws Exception {
    io.nats.client.api.KeyValueEntry e = vault.nats().keyValue(Subjects.name("Vault")).get(KEY);
    if (e == null || e.getValue() == null) {
      return 0;
    }
    byte[] plain = SecretBox.open(sealKey, KEY.getBytes(StandardCharsets.US_ASCII), e.getValue());
    try {
      JsonNode n = VaultHome.JSON.readTree(plain);
      Base64.Decoder d = Base64.getDecoder();
      int restored = 0;
      for (Iterator<Map.Entry<String, JsonNode>> it = n.path("invitations").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> x = it.next();
        if (vault.config().eventSpaces().contains(x.getKey())) {
          restored += invitations(x.getKey()).restore(d.decode(x.getValue().asText()));
        }
      }
      for (JsonNode x : n.path("acceptances")) {
        Invitee i = Invitee.restore(d.decode(x.asText()), vault.blocks);
        if (!i.isCompleted()) {
          accepting.put(i.invitation().idText(), i);
          restored++;
        }
      }
      return restored;
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /** Keeps the open invitations and acceptances, sealed, for the next run. */
  private synchronized void save() {
    ObjectNode n = VaultHome.JSON.createObjectNode().put("v", 1);
    Base64.Encoder b = Base64.getEncoder();
    ObjectNode inv = n.putObject("invitations");
    invitations.forEach((es, i) -> inv.put(es, b.encodeToString(i.export())));
    accepting.values().forEach(i -> n.withArray("acceptances").add(b.encodeToString(i.export())));
    byte[] plain = n.toString().getBytes(StandardCharsets.UTF_8);
    try {
      vault.nats().keyValue(Subjects.name("Vault")).put(KEY,
          SecretBox.seal(sealKey, KEY.getBytes(StandardCharsets.US_ASCII), plain, new java.security.SecureRandom()));
    } catch (IOException | io.nats.client.JetStreamApiException | RuntimeException e) {
      LOG.warn("the open invitations and acceptances could not be kept ({}); a restart forgets them",
          e.getClass().getSimpleName());
    } finally {
      Arrays.fill(plain, (byte) 0);
      n.removeAll();
    }
  }

  void serve(ControlService.Builder b) {
    b.on(InvitationEndpoints.CREATE, this::invite)
        .on(InvitationEndpoints.CONFIRM, r -> confirm(HandshakeText.decode("accept", r.message())))
        .on(InvitationEndpoints.PENDING, r -> pending())
        .on(InvitationEndpoints.APPROVE, r -> approve(r.id()))
        .on(InvitationEndpoints.DECLINE, r -> decline(r.id()))
        .on(AcceptanceEndpoints.START, r -> accept(r.uri(), vault.eventSpace(r.eventSpace()), r.suite()))
        .on(AcceptanceEndpoints.COMPLETE, r -> complete(HandshakeText.decode("confirm", r.message())));
  }

  /**
   * A handshake message that came over NATS (the vault's handshake stream, PROTOCOL.md section
   * 8.5): an acceptance of one of this vault's invitations, or the confirmation of one of its
   * acceptances. What fails is refused with its reason and kept in the quarantine.
   *
   * @param eventSpace the EventSpace of the subject it came on
   * @param token the subject's last token
   * @param body the message
   */
  void received(String eventSpace, String token, byte[] body) throws HandshakeInbox.Refused {
    String kind;
    try {
      kind = VaultHome.JSON.readTree(body).path("kind").asText("");
    } catch (java.io.IOException e) {
      throw new HandshakeInbox.Refused(FailureReason.MALFORMED, "a handshake message is JSON");
    }
    try {
      switch (kind) {
        case "accept" -> {
          InvitationEndpoints.Confirmed c = confirm(body);
          LOG.info("an acceptance came over NATS on {}: {}", eventSpace,
              c.pending() != null ? "waits for the owner's approval (" + c.pending() + ")" : "connected");
        }
        case "confirm" -> complete(body);
        default -> throw new HandshakeInbox.Refused(FailureReason.MALFORMED, "not an accept or confirm message");
      }
    } catch (HandshakeInbox.Refused r) {
      throw r;
    } catch (HandshakeException | Refused e) {
      throw new HandshakeInbox.Refused(FailureReason.BAD_SIGNATURE, e.getMessage());
    } catch (Exception e) {
      throw new HandshakeInbox.Refused(FailureReason.MALFORMED, e.getClass().getSimpleName());
    }
  }

  /**
   * An EventSpace's profile changed (or the identity key rotated): its next invitation carries the
   * new one; the invitations already handed out stay open, confirmed with the key they name.
   */
  void profileChanged(String eventSpace) {
    Invitations inv = invitations.get(eventSpace);
    if (inv == null) {
      return;
    }
    try {
      inv.identityRotated(profiles.identity(eventSpace));
    } catch (Exception e) {
      LOG.warn("the invitations of {} could not take the new profile ({}); they are made afresh", eventSpace,
          e.getClass().getSimpleName());
      invitations.remove(eventSpace);
    }
  }

  // ---------------------------------------------------------------- inviting

  private Invitations invitations(String es) throws Exception {
    Invitations inv = invitations.get(es);
    if (inv == null) {
      inv = new Invitations(profiles.identity(es), vault.config().guid(), vault.eventSpaceAccount(), vault.suite,
          vault.blocks, Clock.systemUTC());
      inv.advertise(vault.publicAddress);
      inv.keySource(vault.keys);
      inv.approvalRules(vault.runtime.rules().orElseThrow());
      for (java.security.KeyPair earlier : vault.earlierIdentities) {
        inv.confirmAlsoAs(profiles.earlierIdentity(es, earlier)); // invitations handed out before a rotation
      }
      invitations.put(es, inv);
    }
    return inv;
  }

  private InvitationEndpoints.Created invite(InvitationEndpoints.Create r) throws Exception {
    String es = vault.eventSpace(r.eventSpace());
    Invitations inv = invitations(es);
    Duration validity = r.validSeconds() != 0 ? Duration.ofSeconds(r.validSeconds())
        : r.remote() ? Invitations.REMOTE_MAX : Invitations.IN_PERSON_MAX;
    List<Suite> accepted = new ArrayList<>();
    for (String name : r.suites() == null ? List.of(vault.suite.name()) : r.suites()) {
      accepted.add(suite(name));
    }
    Invitation i = inv.create(es, r.remote(), validity, accepted);
    save();
    return new InvitationEndpoints.Created(i.toUri(), i.idText(), es, i.expiresAt().toString(), r.remote());
  }

  private InvitationEndpoints.Confirmed confirm(byte[] acceptMessage) throws Exception {
    for (String es : vault.config().eventSpaces()) {
      Invitations inv = invitations(es);
      if (inv.answersAnOpenInvitation(acceptMessage)) {
        return confirmed(inv.accept(acceptMessage));
      }
    }
    throw new HandshakeException("unknown, already used or revoked invitation");
  }

  private InvitationEndpoints.Confirmed confirmed(Invitations.Result r) throws Exception {
    save(); // the invitation is spent; the acceptance waits, or is done
    if (r.pendingId().isPresent()) {
      return new InvitationEndpoints.Confirmed(r.pendingId().get(), null, null, null, null, false);
    }
    Established e = r.established().orElseThrow();
    added(e);
    byte[] confirm = r.confirm().orElseThrow();
    boolean delivered = false;
    try {
      vault.connections.link(e.local()).deliverHandshake(confirm);
      delivered = true;
    } catch (IOException | RuntimeException x) {
      LOG.info("the confirmation was not delivered over NATS ({}); it is printed to pass on", x.getMessage());
    }
    return new InvitationEndpoints.Confirmed(null, HandshakeText.encode("confirm", confirm),
        e.local().value(), e.peerProfile().owner().firstName(), e.safetyNumber(), delivered);
  }

  private InvitationEndpoints.Pending pending() throws Exception {
    List<InvitationEndpoints.Waiting> list = new ArrayList<>();
    for (String es : vault.config().eventSpaces()) {
      for (Invitations.PendingAcceptance p : invitations(es).pending()) {
        list.add(new InvitationEndpoints.Waiting(p.id(), p.peerName(), es, p.safetyNumber(),
            p.receivedAt().toString()));
      }
    }
    return new InvitationEndpoints.Pending(list);
  }

  private InvitationEndpoints.Confirmed approve(String id) throws Exception {
    for (String es : vault.config().eventSpaces()) {
      Invitations inv = invitations(es);
      if (inv.pending().stream().anyMatch(p -> p.id().equals(id))) {
        return confirmed(inv.approve(id));
      }
    }
    throw Refused.notFound("no pending acceptance " + id + "; see: vettid invite pending");
  }

  private InvitationEndpoints.Declined decline(String id) throws Exception {
    for (String es : vault.config().eventSpaces()) {
      if (invitations(es).decline(id)) {
        save();
        return new InvitationEndpoints.Declined(id);
      }
    }
    throw Refused.notFound("no pending acceptance " + id + "; see: vettid invite pending");
  }

  // ---------------------------------------------------------------- accepting

  /** {@return a suite this vault knows, by name (a built-in one, or one of its trusted plugins')} */
  private Suite suite(String name) throws Refused {
    return vault.plugins.suite(name).orElseThrow(() -> new Refused("unknown suite " + name + "; this vault knows "
        + vault.plugins.suites().stream().map(Suite::name).toList()));
  }

  private AcceptanceEndpoints.Started accept(String uri, String es, String suiteName) throws Exception {
    forgetAbandonedAcceptances(Instant.now());
    Invitation inv = Invitation.parse(uri.trim());
    Suite suite = suiteName == null ? vault.suite : suite(suiteName);
    if (!inv.suites().isEmpty() && !inv.suites().contains(suite.id())) {
      throw new Refused("the inviter accepts the suites " + inv.suites().stream().map(vault.plugins::suiteName)
          .toList() + " for this connection, not "
          + suite.name() + (suiteName == null ? " (this vault's): choose one with --suite" : ""));
    }
    Invitee invitee = Invitee.accept(inv, profiles.identity(es), vault.config().guid(), es,
        vault.eventSpaceAccount(), suite, Clock.systemUTC(), vault.blocks, vault.publicAddress, vault.keys);
    accepting.put(inv.idText(), invitee);
    vault.push(vault.eventSpaceAccount());
    CompletableFuture<AcceptanceEndpoints.Connected> done = new CompletableFuture<>();
    completions.put(inv.idText(), done);
    save();
    boolean delivered = deliver(inv, invitee.message());
    AcceptanceEndpoints.Connected connected = null;
    if (delivered && !inv.remote()) {
      try {
        connected = done.get(CONFIRMATION_WAIT.toSeconds(), TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        LOG.info("no confirmation within {} s; the connection completes when it comes", CONFIRMATION_WAIT.toSeconds());
      }
    }
    return new AcceptanceEndpoints.Started(HandshakeText.encode("accept", invitee.message()), inv.inviter().value(),
        inv.eventSpace(), es, inv.expiresAt().toString(), delivered, connected);
  }

  /**
   * Delivers an acceptance to the inviter's EventSpace server with the invitation's bootstrap user
   * (PROTOCOL.md section 8.5).
   *
   * @return whether the server took it; false when the invitation has no bootstrap user or the
   *     server cannot be reached (the acceptance is then passed on as text)
   */
  private boolean deliver(Invitation inv, byte[] accept) {
    if (inv.bootstrapGrant().isEmpty() || inv.serverAddress().isEmpty()) {
      return false;
    }
    ServerAddress server = inv.serverAddress().get();
    String subject = Subjects.handshake(inv.subscriberGuid(), inv.eventSpace(), inv.handshakeToken()).value();
    UserCredentials bootstrap = inv.bootstrapGrant().get().credentials(inv);
    try (Connection nc = Nats.connect(new Options.Builder().server(server.url()).sslContext(server.sslContext())
        .authHandler(bootstrap.authHandler()).inboxPrefix(subject + ".inbox").connectionTimeout(Duration.ofSeconds(10))
        .noReconnect().errorListener(new io.nats.client.ErrorListener() { }).build())) {
      PublishAck ack = nc.jetStream().publish(subject, new Headers().put("Nats-Msg-Id", "accept-" + inv.idText()),
          accept);
      return !ack.hasError();
    } catch (Exception e) {
      LOG.info("the acceptance was not delivered to {} ({}); it is printed to pass on", server.hostPort(),
          e.getMessage());
      return false;
    } finally {
      bootstrap.destroy();
    }
  }

  private AcceptanceEndpoints.Connected complete(byte[] confirmMessage) throws Exception {
    forgetAbandonedAcceptances(Instant.now());
    HandshakeException last = null;
    for (Iterator<Map.Entry<String, Invitee>> it = accepting.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Invitee> entry = it.next();
      Established e;
      try {
        e = entry.getValue().complete(confirmMessage);
      } catch (HandshakeException x) {
        last = x;
        continue;
      }
      String invitation = entry.getKey();
      it.remove();
      added(e);
      save();
      // accepted before an identity rotation here: the inviter holds the connection, tell it now
      vault.connections.tellIdentity(e.local());
      AcceptanceEndpoints.Connected c = new AcceptanceEndpoints.Connected(e.local().value(),
          e.peerProfile().owner().firstName(), e.safetyNumber());
      CompletableFuture<AcceptanceEndpoints.Connected> waiting = completions.remove(invitation);
      if (waiting != null) {
        waiting.complete(c);
      }
      return c;
    }
    if (accepting.isEmpty()) {
      throw new Refused("no acceptance waits for a confirmation here (the vault was restarted, or it was completed);"
          + " accept the invitation again: vettid accept <uri>");
    }
    throw last;
  }

  private void added(Established e) throws Exception {
    try {
      vault.connections.add(e, connector);
    } catch (io.vettid.nats.server.PinMismatchException refused) {
      // nothing is kept: no connection, and the user this side issued the peer is revoked
      if (e.peerUserPublicKey() != null) {
        vault.eventSpaceAccount().revoke(e.peerUserPublicKey());
        vault.push(vault.eventSpaceAccount());
      }
      throw new Refused(refused.getMessage() + "; the connection was not made, and the user issued for it is"
          + " revoked. Ask the peer for its server's address and pin again");
    }
    vault.peers.add(e);
    vault.audit("connected", "connection", e.local().value(), "identity", e.peerIdentity().value());
    vault.push(vault.eventSpaceAccount()); // keeps the users issued so far, and the revocation list, with the vault
  }

  /**
   * Gives up the acceptances that can no longer be completed and revokes the user each issued for
   * its inviter, so that no deposit right outlives the handshake that granted it.
   *
   * @param now the time, or {@link Instant#MAX} to give up every one
   * @return how many were given up
   */
  int forgetAbandonedAcceptances(Instant now) {
    List<String> users = new ArrayList<>();
    for (Iterator<Map.Entry<String, Invitee>> it = accepting.entrySet().iterator(); it.hasNext(); ) {
      Invitee i = it.next().getValue();
      if (!i.isCompleted() && !now.isBefore(i.abandonedAt())) {
        it.remove();
        completions.keySet().retainAll(accepting.keySet());
        users.add(i.issuedUser());
      }
    }
    if (!users.isEmpty()) {
      save();
      users.forEach(vault.eventSpaceAccount()::revoke);
      vault.push(vault.eventSpaceAccount());
      LOG.info("{} acceptance(s) never completed given up; the users they issued are revoked", users.size());
    }
    return users.size();
  }

  /** {@return the public NKeys of the users issued by acceptances still waiting for a confirmation} */
  List<String> acceptancesWaiting() {
    return accepting.values().stream().map(Invitee::issuedUser).toList();
  }
}
