/** ElGamal key wrapping over the RFC 7919 ffdhe3072 group. */
package io.vettid.crypto.elgamal;
