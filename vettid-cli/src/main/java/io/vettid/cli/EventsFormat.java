package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** One readable line per settled event (ids, types, outcomes; never payloads). */
final class EventsFormat {
  private EventsFormat() {}

  static String line(JsonNode n) {
    String peer = n.path("peer").asText("?");
    String from = "?".equals(peer) ? n.path("connection").asText("?") : peer + " (" + n.path("connection").asText() + ")";
    StringBuilder b = new StringBuilder()
        .append(n.path("time").asText()).append("  ")
        .append(String.format("%-11s", n.path("outcome").asText())).append(' ')
        // a refusal before the Manager (an Event Watcher, the handshake inbox, the profile
        // responder) has no type: the stage that refused it is shown instead
        .append("?".equals(n.path("type").asText("?")) ? "(at " + n.path("service").asText("?") + ")"
            : n.path("type").asText()).append("  from ").append(from)
        .append("  event ").append(n.path("eventId").asText());
    if (n.hasNonNull("reason")) {
      b.append("  reason ").append(n.get("reason").asText());
    }
    if (n.hasNonNull("detail")) {
      b.append("  (").append(n.get("detail").asText()).append(')');
    }
    return b.toString();
  }
}
