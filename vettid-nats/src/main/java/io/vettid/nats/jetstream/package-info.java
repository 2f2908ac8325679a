/**
 * The JetStream layout of a Data Vault and of its EventSpaces (streams, key/value buckets, the
 * object store), created idempotently by {@link io.vettid.nats.jetstream.JetStreamLayout}.
 */
package io.vettid.nats.jetstream;
