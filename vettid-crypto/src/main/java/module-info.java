/**
 * VettID crypto: key algorithm providers, keyIDs, key rings and the sealed envelope. For now it
 * holds the default algorithm, {@link io.vettid.crypto.rsa.Rsa4096} (RSA-OAEP-SHA-256 key wrap
 * and RSA-PSS-SHA-256 signatures on 4096-bit keys), and the post-quantum {@link
 * io.vettid.crypto.pq.MlKem768}, {@link io.vettid.crypto.pq.MlKem1024} (key wrap) and {@link
 * io.vettid.crypto.pq.MlDsa65} (signatures). ElGamal, suites, the key ring and the envelope come
 * with the rest of the vettid-crypto issue.
 */
module io.vettid.crypto {
  requires transitive io.vettid.api;
  requires org.bouncycastle.provider;
  requires java.logging;

  exports io.vettid.crypto.rsa;
  exports io.vettid.crypto.pq;
  exports io.vettid.crypto.elgamal;
  exports io.vettid.crypto;
  exports io.vettid.crypto.envelope;
  exports io.vettid.crypto.keyring;
  exports io.vettid.crypto.pool;

  provides io.vettid.api.spi.KeyAlgorithm with
      io.vettid.crypto.rsa.Rsa4096,
      io.vettid.crypto.pq.MlKem768,
      io.vettid.crypto.pq.MlKem1024,
      io.vettid.crypto.pq.MlDsa65,
      io.vettid.crypto.elgamal.ElGamal3072;
}
