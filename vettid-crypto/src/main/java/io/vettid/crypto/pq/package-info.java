/** Post-quantum key algorithms: ML-KEM (FIPS 203) for key wrapping, ML-DSA (FIPS 204) for signatures. */
package io.vettid.crypto.pq;
