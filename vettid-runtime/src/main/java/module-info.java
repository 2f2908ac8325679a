/**
 * VettID reference runtime and the {@code vettid} command line: {@link
 * io.vettid.runtime.VettIdRuntime} assembles a Data Vault (embedded or external nats-server, the
 * Manager service with rules, handlers, inbox and quarantine, Event Watchers per EventSpace);
 * {@link io.vettid.runtime.demo.Demo} runs two vaults against each other.
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
  requires info.picocli;
  requires org.slf4j;

  exports io.vettid.runtime;
  exports io.vettid.runtime.demo;
  exports io.vettid.runtime.cli;
  exports io.vettid.runtime.client;
  exports io.vettid.runtime.service;
  exports io.vettid.runtime.connection;
  exports io.vettid.runtime.handlers;
  exports io.vettid.runtime.resources;

  opens io.vettid.runtime.cli to info.picocli;

  uses io.vettid.api.spi.EventHandlerFactory;
  uses io.vettid.api.spi.RuleEngineProvider;
  uses io.vettid.api.spi.KeyAlgorithm;
}
