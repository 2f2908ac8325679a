/**
 * Built-in event handlers: profile requests, connection key rotation, contact/data requests that
 * ask the rules what to share, and responses to this vault's own requests.
 */
package io.vettid.runtime.handlers;
