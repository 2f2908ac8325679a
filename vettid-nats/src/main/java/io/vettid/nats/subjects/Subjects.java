package io.vettid.nats.subjects;

import io.vettid.api.ConnectionId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Builds every NATS subject, stream, consumer, key/value bucket and object store name VettID uses,
 * and enforces the naming rule of the design notes: <b>internal</b> names (never exposed outside
 * the vault) start with a Capitalized token, such as {@code DataVault.Queue}; <b>external</b>
 * names (exposed to connections) are all lowercase, such as {@code
 * subscriber.<guid>.<eventspace>.queue.<connectionId>}. No other code concatenates subjects.
 *
 * <p>Tokens are 1-64 characters. Wildcards ({@code *}, {@code >}), whitespace, dots inside a token,
 * empty tokens and the wrong case are rejected with an {@link IllegalArgumentException} that names
 * the token. Stream, consumer and bucket names (which NATS forbids to hold dots) follow the same
 * case rule: internal ones are Capitalized.
 *
 * <pre>{@code
 * Subject deposit = Subjects.deposit("3f7a9c", "home", connectionId);  // subscriber.3f7a9c.home.queue.<id>
 * Subject queue = Subjects.DATA_VAULT_QUEUE;                           // DataVault.Queue
 * }</pre>
 */
public final class Subjects {
  private static final Pattern CAPITALIZED = Pattern.compile("[A-Z][A-Za-z0-9]{0,63}");
  private static final Pattern INTERNAL_TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  /** A key-value key, as nats-server 2.9 accepts it. */
  private static final Pattern KV_KEY = Pattern.compile("(?!\\.)[-/_=.A-Za-z0-9]{1,255}(?<!\\.)");
  private static final Pattern LOWER_TOKEN = Pattern.compile("[a-z0-9_-]{1,64}");
  private static final Pattern INTERNAL_NAME = Pattern.compile("[A-Z][A-Za-z0-9_-]{0,127}");
  private static final int MAX_SUBJECT = 255;

  /** The Data Vault's internal work queue. */
  public static final Subject DATA_VAULT_QUEUE = internal("DataVault", "Queue");

  /** Where events that failed a check are kept, as received, with their reason. */
  public static final Subject QUARANTINE = internal("DataVault", "Quarantine");

  /** Stream holding {@link #DATA_VAULT_QUEUE} (work-queue retention). */
  public static final String DATA_VAULT_STREAM = name("DataVault");

  /** Stream holding {@link #QUARANTINE}. */
  public static final String QUARANTINE_STREAM = name("Quarantine");

  /** Stream holding every app's queue, {@code AppManager.Queue.<appId>} (work-queue retention). */
  public static final String APP_MANAGER_STREAM = name("AppManager");

  /** Key/value buckets of the Data Vault's internal namespaces. */
  public static final List<String> VAULT_BUCKETS =
      List.of(name("Manager"), name("Vault"), name("Connections"), name("Profiles"), name("EventHandlers"));

  /** The Data Vault's object store. */
  public static final String FILES_OBJECT_STORE = name("Files");

  /**
   * Where the owner's tools ask the running vault to act (request/reply, JSON; only users of the
   * vault's own account with permission may publish here, never a connection).
   */
  public static final Subject MANAGER_CONTROL = internal("Manager", "Control");

  /** What the vault settled, one notice per event: ids, types, outcomes and reasons, never payloads. */
  public static final Subject MANAGER_EVENTS = internal("Manager", "Events");

  /** Stream holding {@link #MANAGER_EVENTS} (limits retention: the last 10,000, at most 30 days). */
  public static final String EVENTS_STREAM = name("Events");

  /**
   * The vault's audit log: a hash chain of every decision it takes, ids, types, outcomes and
   * reasons, never payloads (blocks of entries, one per message).
   */
  public static final Subject AUDIT = internal("Audit", "Log");

  /** Stream holding {@link #AUDIT} (limits retention, nothing discarded: full, it refuses). */
  public static final String AUDIT_STREAM = name("Audit");

  /**
   * The owner's feed: each handled event, sealed under a key of the vault secret, on {@code
   * Feed.<connectionId>.<event token>}; read only by the vault, for its owner's control channel.
   */
  public static final String FEED_STREAM = name("Feed");

  /**
   * Where a prospective subscriber redeems its one-time registration token with the EventSpace
   * server's Concierge (external: reached from the registration account through an import).
   */
  public static final Subject CONCIERGE_REGISTER = external("concierge", "register");

  /**
   * Where a registered vault asks the Concierge to change its accounts (revocations), in a
   * request signed with the account's key (external: imported by each vault's deposit account).
   */
  public static final Subject CONCIERGE_ACCOUNT_UPDATE = external("concierge", "account", "update");

