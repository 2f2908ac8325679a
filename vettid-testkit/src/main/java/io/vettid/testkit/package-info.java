/**
 * JUnit 5 support for tests against a real {@code nats-server}: {@link
 * io.vettid.testkit.NatsTest} for the defaults, {@link io.vettid.testkit.NatsServerExtension} with
 * {@code @RegisterExtension} for a configured server (encryption at rest, TLS, operator mode);
 * and abstract tests a plug-in author extends: {@link io.vettid.testkit.RuleEngineContract} for a
 * rule engine, {@link io.vettid.testkit.KeyAlgorithmContract} for a key algorithm; and {@link
 * io.vettid.testkit.EventHandlerTestKit}, an event handler run in memory.
 */
package io.vettid.testkit;
