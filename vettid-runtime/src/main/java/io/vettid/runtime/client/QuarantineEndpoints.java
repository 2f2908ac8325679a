package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import java.util.List;
import org.apiguardian.api.API;

/** The control service's {@code quarantine} group: events that failed a check, kept with their reason. */
@API(status = EXPERIMENTAL, since = "0.1")
public final class QuarantineEndpoints {
  private QuarantineEndpoints() {}

  /** {@code quarantine.list}: the newest quarantined events. */
  public static final ControlEndpoint<ListSome, Listed> LIST = ControlEndpoint.of("quarantine", "list",
      ListSome.class, Listed.class);
  /** {@code quarantine.replay}: puts events back where they came from, through every check again. */
  public static final ControlEndpoint<Replay, Replayed> REPLAY = ControlEndpoint.of("quarantine", "replay",
      Replay.class, Replayed.class);

  /**
   * How many to list.
   *
   * @param limit 1..10,000; 0 for the default, 20
   */
  public record ListSome(int limit) {
    /**
     * Validates.
     *
     * @param limit the record component {@code limit}
     */
    public ListSome {
      if (limit < 0 || limit > 10_000) {
        throw new IllegalArgumentException("limit must be 1..10000");
      }
    }
  }

  /**
   * Quarantined events.
   *
   * @param quarantined each one, newest last
   */
  public record Listed(List<Entry> quarantined) {}

  /**
   * A quarantined event (never its bytes).
   *
   * @param sequence its sequence in the quarantine
   * @param reason its failure reason
   * @param source the subject it came from
   * @param detail what failed
   * @param time when it was quarantined (ISO-8601)
   * @param bytes its size, or the size withheld when it was kept without its bytes
   * @param kept false when only its metadata was kept (its source had sent more than its share)
   */
  public record Entry(long sequence, String reason, String source, String detail, String time, long bytes,
      boolean kept) {}

  /**
   * Which events to replay: one by its sequence, or every one of a reason.
   *
   * @param sequence its sequence, or null
   * @param reason a failure reason, such as {@code NO_MATCHING_RULE}, or null
   */
  public record Replay(Long sequence, String reason) {
    /**
     * Validates.
     *
     * @param sequence the record component {@code sequence}
     * @param reason the record component {@code reason}
     */
    public Replay {
      if ((sequence == null || sequence < 1) == (reason == null || reason.isEmpty())) {
        throw new IllegalArgumentException(
            "name a quarantined event by its sequence, or a reason (vettid quarantine list)");
      }
    }
  }

  /**
   * Events replayed.
   *
   * @param replayed each one
   */
  public record Replayed(List<Done> replayed) {}

  /**
   * An event replayed.
   *
   * @param sequence its former sequence in the quarantine
   * @param reason why it had been quarantined
   * @param to the subject it was published on again
   */
  public record Done(long sequence, String reason, String to) {}
}
