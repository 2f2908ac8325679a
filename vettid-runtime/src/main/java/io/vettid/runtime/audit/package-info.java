/**
 * The vault's audit log: a hash chain of every decision it takes, with checkpoints signed by its
 * identity key ({@link io.vettid.runtime.audit.AuditLog}, {@link io.vettid.runtime.audit.AuditChain}).
 */
package io.vettid.runtime.audit;
