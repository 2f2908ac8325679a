package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.runtime.client.ControlEndpoint.ById;
import io.vettid.runtime.client.ControlEndpoint.None;
import java.util.List;
import org.apiguardian.api.API;

/** The control service's {@code inbox} group: events the rules held for the owner (PROTOCOL.md section 6.2). */
@API(status = EXPERIMENTAL, since = "0.1")
public final class InboxEndpoints {
  private InboxEndpoints() {}

  /** {@code inbox.list}: the held events. */
  public static final ControlEndpoint<None, Listed> LIST = ControlEndpoint.of("inbox", "list", None.class,
      Listed.class);
  /** {@code inbox.approve}: the held event is handled. */
  public static final ControlEndpoint<ById, Decided> APPROVE = ControlEndpoint.of("inbox", "approve", ById.class,
      Decided.class);
  /** {@code inbox.deny}: the held event is quarantined. */
  public static final ControlEndpoint<ById, Decided> DENY = ControlEndpoint.of("inbox", "deny", ById.class,
      Decided.class);

  /**
   * The held events.
   *
   * @param held each one
   */
  public record Listed(List<Held> held) {}

  /**
   * A held event (ids and types, never its payload).
   *
   * @param id its id in the inbox
   * @param type its event type
   * @param rule the rule that held it
   * @param from the peer's first name, or the connection id
   * @param heldAt when it was held (ISO-8601)
   * @param approved whether it was approved and waits to be handled
   */
  public record Held(String id, String type, String rule, String from, String heldAt, boolean approved) {}

  /**
   * The owner's decision, taken.
   *
   * @param id the held event
   * @param decision {@code approved} or {@code denied}
   */
  public record Decided(String id, String decision) {}
}
