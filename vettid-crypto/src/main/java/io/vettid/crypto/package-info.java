/**
 * Suites (named, versioned pairs of a key-wrap and a signature algorithm) and the key entries
 * that bind a key to its keyID. See {@link io.vettid.crypto.Suites}.
 */
package io.vettid.crypto;
