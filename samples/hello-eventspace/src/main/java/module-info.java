/** Sample: send an event into a connected EventSpace through your running vault. */
module com.example.vettid.hello {
  requires io.vettid.runtime;

  exports com.example.vettid.hello;
}
