/** Rule engines that implement {@link io.vettid.api.spi.RuleEngine}; every one denies by default. */
package io.vettid.rules;
