package io.vettid.rules;

import io.vettid.api.Decision;
import java.util.List;
import java.util.Objects;

/**
 * Why the rules decided what they did for one event ({@link DeclarativeRuleEngine#explain}): the
 * decision, and each rule asked, in order, with why it did not match, or that it did.
 *
 * <pre>{@code
 * RuleExplanation why = engine.explain(event);
 * why.steps().forEach(s -> System.out.println(s.ruleId() + ": " + s.reason()));
 * System.out.println("=> " + why.decision());
 * }</pre>
 *
 * @param decision the decision ({@link Decision#defaultDeny()} when no rule matched)
 * @param steps the rules asked, in order; the last one decided unless none matched
 */
public record RuleExplanation(Decision decision, List<Step> steps) {
  /**
   * Copies the steps.
   *
   * @param decision the record component {@code decision}
   * @param steps the record component {@code steps}
   */
  public RuleExplanation {
    Objects.requireNonNull(decision, "decision");
    steps = List.copyOf(steps);
  }

  /**
   * One rule asked.
   *
   * @param ruleId the rule
   * @param matched whether it matched (and so decided)
   * @param reason why it did not match, or what it decided
   */
  public record Step(String ruleId, boolean matched, String reason) {}
}
