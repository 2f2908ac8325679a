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
