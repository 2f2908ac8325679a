package io.vettid.runtime.service;

import io.nats.client.JetStreamApiException;
import io.vettid.api.Decision;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.InternalEvent;
import io.vettid.api.spi.EventHandlerFactory;
import io.vettid.api.spi.RuleEngine;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What becomes of a decoded event whose source was checked: a duplicate of a committed one, or
 * what the owner's rules (or her approval) and the handlers say: quarantine, drop, hold, or run a
 * named handler. It decides (and counts the owner's approvals it finds) and changes nothing; the
 * service carries the {@link Verdict} out.
 * Default deny: no handler, no rule, a rule engine that fails, a handler that does not declare the
 * type, or one that already finished, each quarantines.
 */
final class Admission {
  // the service's own log: these are its events
  private static final Logger LOG = LoggerFactory.getLogger(EventService.class);

  private final String service;
  private final HandlerRegistry handlers;
  private final RuleEngine rules;
  private final EventServiceBuilder.SupportedTypes supported;
  private final HeldEvents inbox;
  private final RuntimeCounters counters;

  Admission(String service, HandlerRegistry handlers, RuleEngine rules, HeldEvents inbox, RuntimeCounters counters,
      EventServiceBuilder.SupportedTypes supported) {
    this.supported = supported;
    this.service = service;
    this.handlers = handlers;
    this.rules = rules;
    this.inbox = inbox;
    this.counters = counters;
  }

  /** What becomes of one event. */
  sealed interface Verdict {}

  /**
   * Refused: kept in the quarantine with its reason.
   *
   * @param reason the reason
   * @param detail what failed
   */
  record Quarantine(FailureReason reason, String detail) implements Verdict {}

  /**
   * A rule dropped it: counted, not kept.
   *
   * @param reason the rule's reason
   */
  record Drop(String reason) implements Verdict {}

  /**
   * A rule holds it for the owner's approval.
   *
   * @param ruleId the rule
   * @param reason the rule's reason
   */
  record Hold(String ruleId, String reason) implements Verdict {}

  /** It was committed before (a redelivery): its outbox goes out again, nothing runs. */
  record Duplicate() implements Verdict {}

  /**
   * Its handler runs.
   *
   * @param factory the handler's factory
   */
  record Run(EventHandlerFactory factory) implements Verdict {}

  /**
   * Decides one event. One that came through an EventSpace, of a type the EventSpace does not list
   * and that no rule matched, is quarantined as {@code UNSUPPORTED_EVENT_TYPE} rather than {@code
   * NO_MATCHING_RULE}.
   *
   * @param event the decoded event
   * @param key its message key ({@link MessageKeys})
   * @param approved the approval mark it carries (an inbox id), or null
   * @param rec its eventId's handled-once record, or null
   * @param eventSpace the EventSpace it came through, or null
   * @return the verdict
   * @throws IOException if the inbox cannot be read (the event comes back)
   */
  Verdict decide(InternalEvent event, String key, String approved, HandledOnceRecord rec, String eventSpace)
      throws IOException, JetStreamApiException {
    if (rec != null && rec.done.contains(key)) {
      return new Duplicate();
    }
    EventHandlerFactory factory;
    if (approved != null) {
      if (!approved.equals(key) || !inbox.isApproved(approved)) {
        return new Quarantine(FailureReason.DENIED_BY_RULE, "approval mark without an approved inbox entry");
      }
      Optional<EventHandlerFactory> f = rec != null ? handlers.byName(rec.handler)
          : handlers.forType(event.type()).stream().findFirst();
      if (f.isEmpty()) {
        return new Quarantine(FailureReason.UNKNOWN_EVENT_TYPE, "no handler for " + event.type());
      }
      factory = f.get();
      counters.approved();
    } else {
      if (handlers.forType(event.type()).isEmpty()) {
        return new Quarantine(FailureReason.UNKNOWN_EVENT_TYPE, "no handler declares " + event.type());
      }
      Decision d = rulesOn(event);
      switch (d.action()) {
        case DENY:
          if (d.failureReason().orElse(null) == FailureReason.NO_MATCHING_RULE && unlisted(eventSpace, event)) {
            return new Quarantine(FailureReason.UNSUPPORTED_EVENT_TYPE, "EventSpace " + eventSpace
                + " does not list " + event.type() + ", and no rule allows it");
          }
          return new Quarantine(d.failureReason().orElse(FailureReason.DENIED_BY_RULE), d.reason());
        case DROP:
          return new Drop(d.reason());
        case HOLD:
          return new Hold(d.ruleId().orElse("?"), d.reason());
        default:
          break;
      }
      String handlerName = rec != null ? rec.handler : d.handler().orElseThrow();
      Optional<EventHandlerFactory> f = handlers.byName(handlerName);
      if (f.isEmpty()) {
        return new Quarantine(FailureReason.UNKNOWN_EVENT_TYPE, "no handler named " + handlerName);
      }
      factory = f.get();
    }
    EventType type = event.type();
    if (!factory.eventTypes().contains(type)) {
      return new Quarantine(FailureReason.UNKNOWN_EVENT_TYPE, "handler " + factory.name() + " does not declare " + type);
    }
    if (rec != null && rec.finished) {
      return new Quarantine(FailureReason.HANDLER_FINISHED, "handler " + rec.handler + " already finished");
    }
    return new Run(factory);
  }

  /** Whether the EventSpace's profile does not list the event's type (false when it is not known). */
  private boolean unlisted(String eventSpace, InternalEvent event) {
    if (eventSpace == null || supported == null) {
      return false;
    }
    try {
      return supported.lists(eventSpace, event.type()).map(listed -> !listed).orElse(false);
    } catch (RuntimeException e) {
      return false; // the event is denied either way; only the reason would change
    }
  }

  /** The rules' decision; a rule engine that fails or answers nothing denies. */
  private Decision rulesOn(InternalEvent event) {
    try {
      Decision d = rules.evaluate(event);
      return d == null ? Decision.defaultDeny() : d;
    } catch (RuntimeException e) {
      LOG.warn("{}: the rule engine failed on {} ({}); denying", service, event.eventId(), e.getClass().getSimpleName());
      return Decision.deny("rule-engine-error", "the rule engine failed: " + e.getClass().getSimpleName());
    }
  }
}
