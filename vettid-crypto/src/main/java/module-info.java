/**
 * VettID crypto: the key algorithm providers (RSA-4096, the default; ElGamal-3072; ML-KEM-768 and
 * ML-KEM-1024 key wrap; ML-DSA-65 signatures), the named {@link io.vettid.crypto.Suites suites},
 * the {@link io.vettid.crypto.keyring.KeyRing key ring} with rotation, the sealed envelope
 * ({@link io.vettid.crypto.envelope.Sealer}, {@link io.vettid.crypto.envelope.Opener}), the key
 * pool, and sealing at rest ({@link io.vettid.crypto.keyring.SealedKeyRing}, {@link
 * io.vettid.crypto.SealedBytes}).
 */
module io.vettid.crypto {
  requires transitive io.vettid.api;
  requires org.bouncycastle.provider;
  requires org.slf4j;

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
