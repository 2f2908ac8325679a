package io.vettid.crypto.envelope;

import io.vettid.api.ExternalEvent;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.InvalidEventException;
import java.util.Objects;

/**
 * Opens the envelopes that arrive at a destination. An {@link Opener} opens with one party's keys;
 * a vault's connections give one that first finds the connection a destination belongs to and
 * opens only with that connection's keys, so a key of another connection never opens an envelope
 * that arrived on this one.
 *
 * <pre>{@code
 * EnvelopeOpener opener = Opener.builder(ring::privateKey, id -> Optional.ofNullable(signers.get(id))).build();
 * Opener.Opened opened = opener.open(depositBytes, depositSubject);
 * }</pre>
 */
@FunctionalInterface
public interface EnvelopeOpener {
  /**
   * Opens envelope bytes.
   *
   * @param envelope the bytes
   * @param destination the destination they were received at (a deposit subject)
   * @return what the envelope held
   * @throws EnvelopeException if the envelope does not open (the reason says why)
   */
  Opener.Opened open(byte[] envelope, String destination) throws EnvelopeException;

  /**
   * Opens envelope bytes that a numbered delivery carried (a deposit's stream sequence): an opener
   * that keeps its sessions across restarts opens the same delivery again until it is released
   * ({@link Opener#open(byte[], String, long)}). By default, as {@link #open(byte[], String)}.
   *
   * @param envelope the bytes
   * @param destination the destination they were received at
   * @param delivery the delivery's number, at least 1 (0: none)
   * @return what the envelope held
   * @throws EnvelopeException if the envelope does not open (the reason says why)
   */
  default Opener.Opened open(byte[] envelope, String destination, long delivery) throws EnvelopeException {
    return open(envelope, destination);
  }

  /**
   * Called before the deliveries at destinations starting with {@code prefix} are acknowledged up
   * to {@code through}: an opener that keeps its sessions at rest starts writing what it accepted
   * there, so that nothing acknowledged can open again after a restart; the acknowledgement waits
   * for the future (the caller goes on meanwhile). By default nothing is kept.
   *
   * @param prefix the destinations' common prefix (such as an EventSpace's deposit subjects, up to
   *     the connection id)
   * @param through the highest delivery about to be acknowledged
   * @return completes once what was accepted is kept; fails if it could not be (do not acknowledge)
   */
  default java.util.concurrent.CompletableFuture<Void> checkpoint(String prefix, long through) {
    return java.util.concurrent.CompletableFuture.completedFuture(null);
  }

  /**
   * Opens an External Event and decodes the Internal Event inside.
   *
   * @param event the External Event
   * @param destination the destination it was received at
   * @return the Internal Event
   * @throws EnvelopeException if the envelope does not open (the reason says why)
   * @throws InvalidEventException if it opens but does not hold a valid Internal Event
   */
  default InternalEvent openEvent(ExternalEvent event, String destination)
      throws EnvelopeException, InvalidEventException {
    Objects.requireNonNull(event, "event");
    return InternalEventCodec.decode(open(event.sealed(), destination).plaintext());
  }
}
