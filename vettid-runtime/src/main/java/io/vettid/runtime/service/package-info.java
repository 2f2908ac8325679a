/**
 * The runtime's event path: {@link io.vettid.runtime.service.EventWatcher}s open deposits into the
 * vault's queue, {@link io.vettid.runtime.service.EventService}s (Manager, Concierge, AppManager)
 * ask the rules and run handlers, the {@link io.vettid.runtime.service.Quarantine} keeps every
 * event that failed a check, and the {@link io.vettid.runtime.service.HeldEvents} inbox keeps
 * events held for the owner.
 */
package io.vettid.runtime.service;
