package io.vettid.cli;

import io.nats.client.Connection;
import io.vettid.api.ConnectionId;
import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.api.spi.Providers;
import io.vettid.crypto.Suite;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.server.ServerAddress;
import io.vettid.profile.Profile;
import io.vettid.rules.PeerDirectory;
import io.vettid.runtime.VettIdRuntime;
import io.vettid.runtime.connection.BlockList;
import io.vettid.runtime.connection.Connections;
import java.io.IOException;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The parts of a running vault its control handlers share: its home and settings, its identity,
 * runtime, connections and accounts, and the peers' names. The settings change only by {@link
 * #addEventSpace}.
 */
final class RunningVault {
  final VaultHome home;
  final Suite suite;
  final KeyAlgorithm identityAlgorithm;
  /** The identity pair now (replaced when it rotates). */
  volatile KeyPair identityKeys;
  /** The identity key's rotations, oldest first. */
  volatile io.vettid.profile.IdentityChain identityChain = io.vettid.profile.IdentityChain.EMPTY;
  /** Replaced identity pairs still kept to confirm invitations that name them. */
  volatile java.util.List<KeyPair> earlierIdentities = java.util.List.of();
  final VettIdRuntime runtime;
  final Connections connections;
  final BlockList blocks;
  /** The vault's own server (its tools connect there). */
  final ServerAddress address;
  /** Where peers reach the vault: its EventSpace server, or its own server when it is its own. */
  final ServerAddress publicAddress;
  final Providers<KeyAlgorithm> algorithms;
  final PeerNames peers;
  final Instant started = Instant.now();
  /** Where new connection keys come from: the daemon's warm pools of the suite's algorithms. */
  volatile io.vettid.crypto.pool.KeySource keys = io.vettid.crypto.pool.KeySource.generating();
  /** The plugins it loaded, and the suites it knows (the built-in ones and its plugins'). */
  volatile VaultPlugins.Loaded plugins = VaultPlugins.Loaded.none();
  private final Supplier<NatsAccount> eventSpaceAccount;
  private final Consumer<NatsAccount> push;
  private volatile VaultHome.Config config;

  /** The vault's identity and suite, as its secrets hold them. */
  record Identity(Suite suite, KeyAlgorithm algorithm, KeyPair keys) {}

  RunningVault(VaultHome home, VaultHome.Config config, Identity identity, VettIdRuntime runtime,
      Connections connections, BlockList blocks, ServerAddress address, ServerAddress publicAddress,
      Providers<KeyAlgorithm> algorithms, Supplier<NatsAccount> eventSpaceAccount, Consumer<NatsAccount> push)
      throws IOException {
    this.home = home;
    this.config = config;
    this.suite = identity.suite();
    this.identityAlgorithm = identity.algorithm();
    this.identityKeys = identity.keys();
    this.runtime = runtime;
    this.connections = connections;
    this.blocks = blocks;
    this.address = address;
    this.publicAddress = publicAddress;
    this.algorithms = algorithms;
    this.eventSpaceAccount = eventSpaceAccount;
    this.push = push;
    this.peers = new PeerNames(runtime.connection());
    runtime.rules().ifPresent(r -> r.peers(this::peer));
  }

  /**
   * The rules' view of a connection's peer: its first name, and its identity keyID as the link
   * knows it now (after the peer's identity rotations).
   */
  private Optional<PeerDirectory.Peer> peer(ConnectionId c) {
    String name = peers.of(c, null);
    if (name == null) {
      return Optional.empty();
    }
    return Optional.of(new PeerDirectory.Peer(name,
        connections.link(c).peerIdentity().map(k -> k.value()).orElse("")));
  }

  VaultHome.Config config() {
    return config;
  }

  /** Adds an EventSpace to the settings and writes them. */
  synchronized void addEventSpace(String name) throws IOException {
    VaultHome.Config next = config.withEventSpace(name);
    home.writeConfig(next);
    config = next;
  }

  /** The account the connections' users are in, as it is now (on the EventSpace server, or the vault's own). */
  NatsAccount eventSpaceAccount() {
    return eventSpaceAccount.get();
  }

  /** Pushes a changed account to the server and saves every account's state with the vault. */
  void push(NatsAccount account) {
    push.accept(account);
  }

  Connection nats() {
    return runtime.connection();
  }

  /**
   * Records an action in the audit log (ids and reasons only, never a payload or a key).
   *
   * @param kind what was done, such as {@code revoked}
   * @param fields its ids and reasons, in order: name, value, name, value, ...
   */
  void audit(String kind, String... fields) {
    java.util.Map<String, String> f = new java.util.LinkedHashMap<>();
    for (int i = 0; i + 1 < fields.length; i += 2) {
      f.put(fields[i], fields[i + 1]);
    }
    runtime.audit().ifPresent(a -> a.record(kind, f));
  }

  /** Takes the identity as kept: the current pair, its chain, the earlier pairs still kept. */
  void identity(IdentityKeeper.State s) {
    identityChain = s.chain();
    earlierIdentities = s.earlier().stream().map(IdentityKeeper.Earlier::keys).toList();
    identityKeys = s.current();
  }

  String identityKeyId() {
    return identityAlgorithm.keyId(identityKeys.getPublic()).value();
  }

  /** The owner as the profiles present her. */
  Profile.Owner owner() {
    VaultHome.Config c = config;
    Profile.Owner o = Profile.Owner.of(c.name(), identityAlgorithm, identityKeys.getPublic());
    if (c.age().isPresent()) {
      o = o.age(c.age().getAsInt());
    }
    if (c.ageOver().isPresent()) {
      o = o.ageOver(c.ageOver().getAsInt());
    }
    if (c.location() != null) {
      o = o.location(c.location());
    }
    return o;
  }

  /**
   * The EventSpace a request names, or the first when it names none.
   *
   * @param requested the name, or null
   */
  String eventSpace(String requested) throws Refused {
    List<String> all = config.eventSpaces();
    if (requested == null || requested.isEmpty()) {
      if (all.isEmpty()) {
        throw new Refused("this vault has no EventSpace yet; create one: vettid eventspace create home");
      }
      return all.get(0);
    }
    if (!all.contains(requested)) {
      throw Refused.notFound("no EventSpace '" + requested + "' here (there are " + all + ")");
    }
    return requested;
  }

  /**
   * The connection a request names: its id, or its peer's first name when only one connection has it.
   *
   * @param nameOrId the id or name
   */
  ConnectionId connection(String nameOrId) throws Refused {
    List<ConnectionId> all = connections.list();
    Optional<ConnectionId> byId = all.stream().filter(c -> c.value().equals(nameOrId)).findFirst();
    if (byId.isPresent()) {
      return byId.get();
    }
    List<ConnectionId> named = peers.named(all, nameOrId);
    if (named.size() == 1) {
      return named.get(0);
    }
    if (named.size() > 1) {
      throw new Refused(named.size() + " connections are with someone named " + nameOrId
          + "; use the connection id (vettid connections list)");
    }
    throw Refused.notFound("no connection '" + nameOrId + "'; see: vettid connections list");
  }
}
