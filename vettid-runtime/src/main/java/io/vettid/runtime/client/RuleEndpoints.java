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
  /**
   * {@code rules.add}: adds a rule at the end, or replaces the rule of the same id where it stands;
   * or puts it where a placement says (first, before or after another rule).
   */
  public static final ControlEndpoint<Add, Added> ADD = ControlEndpoint.of("rules", "add", Add.class, Added.class);
  /** {@code rules.move}: moves a rule first, last, or before or after another rule. */
  public static final ControlEndpoint<Move, Moved> MOVE = ControlEndpoint.of("rules", "move", Move.class, Moved.class);
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
   * A rule to add, and where (first match wins: where a rule stands decides which events it gets).
   *
   * @param rule the rule's JSON, with its {@code id}
   * @param before the id of the rule it goes just before, or null
   * @param after the id of the rule it goes just after, or null
   * @param first whether it goes first (absent: no)
   */
  public record Add(ObjectNode rule, String before, String after, Boolean first) {
    /**
     * Validates: at most one placement, and not relative to itself.
     *
     * @param rule the record component {@code rule}
     * @param before the record component {@code before}
     * @param after the record component {@code after}
     * @param first the record component {@code first}
     */
    public Add {
      if (rule == null || !rule.path("id").isTextual()) {
        throw new IllegalArgumentException("a rule is a JSON object with an 'id' (see: vettid rules add --help)");
      }
      placement(rule.path("id").asText(), before, after, Boolean.TRUE.equals(first), false, false);
    }

    /**
     * A rule added at the end, or replacing the rule of the same id where it stands.
     *
     * @param rule the rule's JSON, with its {@code id}
     */
    public Add(ObjectNode rule) {
      this(rule, null, null, null);
    }
  }

  /**
   * A rule to move.
   *
   * @param id its id
   * @param before the id of the rule it goes just before, or null
   * @param after the id of the rule it goes just after, or null
   * @param first whether it goes first (absent: no)
   * @param last whether it goes last (absent: no)
   */
  public record Move(String id, String before, String after, Boolean first, Boolean last) {
    /**
     * Validates: exactly one placement, and not relative to itself.
     *
     * @param id the record component {@code id}
     * @param before the record component {@code before}
     * @param after the record component {@code after}
     * @param first the record component {@code first}
     * @param last the record component {@code last}
     */
    public Move {
      ControlEndpoint.required(id, "id");
      placement(id, before, after, Boolean.TRUE.equals(first), Boolean.TRUE.equals(last), true);
    }
  }

  /**
   * A rule moved.
   *
   * @param id its id
   * @param position where it stands now (1 is first)
   * @param rules how many rules there are
   */
  public record Moved(String id, int position, int rules) {}

  private static void placement(String id, String before, String after, boolean first, boolean last,
      boolean required) {
    int given = (before != null ? 1 : 0) + (after != null ? 1 : 0) + (first ? 1 : 0) + (last ? 1 : 0);
    if (given > 1) {
      throw new IllegalArgumentException("say one place only: first, last, before a rule or after a rule");
    }
    if (required && given == 0) {
      throw new IllegalArgumentException("say where: first, last, before a rule or after a rule");
    }
    if (id.equals(before) || id.equals(after)) {
      throw new IllegalArgumentException("rule '" + id + "' cannot go before or after itself");
    }
  }

  /**
   * A rule added.
   *
   * @param id its id
   * @param replaced whether it replaced a rule of the same id
   * @param rules how many rules there are now
   * @param position where it stands (1 is first)
   */
  public record Added(String id, boolean replaced, int rules, int position) {}

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
   * What the rules decide, and why.
   *
   * @param action handle, reply, hold, drop or deny
   * @param rule the rule that matched, or null when none did
   * @param handler the handler it names, or null
   * @param reason why
   * @param asked the rules asked, in order: why each earlier one did not match, and the one that
   *     decided (empty for a third-party rule engine, which cannot say)
   */
  public record Verdict(String action, String rule, String handler, String reason, List<Asked> asked) {
    /**
     * Copies the list.
     *
     * @param action the record component {@code action}
     * @param rule the record component {@code rule}
     * @param handler the record component {@code handler}
     * @param reason the record component {@code reason}
     * @param asked the record component {@code asked}
     */
    public Verdict {
      asked = asked == null ? List.of() : List.copyOf(asked);
    }
  }

  /**
   * One rule asked by {@code rules.test}.
   *
   * @param rule the rule's id
   * @param matched whether it matched (and decided)
   * @param reason why it did not match, or that it did
   */
  public record Asked(String rule, boolean matched, String reason) {}
}
