/** Background key generation, so that callers rarely wait for slow keys such as RSA-4096. */
package io.vettid.crypto.pool;
