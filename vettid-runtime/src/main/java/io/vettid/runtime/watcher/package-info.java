/**
 * Event Watchers: they take sealed External Events from an EventSpace's deposit stream, open them
 * by keyID, and forward the Internal Events to {@code DataVault.Queue}, or keep them, as
 * received, in quarantine with their reason.
 */
package io.vettid.runtime.watcher;
