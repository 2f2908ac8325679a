package io.vettid.api;

import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link io.vettid.api.spi.RuleEngine} decided for one event. Only {@link Action#HANDLE}
 * and {@link Action#REPLY} let an event be processed; everything else holds it back. When no rule
 * matches, the answer is {@link #defaultDeny()}: fail safe, never open.
 *
 * <pre>{@code
 * Decision d = Decision.handle("share-contact-with-friends", "contact-request");
 * if (d.allowsProcessing()) {
 *   String handler = d.handler().orElseThrow();                 // start this handler on the event
 * }
 * }</pre>
 */
public final class Decision {
  /** The action a decision asks for. */
  public enum Action {
    /** Start (or continue) the named handler for the event. */
    HANDLE,
    /** Send an automatic reply through the named handler. */
    REPLY,
    /** Keep the event for the owner to approve or deny. */
    HOLD,
    /** Discard the event on purpose (it is still counted). */
    DROP,
    /** Refuse the event; it is quarantined with the reason. */
    DENY
  }

  private static final Decision DEFAULT_DENY =
      new Decision(Action.DENY, null, null, "no rule matched (default deny)");

  private final Action action;
  private final String ruleId;
  private final String handler;
  private final String reason;

  private Decision(Action action, String ruleId, String handler, String reason) {
    this.action = action;
    this.ruleId = ruleId;
    this.handler = handler;
    this.reason = reason;
  }

  private static String requireText(String what, String value) {
    Objects.requireNonNull(value, () -> what + " must not be null");
    if (value.isBlank()) {
      throw new IllegalArgumentException(what + " must not be blank");
    }
    return value;
  }

  /**
   * A rule matched and asks for the named handler.
   *
   * @param ruleId the rule that matched
   * @param handler the name of the {@link io.vettid.api.spi.EventHandlerFactory}
   * @return the decision
   */
  public static Decision handle(String ruleId, String handler) {
    return new Decision(
        Action.HANDLE, requireText("ruleId", ruleId), requireText("handler", handler), "rule " + ruleId);
  }

  /**
   * A rule matched and asks for an automatic reply through the named handler.
   *
   * @param ruleId the rule that matched
   * @param handler the handler that builds the reply
   * @return the decision
   */
  public static Decision reply(String ruleId, String handler) {
    return new Decision(
        Action.REPLY, requireText("ruleId", ruleId), requireText("handler", handler), "rule " + ruleId);
  }

  /**
   * A rule matched and holds the event for the owner's approval.
   *
   * @param ruleId the rule that matched
   * @return the decision
   */
  public static Decision hold(String ruleId) {
    return new Decision(Action.HOLD, requireText("ruleId", ruleId), null, "held by rule " + ruleId);
  }

  /**
   * A rule matched and drops the event.
   *
   * @param ruleId the rule that matched
   * @return the decision
   */
  public static Decision drop(String ruleId) {
    return new Decision(Action.DROP, requireText("ruleId", ruleId), null, "dropped by rule " + ruleId);
  }

  /**
   * A rule matched and denies the event.
   *
   * @param ruleId the rule that matched
   * @param reason why, for the quarantine record
   * @return the decision
   */
  public static Decision deny(String ruleId, String reason) {
    return new Decision(Action.DENY, requireText("ruleId", ruleId), null, requireText("reason", reason));
  }

  /** {@return the answer when no rule matched: deny} */
  public static Decision defaultDeny() {
    return DEFAULT_DENY;
  }

  /** {@return the action asked for} */
  public Action action() {
    return action;
  }

  /** {@return the rule that matched; empty for the default deny} */
  public Optional<String> ruleId() {
    return Optional.ofNullable(ruleId);
  }

  /** {@return the handler to run; present for {@link Action#HANDLE} and {@link Action#REPLY}} */
  public Optional<String> handler() {
    return Optional.ofNullable(handler);
  }

  /** {@return a short human-readable reason} */
  public String reason() {
    return reason;
  }

  /** {@return whether the event may be processed (handled or auto-replied)} */
  public boolean allowsProcessing() {
    return action == Action.HANDLE || action == Action.REPLY;
  }

  /** {@return the failure reason to quarantine with, for decisions that do not allow processing} */
  public Optional<FailureReason> failureReason() {
    if (action != Action.DENY) {
      return Optional.empty();
    }
    return Optional.of(ruleId == null ? FailureReason.NO_MATCHING_RULE : FailureReason.DENIED_BY_RULE);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Decision d
        && action == d.action
        && Objects.equals(ruleId, d.ruleId)
        && Objects.equals(handler, d.handler)
        && reason.equals(d.reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(action, ruleId, handler, reason);
  }

  @Override
  public String toString() {
    return "Decision[" + action + (ruleId != null ? ", rule=" + ruleId : ", default")
        + (handler != null ? ", handler=" + handler : "") + "]";
  }
}
