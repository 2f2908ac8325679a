package io.vettid.rules;

/** A rule set was refused on write; the message names the rule and the field. */
public final class RuleValidationException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which rule and field, and what is wrong
   */
  public RuleValidationException(String message) {
    super(message);
  }
}
