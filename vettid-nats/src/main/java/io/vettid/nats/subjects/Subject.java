package io.vettid.nats.subjects;

import java.util.Objects;

/**
 * A NATS subject built by {@link Subjects}, with the namespace it belongs to. Only {@link
 * Subjects} creates instances, so every subject in the project has passed the naming rule.
 *
 * @param value the subject text
 * @param scope internal (Capitalized) or external (all lowercase)
 */
public record Subject(String value, Scope scope) {
  /** Which namespace a name belongs to. */
  public enum Scope {
    /** Inside the vault, never exposed: first token Capitalized. */
    INTERNAL,
    /** Exposed to connections: every token lowercase. */
    EXTERNAL
  }

  /**
   * Validates the subject against the naming rule.
   *
   * @param value the record component {@code value}
   * @param scope the record component {@code scope}
   * @throws IllegalArgumentException if the subject breaks the rule for its scope
   */
  public Subject {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(scope, "scope");
    Subjects.checkSubject(value, scope);
  }

  @Override
  public String toString() {
    return value;
  }
}
