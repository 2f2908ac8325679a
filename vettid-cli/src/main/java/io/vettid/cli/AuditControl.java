package io.vettid.cli;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.profile.IdentityChain;
import io.vettid.runtime.audit.AuditChain;
import io.vettid.runtime.audit.AuditLog;
import io.vettid.runtime.client.AuditEndpoints;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The control service's {@code audit} group, and the vault's side of its audit log: checkpoints
 * are signed with the identity key in force, and verified with any identity key the vault has had
 * (the current one, those still kept, and every key of its identity chain).
 */
final class AuditControl {
  private final RunningVault vault;

  AuditControl(RunningVault vault) {
    this.vault = vault;
  }

  void serve(ControlService.Builder b) {
    b.on(AuditEndpoints.VERIFY, r -> verify());
  }

  private AuditEndpoints.Verified verify() throws Exception {
    AuditLog log = vault.runtime.audit().orElseThrow(() -> new Refused("this vault keeps no audit log"));
    AuditLog.Report r = log.verify(verifier(vault));
    return new AuditEndpoints.Verified(r.intact(), r.entries(), r.checkpoints(), r.lastSigned(), r.problem());
  }

  /**
   * The signer of a vault's checkpoints: its identity key in force when one is signed.
   *
   * @param algorithm the identity algorithm
   * @param keys the identity pair in force (it changes when the identity rotates)
   */
  static AuditLog.Signer signer(KeyAlgorithm algorithm, Supplier<KeyPair> keys) {
    SecureRandom random = new SecureRandom();
    return new AuditLog.Signer() {
      @Override
      public String keyId() {
        return algorithm.keyId(keys.get().getPublic()).value();
      }

      @Override
      public byte[] sign(byte[] message) throws GeneralSecurityException {
        return algorithm.sign(keys.get().getPrivate(), message, random);
      }
    };
  }

  /** Verifies checkpoints with any identity key the vault has had. */
  static AuditChain.Verifier verifier(RunningVault vault) {
    List<KeyPair> own = new ArrayList<>(vault.earlierIdentities);
    own.add(vault.identityKeys);
    IdentityChain chain = vault.identityChain;
    return (keyId, message, signature) -> {
      try {
        for (KeyPair k : own) {
          if (vault.identityAlgorithm.keyId(k.getPublic()).value().equals(keyId)) {
            return vault.identityAlgorithm.verify(k.getPublic(), message, signature);
          }
        }
        for (IdentityChain.Rotation rotation : chain.rotations()) {
          for (IdentityChain.Key key : List.of(rotation.previous(), rotation.next())) {
            if (key.keyId().value().equals(keyId)) {
              KeyAlgorithm a = vault.algorithms.get(key.keyAlgorithm());
              PublicKey pub = a.decodePublicKey(key.publicKey());
              return a.verify(pub, message, signature);
            }
          }
        }
        return false;
      } catch (GeneralSecurityException | RuntimeException e) {
        return false;
      }
    };
  }
}
