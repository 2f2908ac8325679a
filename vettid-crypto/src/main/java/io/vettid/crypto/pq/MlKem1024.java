package io.vettid.crypto.pq;

import org.bouncycastle.crypto.params.MLKEMParameters;

/** ML-KEM-1024 key wrapping (NIST security category 5). See {@link MlKem}. */
public final class MlKem1024 extends MlKem {
  /** The algorithm name. */
  public static final String NAME = "ML-KEM-1024";

  /** Creates the algorithm (used by {@link java.util.ServiceLoader}). */
  public MlKem1024() {
    super(NAME, "mlkem1024", MLKEMParameters.ml_kem_1024);
  }
}
