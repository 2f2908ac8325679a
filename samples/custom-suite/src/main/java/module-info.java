/** Sample: a third-party connection suite (an X25519 key wrap paired with the Ed25519 sample). */
module com.example.vettid.x25519 {
  requires transitive io.vettid.api;

  exports com.example.vettid.x25519;

  provides io.vettid.api.spi.KeyAlgorithm with com.example.vettid.x25519.X25519Kem;
  provides io.vettid.api.spi.SuiteDefinition with com.example.vettid.x25519.X25519Ed25519Suite;
}
