/** RSA-4096, VettID's default key algorithm. */
package io.vettid.crypto.rsa;
