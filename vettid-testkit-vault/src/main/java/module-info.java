/**
 * {@link io.vettid.testkit.vault.VaultTest}: a started vault per test (a real nats-server and a
 * VettID runtime), for the integration tests of handlers, rule engines and services.
 */
module io.vettid.testkit.vault {
  requires transitive io.vettid.runtime;
  requires transitive io.vettid.testkit;

  exports io.vettid.testkit.vault;
}
