package io.vettid.cli;

import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.api.KeyId;
import io.vettid.runtime.client.ConnectionEndpoints;
import io.vettid.runtime.client.KeyEndpoints;
import io.vettid.runtime.connection.ConnectionRotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The control service's {@code connections} and {@code keys} groups: the connections, sending, and their keys. */
final class ConnectionControl {
  private final RunningVault vault;
  private final ConnectionRotation rotation;

  ConnectionControl(RunningVault vault, ConnectionRotation rotation) {
    this.vault = vault;
    this.rotation = rotation;
  }

  void serve(ControlService.Builder b) {
    b.on(ConnectionEndpoints.LIST, r -> list())
        .on(ConnectionEndpoints.SHOW, r -> show(vault.connection(r.connection())))
        .on(ConnectionEndpoints.REVOKE, r -> revoke(vault.connection(r.connection())))
        .on(ConnectionEndpoints.BLOCK, r -> block(r.who()))
        .on(ConnectionEndpoints.UNBLOCK, r -> unblock(r.identity()))
        .on(ConnectionEndpoints.SEND, this::send)
        .on(ConnectionEndpoints.MIGRATE, r -> migrate(vault.connection(r.connection()), r.suite()))
        .on(KeyEndpoints.LIST, r -> keys())
        .on(KeyEndpoints.ROTATE, r -> rotate(vault.connection(r.connection())));
  }

  private String peer(ConnectionId c) {
    return vault.peers.of(c, "?");
  }

  private ConnectionEndpoints.Listed list() {
    List<ConnectionEndpoints.Peer> list = new ArrayList<>();
    for (ConnectionId c : vault.connections.list()) {
      list.add(show(c));
    }
    return new ConnectionEndpoints.Listed(list);
  }

  private ConnectionEndpoints.Peer show(ConnectionId c) {
    io.vettid.runtime.connection.Link link = vault.connections.link(c);
    return new ConnectionEndpoints.Peer(c.value(), peer(c), link.peerIdentity().map(k -> k.value()).orElse(null),
        link.suite().name(), link.safetyNumber(), link.migratingTo().map(io.vettid.crypto.Suite::name).orElse(null));
  }

  private ConnectionEndpoints.Migrating migrate(ConnectionId c, String suiteName) throws Exception {
    io.vettid.crypto.Suite to = vault.plugins.suite(suiteName).orElseThrow(() -> new Refused("unknown suite "
        + suiteName + "; this vault knows " + vault.plugins.suites().stream().map(io.vettid.crypto.Suite::name)
        .toList()));
    io.vettid.runtime.connection.Link link = vault.connections.link(c);
    String from = link.suite().name();
    try {
      vault.connections.migrate(c, to);
    } catch (IllegalArgumentException e) {
      throw new Refused(e.getMessage());
    }
    vault.audit("migrating", "connection", c.value(), "from", from, "to", to.name());
    return new ConnectionEndpoints.Migrating(c.value(), from, to.name());
  }

  private ConnectionEndpoints.Revoked revoke(ConnectionId c) throws Exception {
    Optional<String> user = vault.connections.link(c).peerUser();
    boolean told = vault.connections.revokeAndTell(c); // the user issued for the peer is revoked with it (onRevoked)
    vault.peers.remove(c);
    return new ConnectionEndpoints.Revoked(c.value(), told, user.isPresent());
  }

  /** The Vault bucket key of the block list: {@code {"v":1,"blocked":["<keyID>", ...]}}. */
  static final String BLOCKS_KEY = "blocks";

