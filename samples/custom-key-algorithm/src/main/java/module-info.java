/** Sample: a third-party KeyAlgorithm plugin. */
module com.example.vettid.eddsa {
  requires transitive io.vettid.api;

  exports com.example.vettid.ed25519;

  provides io.vettid.api.spi.KeyAlgorithm with com.example.vettid.ed25519.Ed25519Signatures;
}
