package io.vettid.crypto.envelope;

import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;

class ElGamalEnvelopeProperties extends EnvelopeProperties {
  @Override
  Suite suite() {
    return Suites.ELGAMAL3072_RSA4096_V1;
  }
}
