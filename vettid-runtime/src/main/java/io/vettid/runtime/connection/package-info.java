/**
 * A vault's connections: per-connection keys, sealing what the vault sends to the peer's
 * EventSpace, opening what peers deposit here, key rotation and revocation.
 */
package io.vettid.runtime.connection;
