/** Sample: a third-party service that works on a person's EventSpace as one of its connections. */
module com.example.vettid.shop {
  requires io.vettid.runtime;

  exports com.example.vettid.shop;
}
