/**
 * Symmetric primitives shared by the algorithms and the envelope (AES-256-GCM, HKDF-SHA-256), and
 * the one Bouncy Castle provider instance. Internal: not exported.
 */
package io.vettid.crypto.internal;
