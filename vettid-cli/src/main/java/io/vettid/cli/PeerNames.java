package io.vettid.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.vettid.api.ConnectionId;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.connection.Established;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The peers' first names by connection, from their verified profiles: kept in the vault's {@code
 * Vault} bucket as {@code peer.<connectionId>} ({@code {"name", "identity", "since"}}) so the owner
 * can name a connection by its peer.
 */
final class PeerNames {
  private static final String PREFIX = "peer.";

  private final KeyValue vault;
  private final Map<String, String> names = new ConcurrentHashMap<>();

  PeerNames(io.nats.client.Connection nc) throws IOException {
    this.vault = nc.keyValue(Subjects.name("Vault"));
  }

  /** Loads the names of these connections. */
  void load(List<ConnectionId> connections) throws Exception {
    for (ConnectionId c : connections) {
      KeyValueEntry e = vault.get(PREFIX + c.value());
      if (e != null && e.getValue() != null) {
        names.put(c.value(), VaultHome.JSON.readTree(e.getValue()).path("name").asText("?"));
      }
    }
  }

  /** Records the peer of a new connection. */
  void add(Established e) throws Exception {
    String name = e.peerProfile().owner().firstName();
    names.put(e.local().value(), name);
    vault.put(PREFIX + e.local().value(), VaultHome.JSON.writeValueAsBytes(JsonNodeFactory.instance.objectNode()
        .put("name", name).put("identity", e.peerIdentity().value()).put("since", Instant.now().toString())));
  }

  /** Forgets a revoked connection's peer. */
  void remove(ConnectionId c) throws Exception {
    vault.delete(PREFIX + c.value());
    names.remove(c.value());
  }

  /** {@return the peer's first name, or {@code fallback}} */
  String of(ConnectionId c, String fallback) {
    return c == null ? fallback : names.getOrDefault(c.value(), fallback);
  }

  /** {@return the connections whose peer has this first name (any case)} */
  List<ConnectionId> named(List<ConnectionId> among, String name) {
    return among.stream().filter(c -> name.equalsIgnoreCase(names.get(c.value()))).toList();
  }
}