  /** The Concierge's key/value bucket on the EventSpace server (hashed tokens, subscriber records). */
  public static final String CONCIERGE_BUCKET = name("Concierge");

  /**
   * An endpoint of the EventSpace server's admin service, asked by its operator's tools (internal:
   * only users of the Concierge's account reach it).
   *
   * @param verb the verb, such as {@code status}
   * @return {@code Concierge.Admin.<verb>}
   */
  public static Subject conciergeAdmin(String verb) {
    return internal("Concierge", "Admin", verb);
  }

  /** {@return every endpoint of the EventSpace server's admin service, {@code Concierge.Admin.>}} */
  public static String conciergeAdmins() {
    return internal("Concierge", "Admin").value() + ".>";
  }

  /**
   * The inbox prefix of one run's admin tool user: the admin service answers only below it.
   *
   * @param token the run's random token
   * @return {@code Concierge.AdminInbox.<token>}
   */
  public static Subject conciergeAdminInbox(String token) {
    return internal("Concierge", "AdminInbox", token);
  }

  private Subjects() {}

  /**
   * The queue an app registered to the vault publishes its events to.
   *
   * @param appId the app's id
   * @return {@code AppManager.Queue.<appId>}
   */
  public static Subject appQueue(String appId) {
    return internal("AppManager", "Queue", appId);
  }

  /**
   * The filter of every app's queue, the subjects of {@link #APP_MANAGER_STREAM}.
   *
   * @return {@code AppManager.Queue.*}
   */
  public static String appQueues() {
    return internal("AppManager", "Queue").value() + ".*";
  }

  /**
   * An app's inbox prefix (JetStream acknowledgements and replies), the only thing it may
   * subscribe to.
   *
   * @param appId the app's id
   * @return {@code AppManager.Inbox.<appId>}
   */
  public static Subject appInbox(String appId) {
    return internal("AppManager", "Inbox", appId);
  }

  /**
   * An internal subject: a Capitalized first token, then tokens of {@code [A-Za-z0-9_-]}.
   *
   * @param first the Capitalized first token, such as {@code Manager}
   * @param rest further tokens
   * @return the subject
   * @throws IllegalArgumentException if a token breaks the rule
   */
  public static Subject internal(String first, String... rest) {
    checkToken(first, CAPITALIZED, "first token of an internal subject (must be Capitalized)");
    List<String> tokens = new ArrayList<>();
    tokens.add(first);
    for (String token : rest) {
      checkToken(token, INTERNAL_TOKEN, "internal subject token");
      tokens.add(token);
    }
    return new Subject(String.join(".", tokens), Subject.Scope.INTERNAL);
  }

  /**
   * The deposit subject of one connection in an EventSpace: the only subject that connection may
   * publish to.
   *
   * @param subscriberGuid the owner's subscriber id (lowercase token)
   * @param eventSpace the EventSpace name (lowercase token)
   * @param connection the connection
   * @return {@code subscriber.<guid>.<eventspace>.queue.<connectionId>}
   */
  public static Subject deposit(String subscriberGuid, String eventSpace, ConnectionId connection) {
    Objects.requireNonNull(connection, "connection");
    return external("subscriber", subscriberGuid, eventSpace, "queue", connection.value());
  }

  /**
   * The subjects of every connection's deposits in an EventSpace (for the deposit stream).
   *
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace name
   * @return {@code subscriber.<guid>.<eventspace>.queue.*}
   */
  public static String depositsOf(String subscriberGuid, String eventSpace) {
    checkToken(subscriberGuid, LOWER_TOKEN, "subscriber guid");
    checkToken(eventSpace, LOWER_TOKEN, "EventSpace name");
    return String.join(".", "subscriber", subscriberGuid, eventSpace, "queue", "*");
  }

  /**
   * Where one connection of an EventSpace requests its profile: the connection may publish only
   * to its own, so the responder knows who asks and answers only inside that connection's inbox.
   *
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace name
   * @param connection the requesting connection
   * @return {@code subscriber.<guid>.<eventspace>.profile.<connectionId>}
   */
  public static Subject profile(String subscriberGuid, String eventSpace, ConnectionId connection) {
    Objects.requireNonNull(connection, "connection");
    return external("subscriber", subscriberGuid, eventSpace, "profile", connection.value());
  }

  /**
   * The profile requests of every connection of an EventSpace (the responder's subscription).
   *
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace name
   * @return {@code subscriber.<guid>.<eventspace>.profile.*}
   */
  public static String profilesOf(String subscriberGuid, String eventSpace) {
    return external("subscriber", subscriberGuid, eventSpace, "profile").value() + ".*";
  }

