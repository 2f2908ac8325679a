package io.vettid.crypto.envelope;

import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;

class MlKem1024EnvelopeProperties extends EnvelopeProperties {
  @Override
  Suite suite() {
    return Suites.MLKEM1024_MLDSA65_V1;
  }
}
