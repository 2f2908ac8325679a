package io.vettid.runtime.cli;

import java.nio.file.Path;
import java.util.Set;

/** Lets tests in other packages find the repository and the control service's verbs. */
public final class CliWalkthroughTestAccess {
  private CliWalkthroughTestAccess() {}

  /** {@return the repository's root} */
  public static Path root() {
    return CliWalkthroughTest.repositoryRoot();
  }

  /** {@return every verb the control service answers} */
  public static Set<String> verbs() {
    return VaultDaemon.verbNames();
  }
}
