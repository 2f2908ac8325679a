/** A sample third-party event handler: a poll, as a VettID {@code EventHandlerFactory}. */
module com.example.vettid.poll {
  requires io.vettid.api;
  requires com.fasterxml.jackson.databind;

  exports com.example.vettid.poll;

  provides io.vettid.api.spi.EventHandlerFactory with com.example.vettid.poll.PollHandler;
}
