/**
 * The sealed envelope v1 (the bytes of an External Event): {@link
 * io.vettid.crypto.envelope.Sealer} on the sending side, {@link io.vettid.crypto.envelope.Opener}
 * on the receiving side. The byte layout is in {@code docs/PROTOCOL.md}.
 */
package io.vettid.crypto.envelope;
