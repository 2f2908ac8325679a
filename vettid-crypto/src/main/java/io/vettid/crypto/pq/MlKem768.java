package io.vettid.crypto.pq;

import org.bouncycastle.crypto.params.MLKEMParameters;

/** ML-KEM-768 key wrapping (NIST security category 3). See {@link MlKem}. */
public final class MlKem768 extends MlKem {
  /** The algorithm name. */
  public static final String NAME = "ML-KEM-768";

  /** Creates the algorithm (used by {@link java.util.ServiceLoader}). */
  public MlKem768() {
    super(NAME, "mlkem768", MLKEMParameters.ml_kem_768);
  }
}
