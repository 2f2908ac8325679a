package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import org.apiguardian.api.API;

/** The control service's {@code acceptances} group: the invited side of the handshake (PROTOCOL.md section 8). */
@API(status = EXPERIMENTAL, since = "0.1")
public final class AcceptanceEndpoints {
  private AcceptanceEndpoints() {}

  /** {@code acceptances.start}: accepts an invitation; answers the acceptance to send to the inviter. */
  public static final ControlEndpoint<Start, Started> START = ControlEndpoint.of("acceptances", "start", Start.class,
      Started.class);
  /** {@code acceptances.complete}: finishes with the inviter's confirmation. */
  public static final ControlEndpoint<Complete, Connected> COMPLETE = ControlEndpoint.of("acceptances", "complete",
      Complete.class, Connected.class);

  /**
   * An invitation to accept.
   *
   * @param uri the invitation, {@code vettid:invite?...}
   * @param eventSpace this vault's EventSpace the inviter will deposit on, or null for the first
   * @param suite the suite to connect with (one the invitation lists), or null for the vault's own
   */
  public record Start(String uri, String eventSpace, String suite) {
    /**
     * Validates.
     *
     * @param uri the record component {@code uri}
     * @param eventSpace the record component {@code eventSpace}
     * @param suite the record component {@code suite}
     */
    public Start {
      ControlEndpoint.required(uri, "uri");
    }

    /**
     * An acceptance with the vault's own suite.
     *
     * @param uri the invitation, {@code vettid:invite?...}
     * @param eventSpace this vault's EventSpace the inviter will deposit on, or null for the first
     */
    public Start(String uri, String eventSpace) {
      this(uri, eventSpace, null);
    }
  }

  /**
   * The acceptance made.
   *
   * @param message {@code vettid-accept:<base64url>}, to send to the inviter when it was not
   *     delivered
   * @param inviter the inviter's identity keyID
   * @param theirEventSpace the inviter's EventSpace
   * @param eventSpace this vault's EventSpace
   * @param expiresAt when the invitation expires (ISO-8601)
   * @param delivered whether the acceptance reached the inviter's EventSpace server over NATS
   *     (with the invitation's bootstrap user); then nothing needs to be sent by hand
   * @param connected the connection, when the inviter's confirmation came back while this request
   *     waited (an invitation shown in person); null otherwise (a remote one waits for the
   *     inviter's approval and completes by itself)
   */
  public record Started(String message, String inviter, String theirEventSpace, String eventSpace, String expiresAt,
      boolean delivered, Connected connected) {}

  /**
   * The inviter's confirmation.
   *
   * @param message {@code vettid-confirm:<base64url>}
   */
  public record Complete(String message) {
    /**
     * Validates.
     *
     * @param message the record component {@code message}
     */
    public Complete {
      ControlEndpoint.required(message, "message");
    }
  }

  /**
   * The connection made.
   *
   * @param connection its id
   * @param peer the peer's first name
   * @param safetyNumber the number to compare with the peer
   */
  public record Connected(String connection, String peer, String safetyNumber) {}
}
