/**
 * The runtime's built-in event handlers ({@code profile-request}, {@code chat}, {@code
 * contact-request}, {@code responses}, {@code connection-rotation}, {@code identity-rotation}, {@code connection-revoked},
 * {@code session-reset}), registered by name: rules name them, no third party calls them. Not
 * exported, but to the {@code vettid} command line; write your own handlers against the {@code
 * io.vettid.api.spi.EventHandlerFactory} SPI.
 */
package io.vettid.runtime.internal.handlers;
