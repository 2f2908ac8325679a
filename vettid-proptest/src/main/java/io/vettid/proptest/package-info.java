/**
 * What VettID's property tests share: generators ({@link io.vettid.proptest.Gens}) and the way a
 * property is run ({@link io.vettid.proptest.Props}), over
 * <a href="https://github.com/quicktheories/QuickTheories">QuickTheories</a>.
 *
 * <p>A property runs a fixed number of examples from a random seed. When one fails, QuickTheories
 * shrinks it and its {@link AssertionError} names the smallest failing input and the seed
 * ({@code Seed was N}); running the same test again with {@code -DQT_SEED=N} reproduces it.
 *
 * <p>Used in test scope only; this module is not part of the SDK and is not published.
 */
package io.vettid.proptest;
