/**
 * Talking to a running vault from another program: {@link io.vettid.runtime.client.VaultClient}
 * asks the vault that {@code vettid server start} runs, with the control user the vault writes to
 * its home while it runs. The vault's control service is a NATS service with one endpoint per verb;
 * {@link io.vettid.runtime.client.ControlEndpoint} names each with its request and answer records,
 * grouped as the service groups them ({@link io.vettid.runtime.client.RuleEndpoints}, {@link
 * io.vettid.runtime.client.ConnectionEndpoints}, ...).
 */
package io.vettid.runtime.client;