  /**
   * The deposit subjects of every EventSpace of a subscriber: what its EventSpace account
   * imports from its deposit account (the streams are there).
   *
   * @param subscriberGuid the owner's subscriber id
   * @return {@code subscriber.<guid>.*.queue.*}
   */
  public static String depositsOfSubscriber(String subscriberGuid) {
    checkToken(subscriberGuid, LOWER_TOKEN, "subscriber guid");
    return String.join(".", "subscriber", subscriberGuid, "*", "queue", "*");
  }

  /**
   * The profile requests of every EventSpace of a subscriber.
   *
   * @param subscriberGuid the owner's subscriber id
   * @return {@code subscriber.<guid>.*.profile.*}
   */
  public static String profilesOfSubscriber(String subscriberGuid) {
    checkToken(subscriberGuid, LOWER_TOKEN, "subscriber guid");
    return String.join(".", "subscriber", subscriberGuid, "*", "profile", "*");
  }

  /**
   * Every connection inbox of every EventSpace of a subscriber: all a responder may publish to.
   *
   * @param subscriberGuid the owner's subscriber id
   * @return {@code subscriber.<guid>.*.inbox.*.>}
   */
  public static String inboxesOfSubscriber(String subscriberGuid) {
    checkToken(subscriberGuid, LOWER_TOKEN, "subscriber guid");
    return String.join(".", "subscriber", subscriberGuid, "*", "inbox", "*", ">");
  }

  /**
   * One endpoint of the running vault's control service: {@code Manager.Control.<group>.<verb>},
   * such as {@code Manager.Control.rules.add}.
   *
   * @param group the verb group, a lowercase token
   * @param verb the verb, a lowercase token
   * @return the endpoint's subject
   */
  public static Subject controlEndpoint(String group, String verb) {
    checkToken(group, LOWER_TOKEN, "control group");
    checkToken(verb, LOWER_TOKEN, "control verb");
    return internal("Manager", "Control", group, verb);
  }

  /** {@return every endpoint of the control service, the pattern {@code Manager.Control.>}} */
  public static String controlEndpoints() {
    return MANAGER_CONTROL.value() + ".>";
  }

  /**
   * The NATS service discovery subjects ({@code $SRV.PING}, {@code $SRV.INFO}, {@code $SRV.STATS},
   * and those of one service): NATS's own namespace, not the vault's, so outside the naming rule.
   *
   * @return the pattern {@code $SRV.>}
   */
  public static String serviceDiscovery() {
    return "$SRV.>";
  }

  /**
   * The inbox prefix of one owner's tool talking to the running vault ({@link #MANAGER_CONTROL}):
   * the control service answers only below it, and only that tool may read it.
   *
   * @param token a random token, new for each control user
   * @return {@code Manager.ControlInbox.<token>}
   */
  public static Subject controlInbox(String token) {
    return internal("Manager", "ControlInbox", token);
  }

  /**
   * The inbox prefix of one connection in an EventSpace: replies to that connection (JetStream
   * publish acknowledgements, profile replies) arrive under it, and it is the only thing the
   * connection may subscribe to. Give it to jnats with {@code Options.Builder.inboxPrefix}.
   *
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace name
   * @param connection the connection
   * @return {@code subscriber.<guid>.<eventspace>.inbox.<connectionId>}
   */
  public static Subject inbox(String subscriberGuid, String eventSpace, ConnectionId connection) {
    Objects.requireNonNull(connection, "connection");
    return external("subscriber", subscriberGuid, eventSpace, "inbox", connection.value());
  }

  /**
   * Where a handshake message reaches a vault before a connection exists, or before the
   * connection's keys are settled (PROTOCOL.md section 8.5): an invitation's acceptance, on the
   * invitation's handshake token; a confirmation, on the connection id the invitee named.
   *
   * @param subscriberGuid the receiving vault's subscriber id
   * @param eventSpace the EventSpace
   * @param token the invitation's handshake token, or a connection id (a lowercase token)
   * @return {@code subscriber.<guid>.<eventspace>.handshake.<token>}
   */
  public static Subject handshake(String subscriberGuid, String eventSpace, String token) {
    return external("subscriber", subscriberGuid, eventSpace, "handshake", token);
  }

  /**
   * Every handshake subject of a subscriber: what its EventSpace account imports from its deposit
   * account, and what its handshake stream holds.
   *
   * @param subscriberGuid the owner's subscriber id
   * @return {@code subscriber.<guid>.*.handshake.*}
   */
  public static String handshakesOfSubscriber(String subscriberGuid) {
    checkToken(subscriberGuid, LOWER_TOKEN, "subscriber guid");
    return String.join(".", "subscriber", subscriberGuid, "*", "handshake", "*");
  }

