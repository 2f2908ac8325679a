package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.apiguardian.api.API;

/** The control service's {@code events} group: the notices of what the vault settled (PROTOCOL.md section 9). */
@API(status = EXPERIMENTAL, since = "0.1")
public final class EventEndpoints {
  private EventEndpoints() {}

  /** {@code events.recent}: the last notices, from the {@code Events} stream. */
  public static final ControlEndpoint<Recent, Notices> RECENT = ControlEndpoint.of("events", "recent", Recent.class,
      Notices.class);

  /**
   * How many notices.
   *
   * @param last 0..10,000
   */
  public record Recent(int last) {
    /**
     * Validates.
     *
     * @param last the record component {@code last}
     */
    public Recent {
      if (last < 0 || last > 10_000) {
        throw new IllegalArgumentException("last must be 0..10000");
      }
    }
  }

  /**
   * Notices: ids, types and outcomes, never a payload.
   *
   * @param lastSequence the stream's last sequence
   * @param events the notices, oldest first
   */
  public record Notices(long lastSequence, List<ObjectNode> events) {}
}
