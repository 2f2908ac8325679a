/**
 * VettID's NATS binding: everything that touches NATS lives here, starting with the launcher of
 * a local {@code nats-server} process ({@link io.vettid.nats.server.NatsServer}), used both by the
 * runtime's embedded default and by {@code vettid-testkit}.
 */
module io.vettid.nats {
  requires transitive io.vettid.api;
  requires transitive io.nats.jnats;
  requires io.vettid.crypto;
  requires java.net.http;
  requires org.slf4j;
  requires org.bouncycastle.pkix;
  requires org.bouncycastle.provider;

  exports io.vettid.nats.auth;
  exports io.vettid.nats.jetstream;
  exports io.vettid.nats.server;
  exports io.vettid.nats.subjects;
  exports io.vettid.nats.tls;
}
