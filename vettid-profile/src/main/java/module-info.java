/**
 * VettID profile: what an EventSpace publishes about its owner. For now {@link
 * io.vettid.profile.TrustedResource}, a package identified by name, version and SHA-256 that is
 * verified before any use; the profile model, signing and publishing come with the connections
 * and profiles issue.
 */
module io.vettid.profile {
  requires transitive io.vettid.api;

  exports io.vettid.profile;
}
