/**
 * VettID crypto: key algorithm providers, keyIDs, key rings and the sealed envelope. For now it
 * holds the default algorithm, {@link io.vettid.crypto.rsa.Rsa4096} (RSA-OAEP-SHA-256 key wrap
 * and RSA-PSS-SHA-256 signatures on 4096-bit keys); ElGamal, ML-KEM / ML-DSA, the key ring and
 * the envelope come with the vettid-crypto issue.
 */
module io.vettid.crypto {
  requires transitive io.vettid.api;
  requires org.bouncycastle.provider;

  exports io.vettid.crypto.rsa;

  provides io.vettid.api.spi.KeyAlgorithm with io.vettid.crypto.rsa.Rsa4096;
}
