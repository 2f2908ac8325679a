package io.vettid.runtime;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.KeyValue;
import io.vettid.api.ConnectionId;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.service.InboxResponder;

/**
 * Answers each connection's profile request with the EventSpace's signed profile: a connection
 * asks on its own subject ({@code subscriber.<guid>.<es>.profile.<connectionId>}), so the answer
 * goes only into that connection's inbox ({@link InboxResponder}); a request whose reply subject
 * is elsewhere is kept and counted before the profile is even read, so it costs no read and is
 * refused even while no profile is published.
 */
final class ProfileAnswers {
  private final Connection peers;
  private final InboxResponder responder;
  private final KeyValue profiles;

  /**
   * @param peers the connection in the EventSpace account (its user may publish only answers into
   *     connection inboxes)
   * @param responder answers only inside the requester's inbox
   * @param profiles the {@code Profiles} bucket, by EventSpace
   */
  ProfileAnswers(Connection peers, InboxResponder responder, KeyValue profiles) {
    this.peers = peers;
    this.responder = responder;
    this.profiles = profiles;
  }

  /** Answers the profile requests of one EventSpace from now on. */
  void serve(String subscriberGuid, String eventSpace) {
    String asked = Subjects.profilesOf(subscriberGuid, eventSpace);
    Dispatcher d = peers.createDispatcher(msg -> {
      String requester = msg.getSubject().substring(asked.length() - 1);
      String inbox = Subjects.inbox(subscriberGuid, eventSpace, ConnectionId.of(requester)).value();
      if (responder.admit(msg, inbox)) {
        BuiltInHandlers.readBytes(profiles, eventSpace).ifPresent(bytes -> responder.answer(msg, inbox, bytes));
      }
    });
    d.subscribe(asked);
  }

  /** {@return how many requests were refused for a reply subject outside the requester's inbox} */
  long refused() {
    return responder.refused();
  }
}
