/**
 * Talking to a running vault from another program: {@link io.vettid.runtime.client.VaultClient}
 * asks the vault that {@code vettid server start} runs (send an event, list connections, follow
 * what it settles), with the control user the vault writes to its home while it runs.
 */
package io.vettid.runtime.client;
