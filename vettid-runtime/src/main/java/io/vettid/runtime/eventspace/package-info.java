/**
 * The EventSpace server, the Internet-facing and multi-tenant half of VettID: {@link
 * io.vettid.runtime.eventspace.EventSpaceServer} runs it, its {@link
 * io.vettid.runtime.eventspace.Concierge} registers vaults ({@link
 * io.vettid.runtime.eventspace.RegistrationToken}) and takes their signed account updates, and
 * {@link io.vettid.runtime.eventspace.ConciergeClient} is a vault's side of it.
 */
package io.vettid.runtime.eventspace;
