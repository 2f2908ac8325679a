package io.vettid.cli;

import io.vettid.api.spi.KeyAlgorithm;
import io.vettid.runtime.client.KeyEndpoints;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control service's {@code keys.rotate-identity}, and the yearly rotation of the identity key:
 * a new pair, its rotation signed by the old and the new key and kept ({@link IdentityKeeper})
 * before anyone hears of it, every EventSpace's profile re-signed, every peer told ({@code
 * identity.rotate}, PROTOCOL.md section 8.4). The replaced pair is kept 8 days for invitations that
 * name it, then forgotten.
 */
final class IdentityControl {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityControl.class);

  private final RunningVault vault;
  private final IdentityKeeper keeper;
  private final ProfileControl profiles;
  private IdentityKeeper.State state;

  IdentityControl(RunningVault vault, IdentityKeeper keeper, IdentityKeeper.State state, ProfileControl profiles) {
    this.vault = vault;
    this.keeper = keeper;
    this.state = state;
    this.profiles = profiles;
  }

  void serve(ControlService.Builder b) {
    b.on(KeyEndpoints.ROTATE_IDENTITY, r -> rotate());
  }

  /** Rotates the identity key now. */
  synchronized KeyEndpoints.IdentityRotated rotate() throws Exception {
    KeyAlgorithm algorithm = vault.identityAlgorithm;
    KeyPair before = state.current();
    IdentityKeeper.State next = state.rotated(algorithm, algorithm.generateKeyPair(new SecureRandom()), Instant.now());
    keeper.save(vault.nats(), next); // kept before any peer or profile shows it
    state = next;
    vault.identity(next);
    List<String> spaces = vault.config().eventSpaces();
    for (String es : spaces) {
      profiles.republish(es); // the invitations of each EventSpace take the new key for new invitations
    }
    int told;
    if (spaces.isEmpty()) {
      vault.connections.identityChain(next.chain()); // no EventSpace, so no profile and no connection yet
      told = 0;
    } else {
      told = vault.connections.identityRotated(profiles.identity(spaces.get(0)));
    }
    String previous = algorithm.keyId(before.getPublic()).value();
    String now = vault.identityKeyId();
    LOG.info("identity key rotated from {} to {}; {} peer(s) told", previous, now, told);
    vault.audit("identity.rotated", "previous", previous, "identity", now);
    return new KeyEndpoints.IdentityRotated(previous, now, next.chain().rotations().size(), told);
  }

  /** Rotates a key older than {@link IdentityKeeper#MAX_AGE}; forgets earlier pairs whose time ended. */
  synchronized void maintain(Instant now) {
    try {
      if (!now.isBefore(state.since().plus(IdentityKeeper.MAX_AGE))) {
        rotate();
        return;
      }
      IdentityKeeper.State kept = state.forgetting(now);
      if (kept.earlier().size() != state.earlier().size()) {
        int destroyed = state.earlier().size() - kept.earlier().size();
        keeper.save(vault.nats(), kept);
        state = kept;
        vault.identity(kept);
        LOG.info("{} earlier identity key(s) destroyed after their grace", destroyed);
      }
    } catch (Exception e) {
      LOG.warn("the identity key's maintenance failed ({}); tried again tomorrow", e.getClass().getSimpleName());
    }
  }
}
