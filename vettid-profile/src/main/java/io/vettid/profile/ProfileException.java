package io.vettid.profile;

import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;

/** Why a profile was refused. Its {@link #problem()} is precise; its {@link #reason()} is the runtime's. */
public final class ProfileException extends VettidException {
  @java.io.Serial private static final long serialVersionUID = 1L;

  /** What is wrong with a profile. */
  public enum Problem {
    /** Not a well-formed signed profile (the message names the field). */
    MALFORMED(FailureReason.MALFORMED),
    /** A schema version this implementation does not know. */
    UNKNOWN_VERSION(FailureReason.MALFORMED),
    /** The key's algorithm is not available here. */
    UNKNOWN_ALGORITHM(FailureReason.UNKNOWN_KEY_ID),
    /** A keyID does not belong to the key it is presented with. */
    KEY_ID_MISMATCH(FailureReason.WRONG_KEY),
    /** The signature does not verify: the profile was altered or signed by another key. */
    BAD_SIGNATURE(FailureReason.BAD_SIGNATURE),
    /** The profile is signed by a key other than the one expected (for example a blocked or swapped key). */
    UNEXPECTED_KEY(FailureReason.WRONG_KEY);

    private final FailureReason reason;

    Problem(FailureReason reason) {
      this.reason = reason;
    }
  }

  /** What is wrong. */
  private final Problem problem;

  /**
   * Creates the exception.
   *
   * @param problem what is wrong
   * @param message the explanation (names the field; never echoes secrets)
   */
  public ProfileException(Problem problem, String message) {
    super(problem.reason, message);
    this.problem = problem;
  }

  ProfileException(Problem problem, String message, Throwable cause) {
    super(problem.reason, message, cause);
    this.problem = problem;
  }

  /** {@return what is wrong} */
  public Problem problem() {
    return problem;
  }
}
