/**
 * VettID testkit: JUnit 5 extensions that start real {@code nats-server} processes for tests
 * (see {@link io.vettid.testkit.NatsServerExtension} and {@link io.vettid.testkit.NatsTest}), and
 * the contracts plug-ins are held to ({@link io.vettid.testkit.RuleEngineContract}, {@link
 * io.vettid.testkit.KeyAlgorithmContract}).
 */
module io.vettid.testkit {
  requires transitive io.vettid.nats;
  requires transitive org.junit.jupiter.api;

  exports io.vettid.testkit;
}
