package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.runtime.client.ControlEndpoint.None;
import org.apiguardian.api.API;

/** The control service's {@code audit} group: the vault's hash-chained audit log. */
@API(status = EXPERIMENTAL, since = "0.1")
public final class AuditEndpoints {
  private AuditEndpoints() {}

  /**
   * {@code audit.verify}: stores what is waiting, then reads the whole stored audit log and
   * recomputes its chain and checkpoint signatures.
   */
  public static final ControlEndpoint<None, Verified> VERIFY = ControlEndpoint.of("audit", "verify", None.class,
      Verified.class);

  /**
   * What a verification found.
   *
   * @param intact whether the chain is whole and every checkpoint verifies
   * @param entries the entries verified (up to the first broken one)
   * @param checkpoints the signed checkpoints among them
   * @param lastSigned the number of the last signed checkpoint (0 if none)
   * @param problem what broke the chain, naming the first broken entry, or null
   */
  public record Verified(boolean intact, long entries, long checkpoints, long lastSigned, String problem) {}
}
