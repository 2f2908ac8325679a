package io.vettid.rules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelException;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.vettid.api.InternalEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A rule's {@code "if"}: a boolean expression in the Common Expression Language (CEL), type-checked
 * when the rule is parsed, evaluated under a cost and time limit. Variables: {@code type}, {@code
 * eventId}, {@code connection} (strings), {@code time} (timestamp), {@code payload} (map of the
 * payload's fields) and {@code peer} ({@code name} and {@code keyId}, empty text when unknown).
 */
final class CelCondition {
  /** The longest expression accepted, in code points. */
  static final int MAX_LENGTH = 2048;
  /** At most this many evaluation steps per expression and event; more is a failure (a deny). */
  static final int MAX_STEPS = 10_000;
  /** At most this long per expression and event; longer is a failure (a deny). */
  static final long MAX_NANOS = 1_000_000_000L;
  /** At most this many iterations of macros (all, exists, map, filter) per expression and event. */
  static final int MAX_ITERATIONS = 1000;

  private static final CelOptions OPTIONS = CelOptions.current()
      .maxExpressionCodePointSize(MAX_LENGTH)
      .maxParseRecursionDepth(64)
      .comprehensionMaxIterations(MAX_ITERATIONS)
      .maxRegexProgramSize(256)
      .build();
  private static final CelCompiler COMPILER;
  private static final CelRuntime RUNTIME;

  static {
    Module own = CelCondition.class.getModule();
    if (own.isNamed()) {
      // CEL's jars are not modules (they split packages): on the module path, read them on the class path
      own.addReads(CelCondition.class.getClassLoader().getUnnamedModule());
    }
    COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
        .setOptions(OPTIONS)
        .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
        .addVar("type", SimpleType.STRING)
        .addVar("eventId", SimpleType.STRING)
        .addVar("connection", SimpleType.STRING)
        .addVar("time", SimpleType.TIMESTAMP)
        .addVar("payload", MapType.create(SimpleType.STRING, SimpleType.DYN))
        .addVar("peer", MapType.create(SimpleType.STRING, SimpleType.STRING))
        .build();
    RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();
  }

  private final String source;
  private final CelRuntime.Program program;

  private CelCondition(String source, CelRuntime.Program program) {
    this.source = source;
    this.program = program;
  }

  /**
   * Parses and type-checks an expression.
   *
   * @param source the expression
   * @param where the rule, for the error
   * @return the condition
   * @throws RuleValidationException naming the rule and the position, if it does not compile to a bool
   */
  static CelCondition compile(String source, String where) throws RuleValidationException {
    if (source.isBlank()) {
      throw new RuleValidationException(where + ": field 'if' must be a CEL expression, such as payload.amount < 100");
    }
    if (source.codePointCount(0, source.length()) > MAX_LENGTH) {
      throw new RuleValidationException(where + ": field 'if' is longer than " + MAX_LENGTH + " characters");
    }
    CelAbstractSyntaxTree ast;
    try {
      ast = COMPILER.compile(source).getAst();
    } catch (CelValidationException e) {
      throw new RuleValidationException(where + ": field 'if' " + position(e));
    } catch (RuntimeException e) {
      throw new RuleValidationException(where + ": field 'if' is not a valid CEL expression");
    }
    if (!ast.getResultType().equals(SimpleType.BOOL)) {
      throw new RuleValidationException(where + ": field 'if' must be true or false, but its type is "
          + ast.getResultType().name());
    }
    try {
      return new CelCondition(source, RUNTIME.createProgram(ast));
    } catch (CelException | RuntimeException e) {
      throw new RuleValidationException(where + ": field 'if' cannot be evaluated (" + e.getClass().getSimpleName() + ")");
    }
  }

  /** The first error of a failed compilation, with its line and column (CEL's own message). */
  private static String position(CelValidationException e) {
    if (!e.getErrors().isEmpty()) {
      var first = e.getErrors().get(0);
      var at = first.getSourceLocation();
      String line = at.getLine() > 0 ? " at line " + at.getLine() + ", column " + (at.getColumn() + 1) : "";
      return "does not compile" + line + ": " + first.getMessage();
    }
    return "does not compile: " + e.getMessage();
  }

  /** {@return the expression as written} */
  String source() {
    return source;
  }

  /**
   * Evaluates the expression for an event.
   *
   * @param vars the event's variables ({@link #variables})
   * @return whether it is true
   * @throws Failed if the evaluation failed, took too many steps or too long; the message holds no
   *     payload value
   */
  boolean test(Map<String, Object> vars) throws Failed {
    long start = System.nanoTime();
    int[] steps = {0};
    Object result;
    try {
      result = program.trace(vars, (expr, value) -> {
        if (++steps[0] > MAX_STEPS) {
          throw new Budget("took more than " + MAX_STEPS + " evaluation steps");
        }
        if (System.nanoTime() - start > MAX_NANOS) {
          throw new Budget("took longer than " + MAX_NANOS / 1_000_000_000 + " s");
        }
      });
    } catch (Budget b) {
      throw new Failed(b.getMessage());
    } catch (CelException e) {
      // CEL's message may quote a payload value ("For input string: ..."): only its code is kept
      Throwable cause = e.getCause();
      if (cause instanceof Budget b) {
        throw new Failed(b.getMessage());
      }
      if (e.getErrorCode() == dev.cel.common.CelErrorCode.ITERATION_BUDGET_EXCEEDED) {
        throw new Failed("went over its cost limit (" + MAX_ITERATIONS + " iterations of macros such as all or exists)");
      }
      throw new Failed("failed (" + e.getErrorCode() + ")");
    } catch (RuntimeException e) {
      throw new Failed("failed (" + e.getClass().getSimpleName() + ")");
    }
    if (!(result instanceof Boolean b)) {
      throw new Failed("did not give true or false");
    }
    return b;
  }

  /**
   * The variables of one event, made once per event and shared by every rule.
   *
   * @param event the event
   * @param peer the peer's name and keyID, or null if unknown
   * @return the variables
   */
  static Map<String, Object> variables(InternalEvent event, PeerDirectory.Peer peer) {
    Map<String, Object> vars = new HashMap<>();
    vars.put("type", event.type().value());
    vars.put("eventId", event.eventId().value());
    vars.put("connection", event.connectionId().value());
    vars.put("time", event.timestamp());
    vars.put("payload", value(event.payload()));
    // an unknown peer has empty name and keyId: peer.name == 'Bob' is false, not a failure
    vars.put("peer", peer == null ? Map.of("name", "", "keyId", "")
        : Map.of("name", peer.name(), "keyId", peer.identityKeyId()));
    return vars;
  }

  /** A JSON value as CEL sees it: objects as maps, arrays as lists, integers as int (or double if too large). */
  private static Object value(JsonNode n) {
    if (n.isObject()) {
      Map<String, Object> m = new HashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        m.put(e.getKey(), value(e.getValue()));
      }
      return m;
    }
    if (n.isArray()) {
      List<Object> l = new ArrayList<>(n.size());
      n.forEach(v -> l.add(value(v)));
      return l;
    }
    if (n.isTextual()) {
      return n.textValue();
    }
    if (n.isBoolean()) {
      return n.booleanValue();
    }
    if (n.isIntegralNumber()) {
      return n.canConvertToLong() ? (Object) n.longValue() : (Object) n.doubleValue();
    }
    if (n.isNumber()) {
      return n.doubleValue();
    }
    return NullValue.NULL_VALUE;
  }

  /** An expression that failed for one event; the rule denies it. */
  static final class Failed extends Exception {
    private static final long serialVersionUID = 1L;

    Failed(String message) {
      super(message, null, false, false);
    }
  }

  /** Thrown from the evaluation listener to stop an evaluation over its budget. */
  private static final class Budget extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Budget(String message) {
      super(message, null, false, false);
    }
  }
}
