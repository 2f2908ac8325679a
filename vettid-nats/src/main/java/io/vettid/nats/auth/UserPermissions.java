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
   * The permissions of one connection in an EventSpace: publish to its own deposit subject and
   * request the EventSpace profile; subscribe only to its own inbox (replies and JetStream
   * acknowledgements). Nothing else: no JetStream API, no other deposit subject, no internal
   * subject.
   *
   * @param subscriberGuid the owner's subscriber id
   * @param eventSpace the EventSpace name
   * @param connection the connection
   * @return the permissions
   */
  public static UserPermissions forConnection(String subscriberGuid, String eventSpace, ConnectionId connection) {
    return new UserPermissions(
        List.of(Subjects.deposit(subscriberGuid, eventSpace, connection).value(),
            Subjects.profile(subscriberGuid, eventSpace).value()),
        List.of(Subjects.inbox(subscriberGuid, eventSpace, connection).value() + ".>"));
  }

  private static List<String> checked(String what, List<String> subjects) {
    Objects.requireNonNull(subjects, what);
    for (String s : subjects) {
      Objects.requireNonNull(s, what + " subject");
      if (!SUBJECT_PATTERN.matcher(s).matches()) {
        throw new IllegalArgumentException(what + " permission '" + s.replaceAll("[^!-~]", "?")
            + "' is not a NATS subject: dot-separated tokens of printable ASCII, no whitespace, no empty token");
      }
    }
    return List.copyOf(subjects);
  }
}
