package io.vettid.runtime.connection;

import io.nats.client.JetStreamApiException;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.vettid.api.ConnectionId;
import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;
import java.security.GeneralSecurityException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Seals events and deposits them on a peer's EventSpace. A deposit the peer's stream refuses for
 * being full (its share or its bytes; the peer's watcher frees them as it goes) is sealed again,
 * with the next sequence of the session, and re-sent under the same {@code Nats-Msg-Id}, after 50
 * ms, then twice as long each time up to 2 s, {@value #ATTEMPTS} times in all (about 7 s). Sealing
 * again rather than re-sending the same bytes keeps the session's sequences increasing at the peer.
 * A deposit that carried the session's key block and did not reach the peer (refused or failed)
 * makes the next envelope sealed carry the key block again: the session's later envelopes open only
 * once the peer has it.
 */
final class Deposits {
  /** How often a deposit the peer's stream refused as full is sealed again and re-sent. */
  static final int ATTEMPTS = 8;

  private final AtomicLong stored = new AtomicLong();

  /** {@return how many deposits the peers' streams stored} */
  long stored() {
    return stored.get();
  }

  /**
   * Seals and deposits.
   *
   * @param link the connection
   * @param plaintext the Internal Event's bytes
   * @param dedupeId the deposit's {@code Nats-Msg-Id}
   * @return completes when the peer's stream stored it, or fails with a {@link VettidException}
   */
  CompletableFuture<Void> deposit(Link link, byte[] plaintext, String dedupeId) {
    return deposit(link, plaintext, dedupeId, 0);
  }

  private CompletableFuture<Void> deposit(Link link, byte[] plaintext, String dedupeId, int attempt) {
    CompletableFuture<PublishAck> ack;
    boolean keyBlock;
    try {
      // seal and start the deposit under the link's lock: the deposit order is the sequence order,
      // so a session's key block always arrives first and sequence numbers always increase (two
      // threads sending on one connection, such as a handler's reply and the owner's next message,
      // would otherwise reorder them and the peer would quarantine one as UNKNOWN_SESSION or REPLAYED)
      synchronized (link) {
        byte[] envelope = link.sealer.sealBytes(plaintext);
        keyBlock = link.sealer.lastCarriedKeyBlock();
        ack = link.route.js().publishAsync(link.depositSubject, new Headers().put("Nats-Msg-Id", dedupeId), envelope);
      }
    } catch (GeneralSecurityException e) {
      return CompletableFuture.failedFuture(
          new VettidException(FailureReason.DECRYPTION_FAILED, "cannot seal to connection " + link.local.value(), e));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(new VettidException(FailureReason.CONNECTION_REVOKED,
          "cannot deposit on connection " + link.local.value() + ": " + e.getClass().getSimpleName(), e));
    }
    return ack.handle((a, err) -> {
      String refusal = err != null ? refusalOf(err) : a.hasError() ? a.getError().toString() : null;
      if (refusal == null) {
        stored.incrementAndGet();
        return CompletableFuture.<Void>completedFuture(null);
      }
      if (keyBlock) {
        // the session's key block did not reach the peer: without it no later envelope of the session
        // opens there, so the next one sealed (this one again, or another's) carries it again
        link.sealer.resendKeyBlock();
      }
      if (full(refusal) && attempt + 1 < ATTEMPTS) {
        long backoff = Math.min(2000, 50L << attempt);
        return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS))
            .thenCompose(x -> deposit(link, plaintext, dedupeId, attempt + 1));
      }
      return CompletableFuture.<Void>failedFuture(new VettidException(FailureReason.CONNECTION_REVOKED,
          "the peer did not store the deposit on connection " + link.local.value() + ": " + refusal, err));
    }).thenCompose(f -> f);
  }

  /**
   * Waits for a deposit (jnats times it out after its request timeout; 30 s is only a backstop).
   *
   * @throws VettidException {@link FailureReason#CONNECTION_REVOKED} if it failed, was refused or
   *     did not complete
   */
  static void await(CompletableFuture<Void> deposit, ConnectionId local) throws VettidException {
    try {
      deposit.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof VettidException v) {
        throw v;
      }
      throw new VettidException(FailureReason.CONNECTION_REVOKED,
          "cannot deposit on connection " + local.value() + ": " + e.getCause().getClass().getSimpleName(), e.getCause());
    } catch (TimeoutException e) {
      throw new VettidException(FailureReason.CONNECTION_REVOKED,
          "the peer's server did not confirm the deposit on connection " + local.value() + " within 30 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new VettidException(FailureReason.CONNECTION_REVOKED, "interrupted while depositing on " + local.value(),
          e);
    }
  }

  /** The server's refusal in a failed publish (jnats wraps it, in a RuntimeException for an asynchronous one). */
  private static String refusalOf(Throwable err) {
    Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof JetStreamApiException j) {
        return j.getMessage();
      }
    }
    return cause.getClass().getSimpleName();
  }

  /** Whether a refusal says the peer's deposit stream is full for now (bytes, messages, this connection's share). */
  private static boolean full(String refusal) {
    return refusal.contains("maximum bytes exceeded") || refusal.contains("maximum messages exceeded")
        || refusal.contains("maximum messages per subject exceeded");
  }
}
