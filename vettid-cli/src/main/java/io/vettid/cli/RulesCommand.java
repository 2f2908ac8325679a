package io.vettid.cli;

import static io.vettid.cli.Inputs.parseJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vettid rules add | list | remove | test}: the owner's rules. */
@Command(name = "rules", mixinStandardHelpOptions = true,
    description = "The owner's rules: by event type and/or connection, with conditions on payload fields; first"
        + " match wins; no match denies.",
    subcommands = {RulesCommand.Add.class, RulesCommand.ListAll.class, RulesCommand.Remove.class, RulesCommand.Test.class})
final class RulesCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Add (or replace, by id) a rule, as JSON or with options; it applies to the next event. Example:"
          + " vettid rules add --id chat --event-type chat.message --action handle --handler chat")
  static final class Add extends VaultRequest {
    @Parameters(paramLabel = "RULE", arity = "0..1",
        description = "The rule as a JSON object, such as {\"id\":\"chat\",\"eventType\":\"chat.message\","
            + "\"action\":\"handle\",\"handler\":\"chat\"}.")
    String rule;

    @Option(names = "--id", description = "The rule's id.")
    String id;

    @Option(names = "--event-type", description = "The event type it matches.")
    String eventType;

    @Option(names = "--connection", description = "The connection id it matches.")
    String connection;

    @Option(names = "--action", description = "handle, reply, hold, drop or deny.")
    String action;

    @Option(names = "--handler", description = "The handler (for handle and reply).")
    String handler;

    @Option(names = "--reason", description = "The reason (for deny).")
    String reason;

    @Override
    ObjectNode request() {
      ObjectNode r = VaultRequest.verb("rules.add");
      if (rule != null) {
        if (id != null || eventType != null || connection != null || action != null || handler != null) {
          throw new IllegalArgumentException("give the rule as JSON or with options, not both");
        }
        r.set("rule", parseJson("the rule", rule));
        return r;
      }
      if (id == null || action == null) {
        throw new IllegalArgumentException("a rule needs --id and --action (or give it as JSON)");
      }
      ObjectNode o = r.putObject("rule").put("id", id);
      if (eventType != null) {
        o.put("eventType", eventType);
      }
      if (connection != null) {
        o.put("connectionId", connection);
      }
      o.put("action", action);
      if (handler != null) {
        o.put("handler", handler);
      }
      if (reason != null) {
        o.put("reason", reason);
      }
      return r;
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println((a.path("replaced").asBoolean() ? "replaced rule " : "added rule ") + a.path("id").asText() + " ("
          + a.path("rules").asInt() + " rules)");
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the rules, in the order they apply.")
  static final class ListAll extends VaultRequest {
    @Override
    ObjectNode request() {
      return VaultRequest.verb("rules.list");
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      a.path("rules").forEach(r -> out.println(r.toString()));
      out.println("(anything no rule matches is denied)");
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a rule by its id.")
  static final class Remove extends VaultRequest {
    @Parameters(paramLabel = "ID", description = "The rule's id.")
    String id;

    @Override
    ObjectNode request() {
      return VaultRequest.verb("rules.remove").put("id", id);
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println("removed rule " + a.path("removed").asText() + " (" + a.path("rules").asInt() + " rules)");
    }
  }

  @Command(name = "test", mixinStandardHelpOptions = true,
      description = "Dry-run an event against the rules and show the decision; nothing is sent or handled.")
  static final class Test extends VaultRequest {
    @Parameters(index = "0", paramLabel = "TYPE", description = "The event type.")
    String type;

    @Parameters(index = "1", paramLabel = "PAYLOAD", arity = "0..1", defaultValue = "{}",
        description = "The payload, a JSON object (default {}).")
    String payload;

    @Option(names = "--from", paramLabel = "CONNECTION", description = "The connection id or peer it comes from.")
    String from;

    @Override
    ObjectNode request() {
      ObjectNode r = VaultRequest.verb("rules.test").put("type", type);
      if (from != null) {
        r.put("connection", from);
      }
      r.set("payload", parseJson("the payload", payload));
      return r;
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println(a.path("action").asText() + (a.has("rule") ? " by rule " + a.path("rule").asText() : "")
          + (a.has("handler") ? " with handler " + a.path("handler").asText() : "") + " (" + a.path("reason").asText()
          + ")");
    }
  }
}
