package io.vettid.benchmarks;

import io.vettid.crypto.PrivateKeyEntry;
import io.vettid.crypto.PublicKeyEntry;
import io.vettid.crypto.Suite;
import io.vettid.crypto.Suites;
import io.vettid.crypto.envelope.EnvelopeException;
import io.vettid.crypto.envelope.Opener;
import io.vettid.crypto.envelope.Sealer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Crypto costs per suite: session setup (seal of a session's first event + its open: wrap, sign,
 * verify, unwrap), and seal / open of a 1 KiB event in an established session (one AEAD). The
 * RSA baseline (one private operation plus one signature) is the yardstick for session setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CryptoBenchmarks {
  private static final String DEST = "subscriber.g1.es.queue.c1";
  private static final int BATCH = 400_000;

  @Param({"VETTID-RSA4096-V1", "VETTID-MLKEM768-MLDSA65-V1", "VETTID-MLKEM1024-MLDSA65-V1",
      "VETTID-ELGAMAL3072-RSA4096-V1"})
  public String suiteName;

  private final SecureRandom random = new SecureRandom();
  private Suite suite;
  private PrivateKeyEntry senderSigning;
  private PublicKeyEntry senderPublic;
  private PrivateKeyEntry recipientWrapping;
  private PublicKeyEntry recipientPublic;
  private final byte[] event = new byte[1024];
  private Sealer sealer;
  private Opener opener;
  private byte[] keyBlock;
  private byte[][] batch;
  private int next;
  private byte[] wrappedForBaseline;
  private byte[] baselineContext = {1, 2, 3};

  @Setup(Level.Trial)
  public void keys() throws GeneralSecurityException {
    suite = Suites.byName(suiteName).orElseThrow();
    KeyPair s = suite.signature().generateKeyPair(random);
    KeyPair r = suite.wrap().generateKeyPair(random);
    senderPublic = PublicKeyEntry.of(suite.signature(), s.getPublic());
    senderSigning = new PrivateKeyEntry(senderPublic.keyId(), suite.signature(), s.getPrivate());
    recipientPublic = PublicKeyEntry.of(suite.wrap(), r.getPublic());
    recipientWrapping = new PrivateKeyEntry(recipientPublic.keyId(), suite.wrap(), r.getPrivate());
    random.nextBytes(event);
    wrappedForBaseline = suite.wrap().wrapKey(recipientPublic.key(), new byte[32], baselineContext, random);
  }

  private Opener newOpener() {
    return Opener.builder(id -> Optional.of(recipientWrapping), id -> Optional.of(senderPublic)).build();
  }

  /** An established session and a batch of sealed events to open, fresh per iteration. */
  @Setup(Level.Iteration)
  public void session() throws Exception {
    sealer = Sealer.builder(suite, senderSigning, recipientPublic, DEST).build();
    opener = newOpener();
    keyBlock = sealer.sealBytes(event);
    opener.open(keyBlock, DEST);
    batch = new byte[BATCH][];
    for (int i = 0; i < BATCH; i++) {
      batch[i] = sealer.sealBytes(event);
    }
    next = 0;
  }

  /** Seal of a 1 KiB event in an established session (the sealer's session continues). */
  @Benchmark
  public byte[] sealInSession() throws GeneralSecurityException {
    return sealer.sealBytes(event);
  }

  /**
   * Open of a 1 KiB event in an established session. When the pre-sealed batch runs out, the
   * session is re-established on a fresh opener (one key-block open per 400,000 events).
   */
  @Benchmark
  public Opener.Opened openInSession() throws EnvelopeException {
    if (next == BATCH) {
      opener = newOpener();
      opener.open(keyBlock, DEST);
      next = 0;
    }
    return opener.open(batch[next++], DEST);
  }

  /** Session setup: the sender's first seal (wrap + sign + AEAD) and the receiver's first open. */
  @Benchmark
  public Opener.Opened sessionSetup() throws Exception {
    Sealer fresh = Sealer.builder(suite, senderSigning, recipientPublic, DEST).random(random).build();
    return newOpener().open(fresh.sealBytes(event), DEST);
  }

  /** The yardstick: one unwrap (a private-key operation) plus one signature. */
  @Benchmark
  public byte[] privateOperationPlusSignature() throws GeneralSecurityException {
    suite.wrap().unwrapKey(recipientWrapping.key(), wrappedForBaseline, baselineContext);
    return suite.signature().sign(senderSigning.key(), event, random);
  }
}
