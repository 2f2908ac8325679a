package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.api.KeyId;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apiguardian.api.API;

/**
 * Identity keys this owner blocked: no invitation acceptance, confirmation or new connection from
 * them is accepted. Thread-safe.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class BlockList {
  private final Set<KeyId> blocked = ConcurrentHashMap.newKeySet();

  /** Creates an empty block list. */
  public BlockList() {}

  /**
   * Blocks an identity.
   *
   * @param identity the identity keyID
   */
  public void block(KeyId identity) {
    blocked.add(Objects.requireNonNull(identity, "identity"));
  }

  /**
   * Unblocks an identity.
   *
   * @param identity the identity keyID
   * @return whether it was blocked
   */
  public boolean unblock(KeyId identity) {
    return blocked.remove(Objects.requireNonNull(identity, "identity"));
  }

  /**
   * Whether an identity is blocked.
   *
   * @param identity the identity keyID
   * @return whether it is
   */
  public boolean isBlocked(KeyId identity) {
    return blocked.contains(Objects.requireNonNull(identity, "identity"));
  }

  /** {@return the blocked identities} */
  public Set<KeyId> all() {
    return Set.copyOf(blocked);
  }
}
