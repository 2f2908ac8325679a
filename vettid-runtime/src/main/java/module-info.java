/**
 * VettID reference runtime, a library: {@link io.vettid.runtime.VettIdRuntime} assembles a Data
 * Vault (embedded or external nats-server, the Manager service with rules, handlers, inbox and
 * quarantine, Event Watchers per EventSpace); {@link io.vettid.runtime.client.VaultClient} asks a
 * running vault daemon. The {@code vettid} command line is the module {@code io.vettid.cli}.
 */
module io.vettid.runtime {
  requires transitive io.vettid.api;
  requires transitive io.vettid.crypto;
  requires transitive io.vettid.nats;
  requires transitive io.vettid.rules;
  requires transitive io.nats.jnats;
  requires transitive com.fasterxml.jackson.databind;
  requires transitive io.vettid.profile;
  requires transitive java.net.http;
  requires org.slf4j;
  requires static transitive org.apiguardian.api;

  exports io.vettid.runtime;
  exports io.vettid.runtime.audit;
  exports io.vettid.runtime.client;
  exports io.vettid.runtime.service;
  exports io.vettid.runtime.connection;
  exports io.vettid.runtime.eventspace;
  exports io.vettid.runtime.internal.handlers to io.vettid.cli;
  exports io.vettid.runtime.resources;

  uses io.vettid.api.spi.EventHandlerFactory;
  uses io.vettid.api.spi.RuleEngineProvider;
  uses io.vettid.api.spi.KeyAlgorithm;
  uses io.vettid.api.spi.SuiteDefinition;
}
