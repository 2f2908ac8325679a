package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;

/** Lists the held events: {@code vettid inbox} and {@code vettid inbox list}. */
abstract class InboxListing extends VaultRequest {
  @Override
  ObjectNode request() {
    return VaultRequest.verb("inbox.list");
  }

  @Override
  void print(JsonNode a, PrintStream out) {
    if (a.path("held").isEmpty()) {
      out.println("nothing waits for your approval");
    }
    a.path("held").forEach(h -> out.println(h.path("id").asText() + "  " + h.path("type").asText() + " from "
        + h.path("from").asText() + "  (rule " + h.path("rule").asText() + ", " + h.path("heldAt").asText()
        + (h.path("approved").asBoolean() ? ", approved" : "") + ")"));
  }
}
