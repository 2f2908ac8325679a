/**
 * Service-provider interfaces: {@link io.vettid.api.spi.KeyAlgorithm}, {@link
 * io.vettid.api.spi.EventHandlerFactory}, {@link io.vettid.api.spi.RuleEngineProvider} and {@link
 * io.vettid.api.spi.SuiteDefinition}, found
 * with {@link java.util.ServiceLoader} through {@link io.vettid.api.spi.Providers} or passed
 * explicitly (for DI containers and tests).
 */
package io.vettid.api.spi;
