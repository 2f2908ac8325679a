package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.runtime.client.ControlEndpoint.ByConnection;
import io.vettid.runtime.client.ControlEndpoint.None;
import java.util.List;
import org.apiguardian.api.API;

/** The control service's {@code connections} group: the vault's connections, and sending on one. */
@API(status = EXPERIMENTAL, since = "0.1")
public final class ConnectionEndpoints {
  private ConnectionEndpoints() {}

  /** {@code connections.list}: the connections. */
  public static final ControlEndpoint<None, Listed> LIST = ControlEndpoint.of("connections", "list", None.class,
      Listed.class);
  /** {@code connections.show}: one connection, named by its id or its peer's name (any case). */
  public static final ControlEndpoint<ByConnection, Peer> SHOW = ControlEndpoint.of("connections", "show",
      ByConnection.class, Peer.class);
  /** {@code connections.revoke}: tells the peer, destroys the keys, revokes the peer's NATS user. */
  public static final ControlEndpoint<ByConnection, Revoked> REVOKE = ControlEndpoint.of("connections", "revoke",
      ByConnection.class, Revoked.class);
  /**
   * {@code connections.block}: blocks a peer identity (named by one of its connections or by its
   * keyID): its connections are revoked, its invitations and acceptances refused; kept across
   * restarts.
   */
  public static final ControlEndpoint<Block, Blocked> BLOCK = ControlEndpoint.of("connections", "block",
      Block.class, Blocked.class);
  /** {@code connections.unblock}: unblocks an identity keyID. */
  public static final ControlEndpoint<Unblock, Unblocked> UNBLOCK = ControlEndpoint.of("connections", "unblock",
      Unblock.class, Unblocked.class);
  /** {@code connections.send}: seals an event to a connection and deposits it on the peer's EventSpace. */
  public static final ControlEndpoint<Send, Sent> SEND = ControlEndpoint.of("connections", "send", Send.class,
      Sent.class);
  /**
   * {@code connections.migrate}: starts moving a connection to another suite (PROTOCOL.md section
   * 8.4); it moves once the peer answers with its keys of that suite, and stays if the peer refuses.
   */
  public static final ControlEndpoint<Migrate, Migrating> MIGRATE = ControlEndpoint.of("connections", "migrate",
      Migrate.class, Migrating.class);

  /**
   * A connection to move to another suite.
   *
   * @param connection the connection (id, or its peer's name in any case)
   * @param suite the suite's name (one the vault knows)
   */
  public record Migrate(String connection, String suite) {
    /**
     * Validates.
     *
     * @param connection the record component {@code connection}
     * @param suite the record component {@code suite}
     */
    public Migrate {
      ControlEndpoint.required(connection, "connection");
      ControlEndpoint.required(suite, "suite");
    }
  }

  /**
   * A migration announced.
   *
   * @param connection the connection's id
   * @param from the suite it uses until the peer answers
   * @param to the suite it moves to
   */
  public record Migrating(String connection, String from, String to) {}

  /**
   * The connections.
   *
   * @param connections each one
   */
  public record Listed(List<Peer> connections) {}

  /**
   * A connection, as the vault lists it.
   *
   * @param id the connection id (the peer deposits here under it)
   * @param peer the peer's first name, from its verified profile
   * @param identity the keyID of the peer's identity key
   * @param suite the connection's suite
   * @param safetyNumber the number to compare with the peer out of band
   * @param migratingTo the suite a migration under way moves it to, or null
   */
  public record Peer(String id, String peer, String identity, String suite, String safetyNumber, String migratingTo) {}

  /**
   * A connection revoked.
   *
   * @param revoked its id
   * @param peerTold whether the peer could be told
   * @param userRevoked whether the NATS user issued for the peer was revoked
   */
  public record Revoked(String revoked, boolean peerTold, boolean userRevoked) {}

  /**
   * Whom to block.
   *
   * @param who a connection id, a peer's first name (one connection only), or an identity keyID
   */
  public record Block(String who) {
    /**
     * Validates.
     *
     * @param who the record component {@code who}
     */
    public Block {
      ControlEndpoint.required(who, "who");
    }
  }

  /**
   * An identity blocked.
   *
   * @param identity its keyID
   * @param revoked the connections revoked with it
   */
  public record Blocked(String identity, List<String> revoked) {}

  /**
   * Whom to unblock.
   *
   * @param identity the identity keyID
   */
  public record Unblock(String identity) {
    /**
     * Validates.
     *
     * @param identity the record component {@code identity}
     */
    public Unblock {
      ControlEndpoint.required(identity, "identity");
    }
  }

  /**
   * An identity unblocked.
   *
   * @param identity its keyID
   * @param wasBlocked whether it was blocked
   */
  public record Unblocked(String identity, boolean wasBlocked) {}

  /**
   * An event to send.
   *
   * @param to the connection id, or the peer's first name when only one connection has it
   * @param type the event type
   * @param payload the payload
   */
  public record Send(String to, String type, ObjectNode payload) {
    /**
     * Validates.
     *
     * @param to the record component {@code to}
     * @param type the record component {@code type}
     * @param payload the record component {@code payload}
     */
    public Send {
      ControlEndpoint.required(to, "to");
      ControlEndpoint.required(type, "type");
      if (payload == null) {
        throw new IllegalArgumentException("the request needs 'payload', a JSON object");
      }
    }
  }

  /**
   * An event sent.
   *
   * @param eventId its eventId
   * @param connection the connection it went on
   * @param peer the peer's first name
   */
  public record Sent(String eventId, String connection, String peer) {}
}
