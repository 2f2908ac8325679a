/**
 * Service-provider interfaces: {@link io.vettid.api.spi.KeyAlgorithm}, {@link
 * io.vettid.api.spi.EventHandlerFactory} and {@link io.vettid.api.spi.RuleEngineProvider}, found
 * with {@link java.util.ServiceLoader} through {@link io.vettid.api.spi.Providers} or passed
 * explicitly (for DI containers and tests).
 */
package io.vettid.api.spi;