  /**
   * Blocks an identity, named by one of its connections (id or peer name) or by its keyID: its
   * connections are revoked (the users issued for them with them) and the list is saved.
   */
  private ConnectionEndpoints.Blocked block(String who) throws Exception {
    KeyId identity = keyId(who);
    if (identity == null) {
      identity = vault.connections.link(vault.connection(who)).peerIdentity()
          .orElseThrow(() -> new Refused("the connection " + who + " has no known identity to block; block its keyID"));
    }
    List<ConnectionId> cut = vault.connections.block(identity);
    for (ConnectionId c : cut) {
      vault.peers.remove(c);
    }
    saveBlocks(vault.nats(), vault.blocks);
    vault.audit("blocked", "identity", identity.value(), "connections", Integer.toString(cut.size()));
    return new ConnectionEndpoints.Blocked(identity.value(), cut.stream().map(ConnectionId::value).toList());
  }

  private ConnectionEndpoints.Unblocked unblock(String identity) throws Exception {
    KeyId id = keyId(identity);
    if (id == null) {
      throw Refused.malformed("'" + identity.replaceAll("[^!-~]", "?") + "' is not an identity keyID");
    }
    boolean was = vault.blocks.unblock(id);
    saveBlocks(vault.nats(), vault.blocks);
    vault.audit("unblocked", "identity", id.value());
    return new ConnectionEndpoints.Unblocked(identity, was);
  }

  /** {@return the keyID the text is, or null} */
  private static KeyId keyId(String text) {
    try {
      return KeyId.of(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Saves the block list in the Vault bucket (the internal zone: only the vault and its owner reach it). */
  static void saveBlocks(io.nats.client.Connection nc, io.vettid.runtime.connection.BlockList blocks)
      throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode n = VaultHome.JSON.createObjectNode().put("v", 1);
    com.fasterxml.jackson.databind.node.ArrayNode a = n.putArray("blocked");
    blocks.all().stream().map(KeyId::value).sorted().forEach(a::add);
    nc.keyValue(io.vettid.nats.subjects.Subjects.name("Vault")).put(BLOCKS_KEY, VaultHome.JSON.writeValueAsBytes(n));
  }

  /**
   * Loads the saved block list into {@code blocks} (at start, before any handshake is taken).
   *
   * @return how many identities are blocked
   * @throws java.io.IOException if the record is not one this version wrote
   */
  static int loadBlocks(io.nats.client.Connection nc, io.vettid.runtime.connection.BlockList blocks) throws Exception {
    io.nats.client.api.KeyValueEntry e = nc.keyValue(io.vettid.nats.subjects.Subjects.name("Vault")).get(BLOCKS_KEY);
    if (e == null || e.getValue() == null) {
      return 0;
    }
    com.fasterxml.jackson.databind.JsonNode n = VaultHome.JSON.readTree(e.getValue());
    if (n.path("v").asInt() != 1 || !n.path("blocked").isArray()) {
      throw new java.io.IOException("the saved block list is not one this version reads");
    }
    for (com.fasterxml.jackson.databind.JsonNode k : n.path("blocked")) {
      blocks.block(KeyId.of(k.asText()));
    }
    return blocks.all().size();
  }

  private ConnectionEndpoints.Sent send(ConnectionEndpoints.Send r) throws Exception {
    ConnectionId c = vault.connection(r.to());
    EventId id = vault.connections.send(c, EventType.of(r.type()), r.payload());
    return new ConnectionEndpoints.Sent(id.value(), c.value(), peer(c));
  }

  private KeyEndpoints.Listed keys() {
    List<KeyEndpoints.ConnectionKey> list = new ArrayList<>();
    for (ConnectionId c : vault.connections.list()) {
      list.add(new KeyEndpoints.ConnectionKey(c.value(), peer(c), vault.connections.link(c).suite().name(),
          vault.connections.link(c).wrappingKey().keyId().value()));
    }
    return new KeyEndpoints.Listed(new KeyEndpoints.Identity(vault.identityKeyId(), vault.identityAlgorithm.name()),
        list);
  }

  private KeyEndpoints.Rotated rotate(ConnectionId c) throws Exception {
    rotation.rotate(c);
    vault.push(vault.eventSpaceAccount());
    return new KeyEndpoints.Rotated(c.value(), vault.connections.link(c).wrappingKey().keyId().value());
  }
}
