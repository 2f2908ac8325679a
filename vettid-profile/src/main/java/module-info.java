/**
 * VettID profile: what an EventSpace publishes about its owner. {@link io.vettid.profile.Profile}
 * (identity, shared data, event types, trusted resources and links), {@link
 * io.vettid.profile.SignedProfile} (signed with the owner's identity key over canonical JSON,
 * parsed strictly, verified with reasons), and {@link io.vettid.profile.TrustedResource}, a
 * package identified by name, version and SHA-256 that is verified before any use.
 */
module io.vettid.profile {
  requires transitive io.vettid.api;

  exports io.vettid.profile;
}
