package io.vettid.nats.auth;

import io.vettid.api.ConnectionId;
import io.vettid.nats.subjects.Subjects;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a NATS user may publish and subscribe to. Anything not allowed is refused by the server:
 * an empty list allows nothing (NATS treats a permission block with an empty allow list as "no
 * restriction", so VettID writes an explicit deny-all for it; see {@link NatsAccount}).
 *
 * @param publish subjects (wildcards allowed) the user may publish to
 * @param subscribe subjects (wildcards allowed) the user may subscribe to
 */
public record UserPermissions(List<String> publish, List<String> subscribe) {

  private static final Pattern SUBJECT_PATTERN =
      Pattern.compile("[!-~&&[^.]]{1,128}(\\.[!-~&&[^.]]{1,128}){0,31}");

  /** Everything inside the user's own account: for the owner's own services. */
  public static final UserPermissions ACCOUNT_OWNER = new UserPermissions(List.of(">"), List.of(">"));

  /**
   * Checks the subject patterns: printable ASCII tokens without whitespace, joined by dots.
   *
   * @param publish subjects the user may publish to
   * @param subscribe subjects the user may subscribe to
   */
  public UserPermissions {
    publish = checked("publish", publish);
    subscribe = checked("subscribe", subscribe);
  }

  /**
   * The permissions of one connection in an EventSpace: publish to its own deposit subject, to
   * its own profile request subject and to its own handshake subject (where the inviter delivers
   * its confirmation, PROTOCOL.md section 8.5); subscribe only to its own inbox (replies and
   * JetStream acknowledgements). Nothing else: no JetStream API, no other deposit subject, no
   * internal subject. (It lives in the vault's EventSpace account, where no JetStream API answers
   * at all.)
   *
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace name
   * @param connection the connection
   * @return the permissions
   */
  public static UserPermissions forConnection(String subscriberGuid, String eventSpace, ConnectionId connection) {
    return new UserPermissions(
        List.of(Subjects.deposit(subscriberGuid, eventSpace, connection).value(),
            Subjects.profile(subscriberGuid, eventSpace, connection).value(),
            Subjects.handshake(subscriberGuid, eventSpace, connection.value()).value()),
        List.of(Subjects.inbox(subscriberGuid, eventSpace, connection).value() + ".>"));
  }

  /**
   * The permissions of an invitation's one-time bootstrap user (PROTOCOL.md section 8.5): publish
   * to the invitation's handshake subject and nothing else; subscribe only below it, to {@code
   * .inbox.>} (its JetStream acknowledgement).
   *
   * @param subscriberGuid the inviter's subscriber id
   * @param eventSpace the EventSpace
   * @param token the invitation's handshake token
   * @return the permissions
   */
  public static UserPermissions forHandshake(String subscriberGuid, String eventSpace, String token) {
    String subject = Subjects.handshake(subscriberGuid, eventSpace, token).value();
    return new UserPermissions(List.of(subject), List.of(subject + ".inbox.>"));
  }

  /**
   * The permissions of a vault's responder in its EventSpace account: it reads the profile
   * requests of every EventSpace of the subscriber and may publish nothing but answers into
   * connection inboxes ({@code subscriber.<guid>.*.inbox.*.>}), so a reply subject a requester
   * chose cannot make it write anywhere else.
   *
   * @param subscriberGuid the owner's subscriber id
   * @return the permissions
   */
  public static UserPermissions forResponder(String subscriberGuid) {
    return new UserPermissions(List.of(Subjects.inboxesOfSubscriber(subscriberGuid)),
        List.of(Subjects.profilesOfSubscriber(subscriberGuid)));
  }

  /**
   * The permissions of an owner's tool talking to the running vault: it may publish its requests
   * to the control service's endpoints ({@code Manager.Control.>}) and NATS service discovery
   * ({@code $SRV.>}), and read its own inbox and the vault's notices, nothing else.
   *
   * @param inboxPrefix its inbox prefix ({@code Subjects.controlInbox(token)})
   * @return the permissions
   */
  public static UserPermissions forControl(String inboxPrefix) {
    return new UserPermissions(List.of(Subjects.controlEndpoints(), Subjects.serviceDiscovery()),
        List.of(checkSubject("control inbox", inboxPrefix) + ".>", Subjects.MANAGER_EVENTS.value()));
  }

  /**
   * The permissions of the control service's connection: it reads the requests to its endpoints
   * and NATS service discovery, and may publish only into one tool's inbox, so a reply subject a
   * requester chose cannot make it write anywhere else.
   *
   * @param inboxPrefix the tool's inbox prefix
   * @return the permissions
   */
  public static UserPermissions forControlAnswers(String inboxPrefix) {
    return new UserPermissions(List.of(checkSubject("control inbox", inboxPrefix) + ".>"),
        List.of(Subjects.controlEndpoints(), Subjects.serviceDiscovery()));
  }

  private static List<String> checked(String what, List<String> subjects) {
    Objects.requireNonNull(subjects, what);
    for (String s : subjects) {
      checkSubject(what + " permission", s);
    }
    return List.copyOf(subjects);
  }

  /** Checks a subject pattern: printable ASCII tokens without whitespace, joined by dots. */
  static String checkSubject(String what, String subject) {
    Objects.requireNonNull(subject, what + " subject");
    if (!SUBJECT_PATTERN.matcher(subject).matches()) {
      throw new IllegalArgumentException(what + " '" + subject.replaceAll("[^!-~]", "?")
          + "' is not a NATS subject: dot-separated tokens of printable ASCII, no whitespace, no empty token");
    }
    return subject;
  }
}
