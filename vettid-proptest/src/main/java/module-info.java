/**
 * VettID property-test support: the generators ({@link io.vettid.proptest.Gens}) and the runner
 * ({@link io.vettid.proptest.Props}) that VettID's own property tests share, over QuickTheories.
 * Used in test scope only; not part of the SDK.
 */
module io.vettid.proptest {
  // QuickTheories 0.26 names no module: its automatic module name comes from its jar's file name
  requires transitive quicktheories;

  exports io.vettid.proptest;
}
