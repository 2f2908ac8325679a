package io.vettid.cli;

import static io.vettid.cli.Inputs.parseJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.runtime.client.ConnectionEndpoints;
import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vettid send}: one event to a connection. */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = "Send an event to a connection, sealed to its key: vettid send Bob chat.message '{\"text\":\"hi\"}'")
final class SendCommand extends VaultRequest<ConnectionEndpoints.Send, ConnectionEndpoints.Sent> {
  @Parameters(index = "0", paramLabel = "TO", description = "The connection id, or the peer's name.")
  String to;

  @Parameters(index = "1", paramLabel = "TYPE", description = "The event type, such as chat.message.")
  String type;

  @Parameters(index = "2", paramLabel = "PAYLOAD", arity = "0..1", defaultValue = "{}",
      description = "The payload, a JSON object (default {}).")
  String payload;

  SendCommand() {
    super(ConnectionEndpoints.SEND);
  }

  @Override
  ConnectionEndpoints.Send request() {
    JsonNode p = parseJson("the payload", payload);
    if (!p.isObject()) {
      throw new IllegalArgumentException("the payload must be a JSON object, such as {\"text\": \"hi\"}");
    }
    return new ConnectionEndpoints.Send(to, type, (ObjectNode) p);
  }

  @Override
  void print(ConnectionEndpoints.Sent a, PrintStream out) {
    out.println("sent " + type + " to " + a.peer() + " (event " + a.eventId() + ")");
  }
}
