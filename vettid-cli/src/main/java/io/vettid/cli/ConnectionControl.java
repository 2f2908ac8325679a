package io.vettid.cli;

import io.vettid.api.ConnectionId;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
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
        .on(ConnectionEndpoints.REVOKE, r -> revoke(vault.connection(r.connection())))
        .on(ConnectionEndpoints.SEND, this::send)
        .on(KeyEndpoints.LIST, r -> keys())
        .on(KeyEndpoints.ROTATE, r -> rotate(vault.connection(r.connection())));
  }

  private String peer(ConnectionId c) {
    return vault.peers.of(c, "?");
  }

  private ConnectionEndpoints.Listed list() {
    List<ConnectionEndpoints.Peer> list = new ArrayList<>();
    for (ConnectionId c : vault.connections.list()) {
      list.add(new ConnectionEndpoints.Peer(c.value(), peer(c),
          vault.connections.link(c).peerIdentity().map(k -> k.value()).orElse(null), vault.connections.link(c).suite().name(),
          vault.connections.link(c).safetyNumber()));
    }
    return new ConnectionEndpoints.Listed(list);
  }

  private ConnectionEndpoints.Revoked revoke(ConnectionId c) throws Exception {
    Optional<String> user = vault.connections.link(c).peerUser();
    boolean told = vault.connections.revokeAndTell(c); // the user issued for the peer is revoked with it (onRevoked)
    vault.peers.remove(c);
    return new ConnectionEndpoints.Revoked(c.value(), told, user.isPresent());
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
