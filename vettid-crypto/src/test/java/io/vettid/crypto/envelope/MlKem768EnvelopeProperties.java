package io.vettid.crypto.envelope;

import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;

class MlKem768EnvelopeProperties extends EnvelopeProperties {
  @Override
  Suite suite() {
    return Suites.MLKEM768_MLDSA65_V1;
  }
}
