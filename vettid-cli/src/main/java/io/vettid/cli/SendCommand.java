package io.vettid.cli;

import static io.vettid.cli.Inputs.parseJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vettid send}: one event to a connection. */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = "Send an event to a connection, sealed to its key: vettid send Bob chat.message '{\"text\":\"hi\"}'")
final class SendCommand extends VaultRequest {
  @Parameters(index = "0", paramLabel = "TO", description = "The connection id, or the peer's name.")
  String to;

  @Parameters(index = "1", paramLabel = "TYPE", description = "The event type, such as chat.message.")
  String type;

  @Parameters(index = "2", paramLabel = "PAYLOAD", arity = "0..1", defaultValue = "{}",
      description = "The payload, a JSON object (default {}).")
  String payload;

  @Override
  ObjectNode request() {
    ObjectNode r = VaultRequest.verb("send").put("to", to).put("type", type);
    JsonNode p = parseJson("the payload", payload);
    if (!p.isObject()) {
      throw new IllegalArgumentException("the payload must be a JSON object, such as {\"text\": \"hi\"}");
    }
    r.set("payload", p);
    return r;
  }

  @Override
  void print(JsonNode a, PrintStream out) {
    out.println("sent " + type + " to " + a.path("peer").asText() + " (event " + a.path("eventId").asText() + ")");
  }
}
