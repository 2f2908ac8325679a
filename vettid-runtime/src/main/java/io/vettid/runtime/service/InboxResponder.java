package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.vettid.api.FailureReason;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.apiguardian.api.API;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers requests only inside the requester's own inbox. A reply subject is chosen by the
 * requester; publishing to it with broader rights than "the requester's inbox" lets a requester
 * aim the answer anywhere (at a key/value bucket, a JetStream API subject, an internal queue).
 * Every responder of the runtime (the EventSpace profile, the owner's control service) answers
 * through this class, with a connection that may publish nothing but answers, so a check that
 * failed here would still be refused by the server.
 *
 * <p>A request whose reply subject is not below the inbox prefix the responder expects for that
 * requester is not answered: it is kept in the quarantine as {@link FailureReason#FOREIGN_REPLY}
 * (its body as received, the subject it came on, the reply it asked for in the detail) and
 * counted. A request without a reply subject is not a request and is ignored.
 *
 * <pre>{@code
 * InboxResponder profiles = new InboxResponder(responderConnection, quarantine);
 * dispatcher.subscribe(Subjects.profilesOf(guid, "home"), m -> profiles.answer(m,
 *     Subjects.inbox(guid, "home", requesterOf(m)).value(), signedProfileBytes));
 * }</pre>
 *
 * <p>Thread-safe.
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class InboxResponder {
  private static final Logger LOG = LoggerFactory.getLogger(InboxResponder.class);
  private static final int MAX_SHOWN = 120;

  private final Connection answers;
  private final Quarantine quarantine;
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();

  /**
   * Creates a responder.
   *
   * @param answers the connection answers are published with (one whose user may publish only
   *     into requesters' inboxes)
   * @param quarantine where refused requests are kept
   */
  public InboxResponder(Connection answers, Quarantine quarantine) {
    this.answers = Objects.requireNonNull(answers, "answers");
    this.quarantine = Objects.requireNonNull(quarantine, "quarantine");
  }

  /**
   * Whether a reply subject lies inside an inbox: below its prefix, with at least one more token.
   *
   * @param reply the reply subject, or null
   * @param inboxPrefix the inbox prefix, such as {@code subscriber.<guid>.<es>.inbox.<conn>}
   * @return true if the answer may go there
   */
  public static boolean insideInbox(String reply, String inboxPrefix) {
    Objects.requireNonNull(inboxPrefix, "inboxPrefix");
    if (reply == null || reply.length() <= inboxPrefix.length() + 1 || !reply.startsWith(inboxPrefix)
        || reply.charAt(inboxPrefix.length()) != '.') {
      return false;
    }
    for (int i = inboxPrefix.length() + 1; i < reply.length(); i++) {
      char c = reply.charAt(i);
      if (c <= ' ' || c == '*' || c == '>' || c > '~' || (c == '.' && (i == reply.length() - 1
          || reply.charAt(i + 1) == '.'))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a request may be answered: its reply subject is inside the requester's inbox. A
   * request whose reply subject is outside is kept in the quarantine with {@link
   * FailureReason#FOREIGN_REPLY} and counted here, before any work is done for it; one without a
   * reply subject is ignored.
   *
   * @param request the request as received
   * @param requesterInbox the inbox prefix of the requester (known from the subject it asked on,
   *     never from the request itself)
   * @return true if the request may be worked on and answered with {@link #answer}
   */
  public boolean admit(Message request, String requesterInbox) {
    Objects.requireNonNull(request, "request");
    String reply = request.getReplyTo();
    if (reply == null) {
      return false;
    }
    if (!insideInbox(reply, requesterInbox)) {
      refuse(request, requesterInbox);
      return false;
    }
    return true;
  }

  /**
   * Answers a request if its reply subject is inside the requester's inbox; otherwise keeps it
   * in the quarantine with {@link FailureReason#FOREIGN_REPLY} and counts it.
   *
   * @param request the request as received
   * @param requesterInbox the inbox prefix of the requester (known from the subject it asked on,
   *     never from the request itself)
   * @param answer the answer's bytes
   * @return whether the answer was published
   */
  public boolean answer(Message request, String requesterInbox, byte[] answer) {
    Objects.requireNonNull(answer, "answer");
    if (!admit(request, requesterInbox)) {
      return false;
    }
    answers.publish(request.getReplyTo(), answer);
    answered.incrementAndGet();
    return true;
  }

  private void refuse(Message request, String requesterInbox) {
    refused.incrementAndGet();
    String shown = request.getReplyTo().length() > MAX_SHOWN ? request.getReplyTo().substring(0, MAX_SHOWN) + "..."
        : request.getReplyTo();
    String detail = "reply subject '" + shown.replaceAll("[^!-~]", "?") + "' is outside the requester's inbox "
        + requesterInbox;
    byte[] body = request.getData() == null ? new byte[0] : request.getData();
    try {
      quarantine.refused("InboxResponder", body, request.getSubject(), FailureReason.FOREIGN_REPLY, detail,
          "reply-" + Long.toHexString(System.nanoTime()) + "-" + refused.get());
    } catch (IOException | JetStreamApiException | RuntimeException e) {
      LOG.warn("a request on {} with a foreign reply subject was refused and could not be quarantined ({})",
          request.getSubject(), e.getClass().getSimpleName());
    }
  }

  /** {@return how many requests were refused for a reply subject outside the requester's inbox} */
  public long refused() {
    return refused.get();
  }

  /** {@return how many requests were answered} */
  public long answered() {
    return answered.get();
  }
}
