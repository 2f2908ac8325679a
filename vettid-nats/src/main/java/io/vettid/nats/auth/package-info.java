/**
 * NATS operator mode for VettID: an operator, its system account, one account per subscriber
 * (with JetStream limits) and NKey users with JWTs, made with jnats {@link io.nats.client.NKey}
 * and {@link io.nats.client.support.JwtUtils}.
 *
 * <p>The server runs the {@code full} account resolver, so accounts, users and revocations are
 * added on a running server by pushing signed account JWTs through the system account (see
 * {@link io.vettid.nats.auth.NatsOperator#push}); no restart, and nats-server 2.9 is enough (no auth
 * callout). Connection users may publish only to their own deposit subject (see {@link
 * io.vettid.nats.auth.UserPermissions#forConnection}).
 */
package io.vettid.nats.auth;
