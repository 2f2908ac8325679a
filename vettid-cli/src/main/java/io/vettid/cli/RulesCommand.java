package io.vettid.cli;

import static io.vettid.cli.Inputs.parseJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.RuleEndpoints;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vettid rules add | list | move | remove | test}: the owner's rules, in the order they are asked. */
@Command(name = "rules", mixinStandardHelpOptions = true,
    description = "The owner's rules: by event type (or pattern, such as chat.*), connection, peer, conditions on"
        + " payload fields and CEL expressions; first match wins; no match denies.",
    subcommands = {RulesCommand.Add.class, RulesCommand.ListAll.class, RulesCommand.Move.class, RulesCommand.Remove.class,
        RulesCommand.Test.class})
final class RulesCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = "Add (or replace, by id) a rule, as JSON or with options; it applies to the next event. Example:"
          + " vettid rules add --id chat --event-type chat.message --action handle --handler chat")
  static final class Add extends VaultRequest<RuleEndpoints.Add, RuleEndpoints.Added> {
    Add() {
      super(RuleEndpoints.ADD);
    }

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

    @Option(names = "--peer", description = "The peer's first name it matches (any case).")
    String peer;

    @Option(names = "--peer-key", paramLabel = "KEYID", description = "The peer's identity keyID it matches.")
    String peerKey;

    @Option(names = "--if", paramLabel = "CEL",
        description = "A condition in the Common Expression Language over type, eventId, connection, time, payload"
            + " and peer, such as: payload.amount < 100 && peer.name == 'Bob'.")
    String condition;

    @Option(names = "--action", description = "handle, reply, hold, drop or deny.")
    String action;

    @Option(names = "--handler", description = "The handler (for handle and reply).")
    String handler;

    @Option(names = "--reason", description = "The reason (for deny).")
    String reason;

    @Mixin RulePlacement place;

    @Override
    RuleEndpoints.Add request() {
      if (rule != null) {
        if (id != null || eventType != null || connection != null || peer != null || peerKey != null
            || condition != null || action != null || handler != null) {
          throw new IllegalArgumentException("give the rule as JSON or with options, not both");
        }
        JsonNode json = parseJson("the rule", rule);
        if (!json.isObject()) {
          throw new IllegalArgumentException("a rule is a JSON object with an 'id' (see: vettid rules add --help)");
        }
        return new RuleEndpoints.Add((ObjectNode) json, place.before, place.after, place.firstOrNull());
      }
      if (id == null || action == null) {
        throw new IllegalArgumentException("a rule needs --id and --action (or give it as JSON)");
      }
      ObjectNode o = VaultHome.JSON.createObjectNode().put("id", id);
      if (eventType != null) {
        o.put("eventType", eventType);
      }
      if (connection != null) {
        o.put("connectionId", connection);
      }
      if (peer != null) {
        o.put("peer", peer);
      }
      if (peerKey != null) {
        o.put("peerKeyId", peerKey);
      }
      if (condition != null) {
        o.put("if", condition);
      }
      o.put("action", action);
      if (handler != null) {
        o.put("handler", handler);
      }
      if (reason != null) {
        o.put("reason", reason);
      }
      return new RuleEndpoints.Add(o, place.before, place.after, place.firstOrNull());
    }

    @Override
    void print(RuleEndpoints.Added a, PrintStream out) {
      out.println((a.replaced() ? "replaced rule " : "added rule ") + a.id() + ", number " + a.position() + " of "
          + a.rules() + " (first match wins)");
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the rules, in the order they apply.")
  static final class ListAll extends VaultRequest<ControlEndpoint.None, RuleEndpoints.Listed> {
    ListAll() {
      super(RuleEndpoints.LIST);
    }

    @Override
    ControlEndpoint.None request() {
      return new ControlEndpoint.None();
    }

    @Override
    void print(RuleEndpoints.Listed a, PrintStream out) {
      for (int i = 0; i < a.rules().size(); i++) {
        out.println((i + 1) + ". " + a.rules().get(i).toString());
      }
      out.println("(asked in this order, the first that matches decides; anything no rule matches is denied)");
    }
  }

  @Command(name = "move", mixinStandardHelpOptions = true,
      description = "Move a rule: first, last, or before or after another one (first match wins). Example:"
          + " vettid rules move deny-carol --before chat")
  static final class Move extends VaultRequest<RuleEndpoints.Move, RuleEndpoints.Moved> {
    @Parameters(paramLabel = "ID", description = "The rule's id.")
    String id;

    @Mixin RulePlacement place;

    @Option(names = "--last", description = "Last: it is asked after every other rule.")
    boolean last;

    Move() {
      super(RuleEndpoints.MOVE);
    }

    @Override
    RuleEndpoints.Move request() {
      return new RuleEndpoints.Move(id, place.before, place.after, place.firstOrNull(), last ? Boolean.TRUE : null);
    }

    @Override
    void print(RuleEndpoints.Moved a, PrintStream out) {
      out.println("moved rule " + a.id() + " to number " + a.position() + " of " + a.rules());
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a rule by its id.")
  static final class Remove extends VaultRequest<ControlEndpoint.ById, RuleEndpoints.Removed> {
    @Parameters(paramLabel = "ID", description = "The rule's id.")
    String id;

    Remove() {
      super(RuleEndpoints.REMOVE);
    }

    @Override
    ControlEndpoint.ById request() {
      return new ControlEndpoint.ById(id);
    }

    @Override
    void print(RuleEndpoints.Removed a, PrintStream out) {
      out.println("removed rule " + a.removed() + " (" + a.rules() + " rules)");
    }
  }

  @Command(name = "test", mixinStandardHelpOptions = true,
      description = "Dry-run an event against the rules: why each rule before the deciding one did not match, and"
          + " the decision; nothing is sent or handled.")
  static final class Test extends VaultRequest<RuleEndpoints.Test, RuleEndpoints.Verdict> {
    @Parameters(index = "0", paramLabel = "TYPE", description = "The event type.")
    String type;

    @Parameters(index = "1", paramLabel = "PAYLOAD", arity = "0..1", defaultValue = "{}",
        description = "The payload, a JSON object (default {}).")
    String payload;

    @Option(names = "--from", paramLabel = "CONNECTION", description = "The connection id or peer it comes from.")
    String from;

    Test() {
      super(RuleEndpoints.TEST);
    }

    @Override
    RuleEndpoints.Test request() {
      JsonNode p = parseJson("the payload", payload);
      if (!p.isObject()) {
        throw new IllegalArgumentException("the payload must be a JSON object, such as {\"text\": \"hi\"}");
      }
      return new RuleEndpoints.Test(type, (ObjectNode) p, from);
    }

    @Override
    void print(RuleEndpoints.Verdict a, PrintStream out) {
      for (int i = 0; i < a.asked().size(); i++) {
        RuleEndpoints.Asked r = a.asked().get(i);
        out.println((i + 1) + ". " + r.rule() + (r.matched() ? ": matches" : ": no, " + r.reason()));
      }
      if (!a.asked().isEmpty() && a.rule() == null) {
        out.println("no rule matches");
      }
      out.println(a.action() + (a.rule() != null ? " by rule " + a.rule() : "")
          + (a.handler() != null ? " with handler " + a.handler() : "") + " (" + a.reason() + ")");
    }
  }
}
