package io.vettid.benchmarks;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.server.NatsServer;
import io.vettid.runtime.eventspace.ConciergeClient;
import io.vettid.runtime.eventspace.EventSpaceServer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;

/**
 * The split topology of the benchmark: an {@link EventSpaceServer} of its own (a second
 * nats-server process, with its own operator, TLS and encrypted store) where a vault registered
 * through the Concierge has its deposit streams (one node, or a cluster of three with deposit
 * streams of three replicas), and the vault's internal accounts on the
 * benchmark's server. The vault's Event Watcher reads the remote deposit stream and writes to
 * {@code DataVault.Queue} on its own server, as every vault registered with an EventSpace server
 * does. Raw JetStream's yardstick for it runs in an account of a second registered subscriber on
 * the EventSpace server and in the raw account of the benchmark's server.
 */
final class SplitTopology implements AutoCloseable {
  /** The EventSpace the split runs deposit to. */
  static final String ES = "bench";

  private final EventSpaceServer server;
  private final SubscriberAccounts external;
  private final VaultAccounts accounts;
  private final int replicas;
  private final UserCredentials raw;

  private SplitTopology(EventSpaceServer server, SubscriberAccounts external, VaultAccounts accounts, int replicas,
      UserCredentials raw) {
    this.server = server;
    this.external = external;
    this.accounts = accounts;
    this.replicas = replicas;
    this.raw = raw;
  }

  /**
   * Starts the EventSpace server and registers the vault with it.
   *
   * @param dir where the EventSpace server keeps its state
   * @param operator the benchmark server's operator, which the vault's internal accounts are pushed to
   * @param system a connection of the benchmark server's system account
   * @param nodes 1, or 3 for an EventSpace server run as a cluster (its deposit streams then have 3 replicas)
   */
  static SplitTopology start(Path dir, NatsOperator operator, Connection system, int nodes) throws Exception {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    EventSpaceServer es = EventSpaceServer.builder(dir, secret).nodes(nodes).start();
    try {
      ConciergeClient.Registration vault = register(es);
      VaultAccounts accounts = VaultAccounts.create(operator, vault.accounts().guid(),
          JetStreamLimits.subscriberDefault());
      for (NatsAccount a : accounts.internal()) {
        operator.push(system, a);
      }
      NatsAccount rawAccount = register(es).accounts().deposits();
      return new SplitTopology(es, vault.accounts(), accounts, vault.replicas(),
          rawAccount.issueUser("raw", UserPermissions.ACCOUNT_OWNER));
    } catch (Exception | Error e) {
      es.close();
      throw e;
    }
  }

  private static ConciergeClient.Registration register(EventSpaceServer es) throws Exception {
    return ConciergeClient.register(es.address(), es.concierge().issueToken(Duration.ofMinutes(5)),
        SubscriberAccounts.create(JetStreamLimits.subscriberDefault()));
  }

  /** {@return the subscriber guid of the vault} */
  String guid() {
    return external.guid();
  }

  /** {@return the vault's accounts (the internal ones are on the benchmark's server)} */
  VaultAccounts accounts() {
    return accounts;
  }

  /** {@return the vault's external accounts, on the EventSpace server} */
  SubscriberAccounts external() {
    return external;
  }

  /** {@return the replicas of the deposit streams, as the Concierge told the vault} */
  int replicas() {
    return replicas;
  }

  /** {@return the EventSpace server's processes: one, or the cluster's nodes} */
  List<NatsServer> nodes() {
    return server.nodes();
  }

  /** {@return the process ids of the EventSpace server's nodes} */
  long[] pids() {
    return server.nodes().stream().mapToLong(NatsServer::pid).toArray();
  }

  /** Options for the EventSpace server (its URL and pinned CA), without a user. */
  Options.Builder options() throws java.security.GeneralSecurityException {
    return server.clientOptions().connectionTimeout(Duration.ofSeconds(10));
  }

  /** {@return the EventSpace server's URLs} */
  List<String> urlsForPrinting() {
    return server.urls();
  }

  /** A connection of the peers' side: a user of the vault's EventSpace account that may deposit. */
  Connection senders() throws Exception {
    return Nats.connect(options().authHandler(external.eventSpace().issueUser("bench-senders",
        new UserPermissions(List.of(io.vettid.nats.subjects.Subjects.depositsOf(guid(), ES)), List.of("_INBOX.>")))
        .authHandler()).build());
  }

  /** A connection of the vault's deposit account, as its watcher has. */
  Connection deposits() throws Exception {
    return Nats.connect(options().authHandler(external.issueWatcher("bench-deposits").authHandler()).build());
  }

  /** A connection of raw JetStream's account on the EventSpace server. */
  Connection raw() throws Exception {
    return Nats.connect(options().authHandler(raw.authHandler()).build());
  }

  @Override
  public void close() {
    server.close();
  }
}
