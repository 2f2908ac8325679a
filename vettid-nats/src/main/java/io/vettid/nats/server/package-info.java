/**
 * Starts and stops local {@code nats-server} processes: {@link io.vettid.nats.server.NatsServer}
 * with a {@link io.vettid.nats.server.NatsServerConfig}. The runtime's embedded server and the
 * testkit's JUnit extension both use this one launcher.
 */
package io.vettid.nats.server;
