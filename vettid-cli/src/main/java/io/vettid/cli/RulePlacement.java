package io.vettid.cli;

import picocli.CommandLine.Option;

/**
 * Where a rule goes among the owner's rules ({@code rules add} and {@code rules move}): first, or
 * just before or after another rule. The rules are asked in order and the first that matches
 * decides, so this is what decides which events a rule gets.
 */
final class RulePlacement {
  @Option(names = "--before", paramLabel = "ID", description = "Just before this rule (first match wins).")
  String before;

  @Option(names = "--after", paramLabel = "ID", description = "Just after this rule.")
  String after;

  @Option(names = "--first", description = "First: it is asked before every other rule.")
  boolean first;

  /** {@return {@code first} as the control request carries it: true, or absent} */
  Boolean firstOrNull() {
    return first ? Boolean.TRUE : null;
  }
}
