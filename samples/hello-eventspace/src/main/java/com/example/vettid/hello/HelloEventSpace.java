package com.example.vettid.hello;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vettid.api.EventId;
import io.vettid.api.EventType;
import io.vettid.runtime.client.VaultClient;
import java.nio.file.Path;

/**
 * Sends a chat message into the EventSpace of one of your connections. Your vault does the work:
 * it seals the event to the connection's key (keyID, signature, AES-256-GCM) and deposits it on the
 * peer's server, where only that connection's NATS user may publish.
 *
 * <pre>{@literal
 * vettid --home alice server start --detach      # your vault, connected to Bob (see the README)
 * java -cp ... com.example.vettid.hello.HelloEventSpace alice Bob "hello from my program"
 * }</pre>
 */
public final class HelloEventSpace {
  private HelloEventSpace() {}

  /**
   * Sends {@code chat.message} with the text to a connection.
   *
   * @param home your vault's home directory
   * @param to the connection id, or the peer's first name
   * @param text the message
   * @return the event's id
   * @throws Exception if the vault is not running or refuses (its message says what to do)
   */
  public static EventId send(Path home, String to, String text) throws Exception {
    try (VaultClient vault = VaultClient.open(home)) {
      return vault.send(to, EventType.of("chat.message"), JsonNodeFactory.instance.objectNode().put("text", text));
    }
  }

  /**
   * Runs the sample.
   *
   * @param args home, connection, text
   * @throws Exception if it fails
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: HelloEventSpace <vault home> <connection or peer name> <text>");
      System.exit(2);
    }
    System.out.println("sent event " + send(Path.of(args[0]), args[1], args[2]) + " to " + args[1]);
  }
}