  /**
   * The stream that holds a subscriber's handshake messages (internal: Capitalized, no dots).
   *
   * @param subscriberGuid the owner's subscriber id
   * @return {@code Handshakes_<guid>}
   */
  public static String handshakeStream(String subscriberGuid) {
    checkToken(subscriberGuid, LOWER_TOKEN, "subscriber guid");
    return name("Handshakes_" + subscriberGuid);
  }

  /**
   * The stream that holds an EventSpace's deposits (internal: Capitalized, no dots).
   *
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace name
   * @return {@code EventSpace_<guid>_<eventspace>}
   */
  public static String depositStream(String subscriberGuid, String eventSpace) {
    checkToken(subscriberGuid, LOWER_TOKEN, "subscriber guid");
    checkToken(eventSpace, LOWER_TOKEN, "EventSpace name");
    return name("EventSpace_" + subscriberGuid + "_" + eventSpace);
  }

  /**
   * The subject a key-value bucket keeps a key on, {@code $KV.<bucket>.<key>}: for writes the
   * runtime publishes asynchronously with an expected last subject sequence (a compare-and-set the
   * synchronous {@code KeyValue.update} would make one round trip each).
   *
   * @param bucket the bucket's name (internal)
   * @param key the key: {@code [-/_=.A-Za-z0-9]}, no leading or trailing dot
   * @return the subject
   * @throws IllegalArgumentException if the bucket or the key breaks its rule
   */
  public static String keyValue(String bucket, String key) {
    name(bucket);
    Objects.requireNonNull(key, "key");
    if (!KV_KEY.matcher(key).matches()) {
      throw new IllegalArgumentException("'" + printable(key) + "' is not a valid key: [-/_=.A-Za-z0-9],"
          + " 1.." + MAX_SUBJECT + " characters, no leading or trailing dot");
    }
    return "$KV." + bucket + "." + key;
  }

  /**
   * A durable consumer name for a service (internal: Capitalized, no dots).
   *
   * @param service the service, such as {@code Manager} or {@code Watcher}
   * @param purpose what it consumes, such as {@code home}
   * @return {@code <Service>_<purpose>}
   */
  public static String consumer(String service, String purpose) {
    checkToken(service, CAPITALIZED, "service");
    checkToken(purpose, INTERNAL_TOKEN, "consumer purpose");
    return name(service + "_" + purpose);
  }

  /**
   * Checks a stream, consumer, bucket or object store name: internal, so Capitalized, and free of
   * dots, wildcards and whitespace.
   *
   * @param name the name
   * @return the name
   * @throws IllegalArgumentException if it breaks the rule
   */
  public static String name(String name) {
    Objects.requireNonNull(name, "name");
    if (!INTERNAL_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + printable(name) + "' is not a valid internal NATS name:"
          + " a Capitalized letter, then up to 127 of [A-Za-z0-9_-] (no dots, wildcards or spaces)");
    }
    return name;
  }

  /** Each token is checked on its own first, so an id holding a dot cannot pass as two tokens. */
  private static Subject external(String... tokens) {
    for (String token : tokens) {
      checkToken(token, LOWER_TOKEN, "token of an external subject (must be all lowercase)");
    }
    return new Subject(String.join(".", tokens), Subject.Scope.EXTERNAL);
  }

  static void checkSubject(String subject, Subject.Scope scope) {
    if (subject.isEmpty() || subject.length() > MAX_SUBJECT) {
      throw new IllegalArgumentException("subject must be 1.." + MAX_SUBJECT + " characters");
    }
    String[] tokens = subject.split("\\.", -1);
    for (int i = 0; i < tokens.length; i++) {
      String token = tokens[i];
      if (scope == Subject.Scope.INTERNAL) {
        checkToken(token, i == 0 ? CAPITALIZED : INTERNAL_TOKEN,
            i == 0 ? "first token of an internal subject (must be Capitalized)" : "internal subject token");
      } else {
        checkToken(token, LOWER_TOKEN, "token of an external subject (must be all lowercase)");
      }
    }
  }

  private static void checkToken(String token, Pattern pattern, String what) {
    Objects.requireNonNull(token, () -> what + " must not be null");
    if (!pattern.matcher(token).matches()) {
      throw new IllegalArgumentException(
          "'" + printable(token) + "' is not a valid " + what + ": 1-64 of " + describe(pattern)
              + "; no wildcards, whitespace, dots or empty tokens");
    }
  }

  private static String describe(Pattern p) {
    if (p == CAPITALIZED) {
      return "[A-Z][A-Za-z0-9]";
    }
    return p == LOWER_TOKEN ? "[a-z0-9_-]" : "[A-Za-z0-9_-]";
  }

  private static String printable(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < Math.min(s.length(), 80); i++) {
      char c = s.charAt(i);
      out.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return out.toString();
  }
}
