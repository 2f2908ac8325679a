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
 * The NATS accounts of one Data Vault, one per trust zone. Nothing a less trusted party can
 * reach shares an account with what the vault keeps:
 *
 * <ul>
 *   <li>{@link #vault()}, <b>internal</b>: {@code DataVault.Queue}, every key/value bucket, the
 *       object store, the quarantine, the event log and {@code Manager.Control}. Its users are the
 *       vault's own services and the owner's tools; no connection user and no reply a peer chose
 *       can reach it.</li>
 *   <li>{@link #apps()}: the users of apps registered to the vault; it reaches only the app
 *       queues ({@code AppManager.Queue.*}), which {@link #vault()} serves to it, so an app's
 *       JetStream acknowledgements come back to this account, never into the vault's.</li>
 *   <li>{@link #eventSpace()}, <b>external</b>: what peers touch. Connection users (publish their
 *       deposit subject and their profile request subject, read their own inbox) and the vault's
 *       profile responder. It has no JetStream of its own: its deposit subjects are a service
 *       {@linkplain NatsAccount#importService imported} from {@link #deposits()}, so the
 *       acknowledgement of a deposit comes back here, to whatever reply subject the depositor
 *       chose, where no JetStream API, bucket or stream listens.</li>
 *   <li>{@link #deposits()}, <b>external</b>: the EventSpaces' deposit streams. Its only user is
 *       the vault's Event Watcher; peers reach it only through the import, and only on deposit
 *       subjects.</li>
 * </ul>
 *
 * <pre>{@code
 * NatsOperator op = NatsOperator.create("vettid");
 * VaultAccounts alice = VaultAccounts.create(op, "3f7a9c", JetStreamLimits.subscriberDefault());
 * // server: op.serverConfig(role, jwtDir, alice.all())
 * UserCredentials owner = alice.vault().issueUser("owner", UserPermissions.ACCOUNT_OWNER);
 * UserCredentials bob = alice.eventSpace().issueUser("conn-bob",
 *     UserPermissions.forConnection("3f7a9c", "home", bobId), UserLimits.CONNECTION, null);
 * }</pre>
 *
 * <p>Thread-safe (each account is). Keep {@link #export()} sealed: it holds the accounts' seeds.
 */
public final class VaultAccounts {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String guid;
  private final NatsAccount vault;
  private final NatsAccount apps;
  private final NatsAccount eventSpace;
  private final NatsAccount deposits;

  private VaultAccounts(String guid, NatsAccount vault, NatsAccount apps, NatsAccount eventSpace,
      NatsAccount deposits) {
    this.guid = guid;
    this.vault = vault;
    this.apps = apps;
    this.eventSpace = eventSpace;
    this.deposits = deposits;
  }

  /**
   * Creates a vault's four accounts, with the service exports and imports between them.
   *
   * @param operator the operator that signs them
   * @param subscriberGuid the owner's subscriber id (a lowercase token)
   * @param limits the JetStream limits of the vault's account; the deposit account gets the same
   *     ({@link #create(NatsOperator, String, JetStreamLimits, JetStreamLimits)} gives it its own)
   * @return the accounts (push them all to the server, or preload them)
   */
  public static VaultAccounts create(NatsOperator operator, String subscriberGuid, JetStreamLimits limits) {
    return create(operator, subscriberGuid, limits, limits);
  }

  /**
   * Creates a vault's four accounts with the deposit account's limits of their own: a vault that
   * keeps much (many connections' sealed records: about 20 KB each with a post-quantum suite, in
   * its {@code Connections} bucket's share of the storage) need not reserve as much for deposits,
   * whose streams take an eighth of the vault's storage by default ({@code JetStreamLayout}).
   *
   * @param operator the operator that signs them
   * @param subscriberGuid the owner's subscriber id (a lowercase token)
   * @param limits the JetStream limits of the vault's account
   * @param depositLimits the JetStream limits of the deposit account (JetStream enabled)
   * @return the accounts (push them all to the server, or preload them)
   * @throws IllegalArgumentException if the deposit account's limits disable JetStream
   */
  public static VaultAccounts create(NatsOperator operator, String subscriberGuid, JetStreamLimits limits,
      JetStreamLimits depositLimits) {
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(depositLimits, "depositLimits");
    if (!depositLimits.enabled()) {
      throw new IllegalArgumentException("the deposit account keeps the deposit streams: JetStream must be enabled");
    }
    String deposited = Subjects.depositsOfSubscriber(subscriberGuid); // checks the guid
    NatsAccount vault = operator.createAccount(name("vault-", subscriberGuid), limits);
    NatsAccount apps = operator.createAccount(name("apps-", subscriberGuid), JetStreamLimits.DISABLED);
    NatsAccount eventSpace = operator.createAccount(name("subscriber-", subscriberGuid), JetStreamLimits.DISABLED);
    NatsAccount deposits = operator.createAccount(name("deposits-", subscriberGuid), depositLimits);
    vault.exportService(Subjects.appQueues());
    apps.importService(vault, Subjects.appQueues());
    String handshakes = Subjects.handshakesOfSubscriber(subscriberGuid);
    deposits.exportService(deposited);
    eventSpace.importService(deposits, deposited);
    deposits.exportService(handshakes);
    eventSpace.importService(deposits, handshakes);
    return new VaultAccounts(subscriberGuid, vault, apps, eventSpace, deposits);
  }

  /** An account name for logs: the role and as much of the guid as fits in 64 characters. */
  private static String name(String role, String guid) {
    String n = role + guid;
    return n.length() <= 64 ? n : n.substring(0, 64);
  }

  /**
   * Restores what {@link #export()} wrote.
   *
   * @param operator the operator that signs the accounts
   * @param exported the exported state
   * @return the accounts
   * @throws IllegalArgumentException if it is not an export of a vault's accounts
   */
  public static VaultAccounts restore(NatsOperator operator, byte[] exported) {
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(exported, "exported");
    JsonNode n;
    try {
      n = MAPPER.readTree(exported);
    } catch (IOException e) {
      throw new IllegalArgumentException("not an export of a vault's NATS accounts (not JSON)");
    }
    if (n == null || n.path("v").asInt() != 1 || !n.path("guid").isTextual()) {
      throw new IllegalArgumentException("not an export of a vault's NATS accounts (version 1 with a guid)");
    }
    String guid = n.path("guid").textValue();
    Subjects.depositsOfSubscriber(guid); // checks it
    return new VaultAccounts(guid, account(operator, n, "vault"), account(operator, n, "apps"),
        account(operator, n, "eventSpace"), account(operator, n, "deposits"));
  }

  private static NatsAccount account(NatsOperator operator, JsonNode n, String role) {
    JsonNode a = n.get(role);
    if (a == null || !a.isObject()) {
      throw new IllegalArgumentException("the export of a vault's NATS accounts has no '" + role + "' account");
    }
    return operator.restoreAccount(a.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Everything needed to {@linkplain #restore restore} the accounts: their seeds, limits,
   * revocations, exports and imports, as UTF-8 JSON. <b>It holds seeds</b>: seal it and wipe the
   * array.
   *
   * @return the accounts' secret state
   */
  public byte[] export() {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("v", 1).put("guid", guid);
    try {
      n.set("vault", MAPPER.readTree(vault.export()));
      n.set("apps", MAPPER.readTree(apps.export()));
      n.set("eventSpace", MAPPER.readTree(eventSpace.export()));
      n.set("deposits", MAPPER.readTree(deposits.export()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** {@return the owner's subscriber id} */
  public String guid() {
    return guid;
  }

  /** {@return the internal account: queues, buckets, object store, quarantine, event log, control} */
  public NatsAccount vault() {
    return vault;
  }

  /** {@return the account of the apps registered to the vault} */
  public NatsAccount apps() {
    return apps;
  }

  /** {@return the external account peers connect to: connection users and the profile responder} */
  public NatsAccount eventSpace() {
    return eventSpace;
  }

  /** {@return the external account holding the deposit streams, read by the vault's watcher} */
  public NatsAccount deposits() {
    return deposits;
  }

  /**
   * The internal accounts, all a vault's own server needs when its EventSpaces live on an
   * EventSpace server ({@link SubscriberAccounts}).
   *
   * @return vault, apps
   */
  public List<NatsAccount> internal() {
    return List.of(vault, apps);
  }

  /** {@return the four accounts: vault, apps, EventSpace, deposits} */
  public List<NatsAccount> all() {
    return List.of(vault, apps, eventSpace, deposits);
  }

  /**
   * Issues the user of the vault's services in its internal account (all of it).
   *
   * @param userName a name for logs
   * @return the credentials
   */
  public UserCredentials issueOwner(String userName) {
    return vault.issueUser(userName, UserPermissions.ACCOUNT_OWNER);
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
   */
  public UserCredentials issueResponder(String userName) {
    return eventSpace.issueUser(userName, UserPermissions.forResponder(guid));
  }

  /**
   * The vault's services' user in its internal account, as {@link #issueOwner}, with JWTs that
   * expire after {@code validity} and are renewed as they are presented ({@link RenewingUser}).
   *
   * @param userName a name for logs
   * @param validity how long each JWT is valid
   * @return the user
   */
  public RenewingUser renewingOwner(String userName, java.time.Duration validity) {
    return RenewingUser.of(vault, userName, UserPermissions.ACCOUNT_OWNER, validity);
  }

  /**
   * The Event Watcher's user, as {@link #issueWatcher}, renewing ({@link RenewingUser}).
   *
   * @param userName a name for logs
   * @param validity how long each JWT is valid
   * @return the user
   */
  public RenewingUser renewingWatcher(String userName, java.time.Duration validity) {
    return RenewingUser.of(deposits, userName, UserPermissions.ACCOUNT_OWNER, validity);
  }

  /**
   * The profile responder's user, as {@link #issueResponder}, renewing ({@link RenewingUser}).
   *
   * @param userName a name for logs
   * @param validity how long each JWT is valid
   * @return the user
   */
  public RenewingUser renewingResponder(String userName, java.time.Duration validity) {
    return RenewingUser.of(eventSpace, userName, UserPermissions.forResponder(guid), validity);
  }

  @Override
  public String toString() {
    return "VaultAccounts[" + guid + "]";
  }
}
