/**
 * VettID testkit: JUnit 5 extensions that start real {@code nats-server} processes for tests.
 * See {@link io.vettid.testkit.NatsServerExtension} and {@link io.vettid.testkit.NatsTest}.
 */
module io.vettid.testkit {
  requires transitive io.vettid.nats;
  requires transitive org.junit.jupiter.api;

  exports io.vettid.testkit;
}
