/** Sample: publish an Internal Event through JetStream and read it back. */
module io.vettid.samples.hello {
  requires io.vettid.nats;

  exports io.vettid.samples.hello;
}
