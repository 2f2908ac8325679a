package io.vettid.runtime.eventspace;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.vettid.nats.auth.SignedRequest;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Concierge} on NATS: it answers {@link Subjects#CONCIERGE_REGISTER} (reached by
 * bootstrap users through the registration account's import) and {@link
 * Subjects#CONCIERGE_ACCOUNT_UPDATE} (reached by each vault's deposit account through its import),
 * one request at a time. Answers are JSON: {@code {"guid":..,"eventSpace":..,"deposits":..}} to a
 * registration, {@code {"revoked":n}} to an update, {@code {"error":"..","code":400|500}} to a
 * refusal.
 *
 * <p>A request is answered only when its reply subject is one the server made for an import
 * ({@code _R_.…}), so the answer goes back into the requester's account and nowhere else; a
 * request published any other way is dropped and counted ({@link #dropped()}).
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class ConciergeService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConciergeService.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The prefix nats-server gives the reply subject of a request that came through a service import. */
  static final String IMPORT_REPLY_PREFIX = "_R_.";

  private final Concierge concierge;
  private final Connection nc;
  private final Dispatcher dispatcher;
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  /**
   * Starts answering.
   *
   * @param concierge the Concierge
   * @param nc a connection of the Concierge's account
   */
  public ConciergeService(Concierge concierge, Connection nc) {
    this.concierge = Objects.requireNonNull(concierge, "concierge");
    this.nc = Objects.requireNonNull(nc, "nc");
    this.dispatcher = nc.createDispatcher();
    dispatcher.subscribe(Subjects.CONCIERGE_REGISTER.value(), m -> answer(m, true));
    dispatcher.subscribe(Subjects.CONCIERGE_ACCOUNT_UPDATE.value(), m -> answer(m, false));
  }

  private void answer(Message m, boolean register) {
    String reply = m.getReplyTo();
    if (reply == null || !reply.startsWith(IMPORT_REPLY_PREFIX)) {
      dropped.incrementAndGet();
      LOG.warn("a request on {} without an import's reply subject was dropped", m.getSubject());
      return;
    }
    ObjectNode out = JSON.createObjectNode();
    try {
      SignedRequest request = SignedRequest.decode(m.getData());
      if (register) {
        Concierge.Registered r = concierge.register(request);
        out.put("guid", r.guid()).put("eventSpace", r.eventSpace()).put("deposits", r.deposits())
            .put("replicas", r.replicas());
        out.putObject("limits").put("memory", r.limits().memoryBytes()).put("disk", r.limits().diskBytes())
            .put("streams", r.limits().streams()).put("consumers", r.limits().consumers());
      } else {
        out.put("revoked", concierge.update(request));
      }
      answered.incrementAndGet();
    } catch (IllegalArgumentException | Concierge.ConciergeException e) {
      refused.incrementAndGet();
      out.removeAll().put("error", e.getMessage()).put("code", 400);
      LOG.info("refused a request on {}: {}", m.getSubject(), e.getMessage());
    } catch (IOException | RuntimeException e) { // NatsAuthException among them: the server refused a push
      refused.incrementAndGet();
      out.removeAll().put("error", "the Concierge could not complete the request; try again").put("code", 500);
      LOG.warn("a request on {} failed ({})", m.getSubject(), e.getClass().getSimpleName(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    try {
      nc.publish(reply, JSON.writeValueAsBytes(out));
      nc.flush(Duration.ofSeconds(2));
    } catch (IOException | TimeoutException | RuntimeException e) {
      LOG.warn("the answer to a request on {} was not sent ({})", m.getSubject(), e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      concierge.revokeUsedBootstraps(); // the answer is on its way: the bootstrap user may go
    } catch (IOException | RuntimeException e) {
      LOG.warn("the bootstrap users of redeemed tokens were not revoked ({}); they expire with their tokens",
          e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@return requests answered with success} */
  public long answered() {
    return answered.get();
  }

  /** {@return requests refused (answered with an error)} */
  public long refused() {
    return refused.get();
  }

  /** {@return requests dropped because their reply subject was not an import's} */
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void close() {
    nc.closeDispatcher(dispatcher);
  }
}
