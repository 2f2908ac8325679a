package io.vettid.runtime.client;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * One endpoint of a running vault's control service (a NATS service, {@value #SERVICE_NAME}, on
 * the jnats Service API): its verb group and verb, its subject {@code
 * Manager.Control.<group>.<verb>}, and the types of its request and its answer, each a record
 * carried as a JSON object (PROTOCOL.md section 9). The vault daemon serves every endpoint of
 * {@link #all()}; {@link VaultClient#call} asks one.
 *
 * <pre>{@code
 * RuleEndpoints.Verdict verdict = vault.call(RuleEndpoints.TEST,
 *     new RuleEndpoints.Test("chat.message", JsonNodeFactory.instance.objectNode(), null));
 * }</pre>
 *
 * <p>A refusal is an answer without a body and with the service API's standard error headers,
 * {@code Nats-Service-Error} (what failed and what to do next) and {@code Nats-Service-Error-Code}
 * ({@link #MALFORMED}, {@link #NOT_FOUND}, {@link #REFUSED} or {@link #FAILED}).
 *
 * @param <Q> the request type
 * @param <R> the answer type
 * @param group the verb group, a lowercase token such as {@code rules}
 * @param verb the verb, a lowercase token such as {@code add}
 * @param requestType the request's record type
 * @param answerType the answer's record type
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record ControlEndpoint<Q, R>(String group, String verb, Class<Q> requestType, Class<R> answerType) {
  /** The control service's name, as NATS service discovery ({@code nats micro ls}) shows it. */
  public static final String SERVICE_NAME = "vettid-vault";
  /** Error code: the request is not what the endpoint takes (the command line exits with 2). */
  public static final int MALFORMED = 400;
  /** Error code: what the request names does not exist (a connection, a rule, a held event). */
  public static final int NOT_FOUND = 404;
  /** Error code: the vault refused (the state does not allow it, a check failed). */
  public static final int REFUSED = 409;
  /** Error code: the vault failed doing it. */
  public static final int FAILED = 500;

  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .serializationInclusion(JsonInclude.Include.NON_NULL).build();

  /** A request without members: {@code {}}. */
  public record None() {}

  /**
   * A request naming one thing by its id.
   *
   * @param id the id
   */
  public record ById(String id) {
    /**
     * Validates.
     *
     * @param id the record component {@code id}
     */
    public ById {
      required(id, "id");
    }
  }

  /**
   * A request naming one connection.
   *
   * @param connection the connection id, or the peer's first name when only one connection has it
   */
  public record ByConnection(String connection) {
    /**
     * Validates.
     *
     * @param connection the record component {@code connection}
     */
    public ByConnection {
      required(connection, "connection");
    }
  }

  /**
   * A request naming an EventSpace.
   *
   * @param eventSpace the EventSpace, or null for the vault's first
   */
  public record ByEventSpace(String eventSpace) {}

  /**
   * Validates.
   *
   * @param group the record component {@code group}
   * @param verb the record component {@code verb}
   * @param requestType the record component {@code requestType}
   * @param answerType the record component {@code answerType}
   */
  public ControlEndpoint {
    Objects.requireNonNull(requestType, "requestType");
    Objects.requireNonNull(answerType, "answerType");
    Subjects.controlEndpoint(group, verb); // a lowercase token each
  }

  static <Q, R> ControlEndpoint<Q, R> of(String group, String verb, Class<Q> requestType, Class<R> answerType) {
    return new ControlEndpoint<>(group, verb, requestType, answerType);
  }

  /** {@return the endpoint's subject, {@code Manager.Control.<group>.<verb>}} */
  public String subject() {
    return Subjects.controlEndpoint(group, verb).value();
  }

  /** {@return the endpoint's name in the service, {@code <group>-<verb>}} */
  public String name() {
    return group + "-" + verb;
  }

  /** {@return the verb as PROTOCOL.md names it, {@code <group>.<verb>}} */
  public String qualifiedVerb() {
    return group + "." + verb;
  }

  /**
   * Encodes a request or an answer of this endpoint.
   *
   * @param value the request or answer
   * @return its JSON bytes
   */
  public byte[] encode(Object value) {
    Objects.requireNonNull(value, "value");
    if (!requestType.isInstance(value) && !answerType.isInstance(value)) {
      throw new IllegalArgumentException(value.getClass().getSimpleName() + " is neither the request nor the answer of "
          + qualifiedVerb());
    }
    try {
      return JSON.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
    }
  }

  /**
   * Decodes a request; an empty body is the empty object.
   *
   * @param body the request's bytes
   * @return the request
   * @throws IllegalArgumentException if the body is not this endpoint's request (the message names
   *     what is wrong)
   */
  public Q decodeRequest(byte[] body) {
    return decode(body, requestType);
  }

  /**
   * Decodes an answer.
   *
   * @param body the answer's bytes
   * @return the answer
   * @throws IllegalArgumentException if the body is not this endpoint's answer
   */
  public R decodeAnswer(byte[] body) {
    return decode(body, answerType);
  }

  private <T> T decode(byte[] body, Class<T> type) {
    byte[] json = body == null || body.length == 0 ? new byte[] {'{', '}'} : body;
    try {
      T value = JSON.readValue(json, type);
      if (value == null) {
        throw new IllegalArgumentException(qualifiedVerb() + " takes a JSON object, not null");
      }
      return value;
    } catch (IOException e) {
      Throwable cause = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause() : e;
      String why = cause instanceof JsonProcessingException j ? j.getOriginalMessage() : cause.getMessage();
      throw new IllegalArgumentException("not a " + qualifiedVerb() + " " + (type == requestType ? "request" : "answer")
          + ": " + why, e);
    }
  }

  /**
   * Every endpoint of the control service, in PROTOCOL.md's order.
   *
   * @return the endpoints
   */
  public static List<ControlEndpoint<?, ?>> all() {
    return List.of(VaultEndpoints.STATUS, VaultEndpoints.STOP,
        EventSpaceEndpoints.CREATE, EventSpaceEndpoints.LIST,
        ProfileEndpoints.PUBLISH, ProfileEndpoints.SHOW,
        InvitationEndpoints.CREATE, InvitationEndpoints.CONFIRM, InvitationEndpoints.PENDING,
        InvitationEndpoints.APPROVE, InvitationEndpoints.DECLINE,
        AcceptanceEndpoints.START, AcceptanceEndpoints.COMPLETE,
        ConnectionEndpoints.LIST, ConnectionEndpoints.SHOW, ConnectionEndpoints.REVOKE, ConnectionEndpoints.BLOCK, ConnectionEndpoints.UNBLOCK,
        ConnectionEndpoints.SEND, ConnectionEndpoints.MIGRATE,
        RuleEndpoints.LIST, RuleEndpoints.ADD, RuleEndpoints.MOVE, RuleEndpoints.REMOVE, RuleEndpoints.TEST,
        InboxEndpoints.LIST, InboxEndpoints.APPROVE, InboxEndpoints.DENY,
        KeyEndpoints.LIST, KeyEndpoints.ROTATE, KeyEndpoints.ROTATE_IDENTITY,
        QuarantineEndpoints.LIST, QuarantineEndpoints.REPLAY,
        EventEndpoints.RECENT, EventEndpoints.SHOW, EventEndpoints.FEED, EventEndpoints.DELETE, EventEndpoints.PURGE,
        AuditEndpoints.VERIFY);
  }

  /** Refuses a missing or empty text member of a request. */
  static String required(String value, String member) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("the request needs '" + member + "'");
    }
    return value;
  }
}
