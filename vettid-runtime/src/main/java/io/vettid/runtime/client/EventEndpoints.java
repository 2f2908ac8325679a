package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.apiguardian.api.API;

/**
 * The control service's {@code events} group: the notices of what the vault settled, and the
 * owner's feed of the events it handled, payloads included (PROTOCOL.md section 9). The feed's
 * content reaches no one but the owner's authenticated control channel.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class EventEndpoints {
  private EventEndpoints() {}

  /** {@code events.recent}: the last notices, from the {@code Events} stream. */
  public static final ControlEndpoint<Recent, Notices> RECENT = ControlEndpoint.of("events", "recent", Recent.class,
      Notices.class);

  /** {@code events.show}: the events of one eventId in the owner's feed, with their payloads. */
  public static final ControlEndpoint<Show, Feed> SHOW = ControlEndpoint.of("events", "show", Show.class, Feed.class);

  /** {@code events.feed}: the owner's feed, searched by type, connection and time. */
  public static final ControlEndpoint<Search, Feed> FEED = ControlEndpoint.of("events", "feed", Search.class,
      Feed.class);

  /** {@code events.delete}: erases the events of one eventId from the owner's feed. */
  public static final ControlEndpoint<Show, Deleted> DELETE = ControlEndpoint.of("events", "delete", Show.class,
      Deleted.class);

  /** {@code events.purge}: purges the owner's feed of one connection, or the whole feed. */
  public static final ControlEndpoint<Purge, Deleted> PURGE = ControlEndpoint.of("events", "purge", Purge.class,
      Deleted.class);

  /**
   * One eventId.
   *
   * @param eventId the eventId
   * @param connection the connection (id or peer name), or null for any
   */
  public record Show(String eventId, String connection) {
    /**
     * Validates.
     *
     * @param eventId the record component {@code eventId}
     * @param connection the record component {@code connection}
     */
    public Show {
      ControlEndpoint.required(eventId, "eventId");
    }
  }

  /**
   * A search of the feed; every member is optional.
   *
   * @param type the event type
   * @param connection the connection (id or peer name)
   * @param since the earliest event time (ISO-8601)
   * @param until the latest event time, exclusive (ISO-8601)
   * @param last at most this many, the newest (1-10,000; 0 or none: 20)
   */
  public record Search(String type, String connection, String since, String until, Integer last) {}

  /**
   * A connection's feed, or all of it.
   *
   * @param connection the connection (id or peer name), or null
   * @param all true to purge every connection's (and only then may {@code connection} be null)
   */
  public record Purge(String connection, Boolean all) {}

  /**
   * Events of the feed, oldest first.
   *
   * @param events the events
   */
  public record Feed(List<Item> events) {}

  /**
   * An event of the feed.
   *
   * @param time when the event was created (ISO-8601)
   * @param type its type
   * @param eventId its eventId
   * @param connection the connection it came from
   * @param peer the peer's first name, or {@code ?}
   * @param payload its payload
   */
  public record Item(String time, String type, String eventId, String connection, String peer, ObjectNode payload) {}

  /**
   * What was erased.
   *
   * @param deleted how many events
   */
  public record Deleted(long deleted) {}

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
