package io.vettid.nats.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * A Data Vault's two <b>external</b> accounts on an EventSpace server, as the vault holds them:
 * their keys, with which it issues its connections' users, its watcher and its responder, and
 * signs its requests to the server's Concierge. The server's operator signs their JWTs and knows
 * them by their public keys only ({@link #adopt}), so it cannot issue a user in them.
 *
 * <ul>
 *   <li>{@link #eventSpace()}: what peers touch. Connection users (their deposit and profile
 *       subjects, their own inbox) and the vault's profile responder. No JetStream; its deposit
 *       subjects are a service imported from {@link #deposits()}.</li>
 *   <li>{@link #deposits()}: the EventSpaces' deposit streams, read by the vault's Event Watcher.
 *       It also imports the Concierge's {@link Subjects#CONCIERGE_ACCOUNT_UPDATE}.</li>
 * </ul>
 *
 * <p>The vault makes the keys before it registers ({@link #create}); the Concierge names the
 * subscriber's guid, which {@link #registered} records. Thread-safe (each account is). Keep
 * {@link #export()} sealed: it holds the accounts' seeds.
 */
public final class SubscriberAccounts {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String guid;
  private final NatsAccount eventSpace;
  private final NatsAccount deposits;

  private SubscriberAccounts(String guid, NatsAccount eventSpace, NatsAccount deposits) {
    this.guid = guid;
    this.eventSpace = eventSpace;
    this.deposits = deposits;
  }

  /**
   * Makes the keys of a vault's two external accounts, before it registers.
   *
   * @param limits the JetStream limits the vault asks for its deposit account (the Concierge
   *     grants its own)
   * @return the accounts, without a guid yet
   */
  public static SubscriberAccounts create(JetStreamLimits limits) {
    Objects.requireNonNull(limits, "limits");
    return new SubscriberAccounts(null, NatsAccount.createHeld("subscriber", JetStreamLimits.DISABLED),
        NatsAccount.createHeld("deposits", limits));
  }

  /**
   * The same accounts, registered under a guid the Concierge named.
   *
   * @param subscriberGuid the guid (a lowercase token)
   * @return the registered accounts
   */
  public SubscriberAccounts registered(String subscriberGuid) {
    Subjects.depositsOfSubscriber(subscriberGuid); // checks it
    return new SubscriberAccounts(subscriberGuid, eventSpace, deposits);
  }

  /**
   * The EventSpace server's side of a subscriber: its two accounts known by their public keys,
   * signed by the server's operator, with the exports and imports between them and the
   * Concierge's update service.
   *
   * @param operator the EventSpace server's operator
   * @param subscriberGuid the subscriber's guid
   * @param eventSpacePublicKey the public key of its EventSpace account
   * @param depositsPublicKey the public key of its deposit account
   * @param limits the JetStream limits granted to the deposit account
   * @param concierge the Concierge's account, which exports {@link Subjects#CONCIERGE_ACCOUNT_UPDATE}
   * @return the EventSpace account and the deposit account, in that order
   */
  public static List<NatsAccount> adopt(NatsOperator operator, String subscriberGuid, String eventSpacePublicKey,
      String depositsPublicKey, JetStreamLimits limits, NatsAccount concierge) {
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(concierge, "concierge");
    String deposited = Subjects.depositsOfSubscriber(subscriberGuid); // checks the guid
    if (Objects.equals(eventSpacePublicKey, depositsPublicKey)) {
      throw new IllegalArgumentException("the EventSpace and deposit accounts must have two different keys");
    }
    NatsAccount eventSpace = operator.adoptAccount(name("subscriber-", subscriberGuid), eventSpacePublicKey,
        JetStreamLimits.DISABLED);
    NatsAccount deposits = operator.adoptAccount(name("deposits-", subscriberGuid), depositsPublicKey, limits);
    String handshakes = Subjects.handshakesOfSubscriber(subscriberGuid);
    deposits.exportService(deposited);
    eventSpace.importService(deposits, deposited);
    deposits.exportService(handshakes);
    eventSpace.importService(deposits, handshakes);
    deposits.importService(concierge, Subjects.CONCIERGE_ACCOUNT_UPDATE.value());
    return List.of(eventSpace, deposits);
  }

  /** An account name for logs: the role and as much of the guid as fits in 64 characters. */
  static String name(String role, String guid) {
    String n = role + guid;
    return n.length() <= 64 ? n : n.substring(0, 64);
  }

  /**
   * Restores what {@link #export()} wrote.
   *
   * @param exported the exported state
   * @return the accounts
   * @throws IllegalArgumentException if it is not an export of a vault's external accounts
   */
  public static SubscriberAccounts restore(byte[] exported) {
    Objects.requireNonNull(exported, "exported");
    JsonNode n;
    try {
      n = MAPPER.readTree(exported);
    } catch (IOException e) {
      throw new IllegalArgumentException("not an export of a vault's external accounts (not JSON)");
    }
    if (n == null || n.path("v").asInt() != 1 || !n.path("eventSpace").isObject() || !n.path("deposits").isObject()) {
      throw new IllegalArgumentException("not an export of a vault's external accounts (version 1, two accounts)");
    }
    String guid = n.path("guid").isTextual() ? n.path("guid").textValue() : null;
    if (guid != null) {
      Subjects.depositsOfSubscriber(guid);
    }
    return new SubscriberAccounts(guid, held(n.get("eventSpace")), held(n.get("deposits")));
  }

  private static NatsAccount held(JsonNode a) {
    return NatsAccount.restoreHeld(a.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The accounts' secret state (their seeds and revocations, the guid), as UTF-8 JSON. <b>It holds
   * seeds</b>: seal it and wipe the array.
   *
   * @return the export
   */
  public byte[] export() {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("v", 1);
    if (guid != null) {
      n.put("guid", guid);
    }
    try {
      n.set("eventSpace", MAPPER.readTree(eventSpace.export()));
      n.set("deposits", MAPPER.readTree(deposits.export()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The subscriber's guid.
   *
   * @return the guid the Concierge named
   * @throws IllegalStateException before registration
   */
  public String guid() {
    if (guid == null) {
      throw new IllegalStateException("the vault is not registered with an EventSpace server yet");
    }
    return guid;
  }

  /** {@return whether a Concierge named the guid} */
  public boolean isRegistered() {
    return guid != null;
  }

  /** {@return the EventSpace account: connection users and the profile responder} */
  public NatsAccount eventSpace() {
    return eventSpace;
  }

  /** {@return the deposit account: the deposit streams and the watcher} */
  public NatsAccount deposits() {
    return deposits;
  }

  /**
   * Issues the Event Watcher's user in the deposit account (all of it: nothing less trusted is in
   * that account).
   *
   * @param userName a name for logs
   * @return the credentials
   */
  public UserCredentials issueWatcher(String userName) {
    return deposits.issueUser(userName, UserPermissions.ACCOUNT_OWNER);
  }

  /**
   * Issues the profile responder's user in the EventSpace account ({@link
   * UserPermissions#forResponder}).
   *
   * @param userName a name for logs
   * @return the credentials
   * @throws IllegalStateException before registration
   */
  public UserCredentials issueResponder(String userName) {
    return eventSpace.issueUser(userName, UserPermissions.forResponder(guid()));
  }

  /**
   * The Event Watcher's user on the EventSpace server, as {@link #issueWatcher}, with JWTs that
   * expire after {@code validity} and are renewed as they are presented ({@link RenewingUser}).
   *
   * @param userName a name for logs
   * @param validity how long each JWT is valid
   * @return the user
   */
  public RenewingUser renewingWatcher(String userName, java.time.Duration validity) {
    return RenewingUser.of(deposits, userName, UserPermissions.ACCOUNT_OWNER, validity);
  }

  /**
   * The profile responder's user on the EventSpace server, as {@link #issueResponder}, renewing.
   *
   * @param userName a name for logs
   * @param validity how long each JWT is valid
   * @return the user
   * @throws IllegalStateException before registration
   */
  public RenewingUser renewingResponder(String userName, java.time.Duration validity) {
    return RenewingUser.of(eventSpace, userName, UserPermissions.forResponder(guid()), validity);
  }

  @Override
  public String toString() {
    return "SubscriberAccounts[" + (guid == null ? "unregistered" : guid) + "]";
  }
}
