package io.vettid.benchmarks;

import io.vettid.runtime.audit.AuditLog;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;

/**
 * {@code -Dbench.ownerSide=all}: the pipeline as the CLI daemon runs it, with the audit log (every
 * decision hash-chained, checkpoints signed with an Ed25519 identity key) and the owner's feed
 * (every handled event sealed and kept); {@code audit} or {@code feed} for one of them.
 */
final class OwnerSide {
  private OwnerSide() {}

  /** Turns on what {@code which} names: {@code none}, {@code audit}, {@code feed} or {@code all}. */
  static void configure(io.vettid.runtime.VettIdRuntimeBuilder builder, String which) {
    switch (which) {
      case "none" -> { }
      case "audit" -> builder.audit(signer());
      case "feed" -> builder.ownerFeed(secret());
      case "all" -> builder.audit(signer()).ownerFeed(secret());
      default -> throw new IllegalArgumentException("bench.ownerSide is none, audit, feed or all, not " + which);
    }
  }

  /** {@return a signer of checkpoints with a fresh Ed25519 key} */
  static AuditLog.Signer signer() {
    try {
      KeyPair k = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      return new AuditLog.Signer() {
        @Override
        public String keyId() {
          return "bench-identity";
        }

        @Override
        public byte[] sign(byte[] message) throws GeneralSecurityException {
          Signature s = Signature.getInstance("Ed25519");
          s.initSign(k.getPrivate());
          s.update(message);
          return s.sign();
        }
      };
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is missing from this Java runtime", e);
    }
  }

  /** {@return a random 32-byte vault secret for the feed's key} */
  static byte[] secret() {
    byte[] s = new byte[32];
    new SecureRandom().nextBytes(s);
    return s;
  }
}
