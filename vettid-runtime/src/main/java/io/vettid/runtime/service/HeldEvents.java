package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.PublishAck;
import io.nats.client.impl.Headers;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.InternalEventCodec;
import io.vettid.api.InvalidEventException;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apiguardian.api.API;

/**
 * The owner's approval inbox: events a rule held ({@code "action": "hold"}) wait here, in the
 * vault's {@code Manager} key/value bucket, until the owner approves or denies them. Approving
 * puts the event back on its service queue marked approved, and the service runs the handler that
 * declares its type without asking the rules again; denying quarantines it with {@link
 * FailureReason#DENIED_BY_OWNER}. Either way the entry is then removed.
 *
 * <pre>{@code
 * for (HeldEvents.Held h : inbox.list()) {
 *   if (h.event().type().value().equals("contact.request")) {
 *     inbox.approve(h.id());
 *   } else {
 *     inbox.deny(h.id());
 *   }
 * }
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class HeldEvents {
  /** Header set on an approved event put back on its queue: the held entry's id. */
  public static final String APPROVED_HEADER = "VettID-Approved";

  private static final String PREFIX = "inbox.";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KeyValue kv;
  private final JetStream js;
  private final Quarantine quarantine;

  /**
   * Opens the inbox.
   *
   * @param nc a connection of the vault's account (the {@code Manager} bucket must exist)
   * @param quarantine where denied events go
   * @throws IOException if the bucket cannot be opened
   */
  public HeldEvents(Connection nc, Quarantine quarantine) throws IOException {
    Objects.requireNonNull(nc, "nc");
    this.kv = nc.keyValue(Subjects.name("Manager"));
    this.js = nc.jetStream();
    this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
  }

  /**
   * One held event.
   *
   * @param id the entry's id (approve or deny by it)
   * @param queue the service queue it came from and returns to
   * @param rule the rule that held it
   * @param heldAt when it was held
   * @param approved whether the owner approved it (it is then on its way back to the queue)
   * @param event the event
   */
  public record Held(String id, String queue, String rule, Instant heldAt, boolean approved, InternalEvent event) {
    /**
     * Validates.
     *
     * @param id the entry's id
     * @param queue the service queue
     * @param rule the rule that held it
     * @param heldAt when
     * @param approved whether approved
     * @param event the event
     */
    public Held {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(queue, "queue");
      Objects.requireNonNull(rule, "rule");
      Objects.requireNonNull(heldAt, "heldAt");
      Objects.requireNonNull(event, "event");
    }
  }

  void hold(String id, String queue, String rule, byte[] eventBytes) throws IOException, JetStreamApiException {
    ObjectNode n = JSON.createObjectNode()
        .put("queue", queue)
        .put("rule", rule)
        .put("heldAt", Instant.now().toString())
        .put("approved", false)
        .put("event", Base64.getEncoder().encodeToString(eventBytes));
    kv.put(PREFIX + id, JSON.writeValueAsBytes(n));
  }

  /**
   * Lists the held events, oldest key first.
   *
   * @return the held events
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the bucket cannot be read
   * @throws InterruptedException if interrupted
   */
  public List<Held> list() throws IOException, JetStreamApiException, InterruptedException {
    List<Held> out = new ArrayList<>();
    for (String key : kv.keys()) {
      if (key.startsWith(PREFIX)) {
        get(key.substring(PREFIX.length())).ifPresent(out::add);
      }
    }
    return out;
  }

  /**
   * Reads one held event.
   *
   * @param id its id
   * @return the entry, or empty if there is none
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the bucket cannot be read
   */
  public Optional<Held> get(String id) throws IOException, JetStreamApiException {
    Objects.requireNonNull(id, "id");
    KeyValueEntry e = kv.get(PREFIX + id);
    if (e == null || e.getValue() == null) {
      return Optional.empty();
    }
    ObjectNode n = (ObjectNode) JSON.readTree(e.getValue());
    try {
      InternalEvent event = InternalEventCodec.decode(Base64.getDecoder().decode(n.path("event").asText()));
      return Optional.of(new Held(id, n.path("queue").asText(), n.path("rule").asText(),
          Instant.parse(n.path("heldAt").asText()), n.path("approved").asBoolean(), event));
    } catch (InvalidEventException | RuntimeException bad) {
      throw new IOException("held entry " + id + " is damaged: " + bad.getMessage(), bad);
    }
  }

  /**
   * Approves a held event: it goes back to its queue and is handled without asking the rules
   * again.
   *
   * @param id the entry's id
   * @return whether there was such an entry
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the bucket or the queue refuses
   */
  public boolean approve(String id) throws IOException, JetStreamApiException {
    Optional<Held> held = get(id);
    if (held.isEmpty()) {
      return false;
    }
    KeyValueEntry e = kv.get(PREFIX + id);
    ObjectNode n = (ObjectNode) JSON.readTree(e.getValue());
    n.put("approved", true);
    kv.update(PREFIX + id, JSON.writeValueAsBytes(n), e.getRevision());
    PublishAck ack = js.publish(held.get().queue(),
        new Headers().put(APPROVED_HEADER, id).put("Nats-Msg-Id", "approved-" + id),
        InternalEventCodec.encode(held.get().event()));
    if (ack.hasError()) {
      throw new IOException("the queue refused the approved event: " + ack.getError());
    }
    return true;
  }

  /**
   * Denies a held event: it is quarantined with {@link FailureReason#DENIED_BY_OWNER} and
   * removed.
   *
   * @param id the entry's id
   * @return whether there was such an entry
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the bucket or the quarantine refuses
   */
  public boolean deny(String id) throws IOException, JetStreamApiException {
    Optional<Held> held = get(id);
    if (held.isEmpty()) {
      return false;
    }
    quarantine.put(InternalEventCodec.encode(held.get().event()), held.get().queue(),
        held.get().event().connectionId(), FailureReason.DENIED_BY_OWNER,
        "held by rule " + held.get().rule() + ", denied by the owner", "denied-" + id);
    kv.delete(PREFIX + id);
    return true;
  }

  /** Whether an entry exists and was approved (the service checks before skipping the rules). */
  boolean isApproved(String id) throws IOException, JetStreamApiException {
    return get(id).map(Held::approved).orElse(false);
  }

  void remove(String id) throws IOException, JetStreamApiException {
    kv.delete(PREFIX + id);
  }
}
