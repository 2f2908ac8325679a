/**
 * The one place that builds NATS names: {@link io.vettid.nats.subjects.Subjects}. Internal names
 * start with a Capitalized token; names exposed outside the vault are all lowercase.
 */
package io.vettid.nats.subjects;
