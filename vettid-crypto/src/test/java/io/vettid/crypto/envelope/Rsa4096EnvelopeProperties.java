package io.vettid.crypto.envelope;

import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;

class Rsa4096EnvelopeProperties extends EnvelopeProperties {
  @Override
  Suite suite() {
    return Suites.RSA4096_V1;
  }
}
