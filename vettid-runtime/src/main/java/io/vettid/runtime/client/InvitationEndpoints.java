package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.runtime.client.ControlEndpoint.ById;
import io.vettid.runtime.client.ControlEndpoint.None;
import java.util.List;
import org.apiguardian.api.API;

/** The control service's {@code invitations} group: the inviting side of the handshake (PROTOCOL.md section 8). */
@API(status = EXPERIMENTAL, since = "0.1")
public final class InvitationEndpoints {
  private InvitationEndpoints() {}

  /** {@code invitations.create}: a single-use invitation. */
  public static final ControlEndpoint<Create, Created> CREATE = ControlEndpoint.of("invitations", "create",
      Create.class, Created.class);
  /** {@code invitations.confirm}: takes an invitee's acceptance; answers the confirmation, or a pending id. */
  public static final ControlEndpoint<Confirm, Confirmed> CONFIRM = ControlEndpoint.of("invitations", "confirm",
      Confirm.class, Confirmed.class);
  /** {@code invitations.pending}: remote acceptances waiting for the owner. */
  public static final ControlEndpoint<None, Pending> PENDING = ControlEndpoint.of("invitations", "pending",
      None.class, Pending.class);
  /** {@code invitations.approve}: approves a pending acceptance; answers as {@link #CONFIRM}. */
  public static final ControlEndpoint<ById, Confirmed> APPROVE = ControlEndpoint.of("invitations", "approve",
      ById.class, Confirmed.class);
  /** {@code invitations.decline}: declines a pending acceptance. */
  public static final ControlEndpoint<ById, Declined> DECLINE = ControlEndpoint.of("invitations", "decline",
      ById.class, Declined.class);

  /**
   * An invitation to make.
   *
   * @param eventSpace the EventSpace, or null for the first
   * @param remote whether it is sent remotely (valid up to 7 days; an acceptance waits for approval)
   * @param validSeconds how long it is valid, 0 for the default
   * @param suites the names of the suites the connection may use, in order of preference (at most
   *     8), or null for the vault's own suite
   */
  public record Create(String eventSpace, boolean remote, long validSeconds, java.util.List<String> suites) {
    /**
     * Validates.
     *
     * @param eventSpace the record component {@code eventSpace}
     * @param remote the record component {@code remote}
     * @param validSeconds the record component {@code validSeconds}
     * @param suites the record component {@code suites}
     */
    public Create {
      if (validSeconds < 0) {
        throw new IllegalArgumentException("validSeconds must not be negative");
      }
      if (suites != null) {
        if (suites.isEmpty() || suites.size() > 8 || suites.stream().anyMatch(x -> x == null || x.isBlank())) {
          throw new IllegalArgumentException("suites names 1 to 8 suites");
        }
        suites = java.util.List.copyOf(suites);
      }
    }

    /**
     * An invitation for the vault's own suite.
     *
     * @param eventSpace the EventSpace, or null for the first
     * @param remote whether it is sent remotely
     * @param validSeconds how long it is valid, 0 for the default
     */
    public Create(String eventSpace, boolean remote, long validSeconds) {
      this(eventSpace, remote, validSeconds, null);
    }
  }

  /**
   * The invitation made.
   *
   * @param uri the invitation (PROTOCOL.md section 8.1), to share as text or QR code
   * @param id its id
   * @param eventSpace the EventSpace it invites to
   * @param expiresAt when it expires (ISO-8601)
   * @param remote whether it was made for remote sending
   */
  public record Created(String uri, String id, String eventSpace, String expiresAt, boolean remote) {}

  /**
   * An invitee's acceptance.
   *
   * @param message {@code vettid-accept:<base64url of the accept message>}
   */
  public record Confirm(String message) {
    /**
     * Validates.
     *
     * @param message the record component {@code message}
     */
    public Confirm {
      ControlEndpoint.required(message, "message");
    }
  }

  /**
   * An acceptance taken: either waiting for the owner's approval ({@code pending} set, the rest
   * null), or connected.
   *
   * @param pending the id to approve, when it waits
   * @param message {@code vettid-confirm:<base64url>}, to send back to the invitee
   * @param connection the new connection's id
   * @param peer the peer's first name
   * @param safetyNumber the number to compare with the peer
   * @param delivered whether the confirmation reached the invitee's EventSpace server over NATS
   *     (then nothing needs to be sent back by hand)
   */
  public record Confirmed(String pending, String message, String connection, String peer, String safetyNumber,
      boolean delivered) {}

  /**
   * Remote acceptances waiting for the owner.
   *
   * @param pending each one
   */
  public record Pending(List<Waiting> pending) {}

  /**
   * A remote acceptance waiting for the owner.
   *
   * @param id its id
   * @param peer the invitee's first name
   * @param eventSpace the EventSpace it was invited to
   * @param safetyNumber the number to compare with the invitee
   * @param receivedAt when it arrived (ISO-8601)
   */
  public record Waiting(String id, String peer, String eventSpace, String safetyNumber, String receivedAt) {}

  /**
   * An acceptance declined.
   *
   * @param declined its id
   */
  public record Declined(String declined) {}
}
