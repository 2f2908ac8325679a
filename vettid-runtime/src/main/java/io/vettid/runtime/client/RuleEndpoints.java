package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.runtime.client.ControlEndpoint.ById;
import io.vettid.runtime.client.ControlEndpoint.None;
import java.util.List;
import org.apiguardian.api.API;

/** The control service's {@code rules} group: the owner's rules (PROTOCOL.md section 6.3). */
@API(status = EXPERIMENTAL, since = "0.1")
public final class RuleEndpoints {
  private RuleEndpoints() {}

  /** {@code rules.list}: the rules, in the order they apply. */
  public static final ControlEndpoint<None, Listed> LIST = ControlEndpoint.of("rules", "list", None.class,
      Listed.class);
  /** {@code rules.add}: adds a rule at the end, or replaces the rule of the same id where it stands. */
  public static final ControlEndpoint<Add, Added> ADD = ControlEndpoint.of("rules", "add", Add.class, Added.class);
  /** {@code rules.remove}: removes a rule by its id. */
  public static final ControlEndpoint<ById, Removed> REMOVE = ControlEndpoint.of("rules", "remove", ById.class,
      Removed.class);
  /** {@code rules.test}: what the rules decide for an event; nothing is sent or handled. */
  public static final ControlEndpoint<Test, Verdict> TEST = ControlEndpoint.of("rules", "test", Test.class,
      Verdict.class);

  /**
   * The rules.
   *
   * @param rules each rule's JSON, in order
   */
  public record Listed(List<ObjectNode> rules) {}

  /**
   * A rule to add.
   *
   * @param rule the rule's JSON, with its {@code id}
   */
  public record Add(ObjectNode rule) {
    /**
     * Validates.
     *
     * @param rule the record component {@code rule}
     */
    public Add {
      if (rule == null || !rule.path("id").isTextual()) {
        throw new IllegalArgumentException("a rule is a JSON object with an 'id' (see: vettid rules add --help)");
      }
    }
  }

  /**
   * A rule added.
   *
   * @param id its id
   * @param replaced whether it replaced a rule of the same id
   * @param rules how many rules there are now
   */
  public record Added(String id, boolean replaced, int rules) {}

  /**
   * A rule removed.
   *
   * @param removed its id
   * @param rules how many rules are left
   */
  public record Removed(String removed, int rules) {}

  /**
   * An event to test.
   *
   * @param type the event type
   * @param payload the payload, or null for {@code {}}
   * @param connection the connection (id or peer name) it comes from, or null for any
   */
  public record Test(String type, ObjectNode payload, String connection) {
    /**
     * Validates.
     *
     * @param type the record component {@code type}
     * @param payload the record component {@code payload}
     * @param connection the record component {@code connection}
     */
    public Test {
      ControlEndpoint.required(type, "type");
    }
  }

  /**
   * What the rules decide.
   *
   * @param action handle, reply, hold, drop or deny
   * @param rule the rule that matched, or null when none did
   * @param handler the handler it names, or null
   * @param reason why
   */
  public record Verdict(String action, String rule, String handler, String reason) {}
}
