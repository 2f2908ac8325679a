/**
 * VettID reference runtime and the {@code vettid} command line. For now it runs the demo that
 * sends Internal Events through JetStream on an embedded nats-server ({@link
 * io.vettid.runtime.demo.Demo}); Manager, Concierge, AppManager and Event Watchers come with the
 * runtime issue.
 */
module io.vettid.runtime {
  requires io.vettid.api;
  requires io.vettid.crypto;
  requires io.vettid.nats;
  requires io.vettid.rules;
  requires io.vettid.profile;
  requires info.picocli;
  requires org.slf4j;

  exports io.vettid.runtime.demo;
  exports io.vettid.runtime.cli;
  exports io.vettid.runtime.service;

  opens io.vettid.runtime.cli to info.picocli;
}
