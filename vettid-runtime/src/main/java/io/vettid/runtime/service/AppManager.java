package io.vettid.runtime.service;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import io.vettid.api.EventType;
import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apiguardian.api.API;

/**
 * Apps registered to a vault. An app (the owner's calendar, a bot, an integration) gets its own
 * NATS user in the vault's account that may publish only to {@code AppManager.Queue.<appId>} and
 * subscribe only to its inbox {@code AppManager.Inbox.<appId>.>}; the AppManager service consumes
 * those queues like the Manager consumes its own (rules, handlers by eventId, quarantine). An
 * event is refused unless it comes from a registered app, names that app as its {@code
 * connectionId} ({@link FailureReason#MALFORMED} otherwise), and has a type the app was registered
 * for ({@link FailureReason#DENIED_BY_RULE}). A revoked app's events are refused at once ({@link
 * FailureReason#CONNECTION_REVOKED}); push the account to the server to close its connections.
 *
 * <pre>{@code
 * AppManager apps = new AppManager(nc, vaultAccount);
 * AppManager.App app = apps.register("calendar", Set.of(EventType.of("calendar.invite")));
 * EventService service = apps.service().handlers(HandlerRegistry.of(new MyHandlerFactory())).rules(rules).build();
 * // the app connects with app.credentials() and inboxPrefix(Subjects.appInbox(app.id()))
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class AppManager {
  private static final String PREFIX = "app.";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Connection nc;
  private final NatsAccount account;
  private final KeyValue kv;

  /**
   * Creates the AppManager of a vault.
   *
   * @param nc a connection of the vault's account (the vault layout must exist)
   * @param account the vault's NATS account, which signs the apps' users
   * @throws IOException if the {@code Manager} bucket cannot be opened
   */
  public AppManager(Connection nc, NatsAccount account) throws IOException {
    this.nc = Objects.requireNonNull(nc, "nc");
    this.account = Objects.requireNonNull(account, "account");
    this.kv = nc.keyValue(Subjects.name("Manager"));
  }

  /**
   * A registered app.
   *
   * @param id its id (its connectionId and the last token of its queue)
   * @param name its name
   * @param eventTypes the types it may send
   * @param credentials its NATS user; hand over and do not keep
   */
  public record App(String id, String name, Set<EventType> eventTypes, UserCredentials credentials) {
    /**
     * Validates and copies.
     *
     * @param id its id
     * @param name its name
     * @param eventTypes the types it may send
     * @param credentials its NATS user
     */
    public App {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(name, "name");
      eventTypes = Set.copyOf(eventTypes);
      Objects.requireNonNull(credentials, "credentials");
    }
  }

  /**
   * Registers an app: records it in the {@code Manager} bucket and issues its NATS user.
   *
   * @param name the app's name ({@code [A-Za-z0-9_-]}, 1-64)
   * @param eventTypes the event types it may send (at least one)
   * @return the app, with its credentials
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the bucket refuses the record
   */
  public App register(String name, Set<EventType> eventTypes) throws IOException, JetStreamApiException {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(eventTypes, "eventTypes");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("an app name is 1-64 of [A-Za-z0-9_-], got '" + name + "'");
    }
    if (eventTypes.isEmpty()) {
      throw new IllegalArgumentException("an app must be registered for at least one event type");
    }
    String id = UUID.randomUUID().toString();
    UserCredentials user = account.issueUser("app-" + name, new UserPermissions(
        List.of(Subjects.appQueue(id).value()), List.of(Subjects.appInbox(id).value() + ".>")));
    ObjectNode n = JSON.createObjectNode().put("name", name).put("user", user.publicKey());
    eventTypes.forEach(t -> n.withArray("eventTypes").add(t.value()));
    kv.create(PREFIX + id, JSON.writeValueAsBytes(n));
    return new App(id, name, eventTypes, user);
  }

  /**
   * Revokes an app: its events are refused from now on, and its NATS user is revoked in the
   * account (push the account to the server to close its connections).
   *
   * @param appId the app's id
   * @return whether it was registered
   * @throws IOException on a connection failure
   * @throws JetStreamApiException if the bucket cannot be changed
   */
  public boolean revoke(String appId) throws IOException, JetStreamApiException {
    Objects.requireNonNull(appId, "appId");
    KeyValueEntry e = kv.get(PREFIX + appId);
    if (e == null || e.getValue() == null) {
      return false;
    }
    account.revoke(JSON.readTree(e.getValue()).path("user").asText());
    kv.delete(PREFIX + appId);
    return true;
  }

  /**
   * A builder for the AppManager service: consumes every app's queue, with this registry's
   * source check. Add handlers, rules, counters, then build.
   *
   * @return the builder
   */
  public EventServiceBuilder service() {
    return EventService.builder(nc, "AppManager")
        .queue(Subjects.appQueues(), Subjects.APP_MANAGER_STREAM)
        .sourceCheck(this::check);
  }

  private void check(String subject, io.vettid.api.InternalEvent event) throws VettidException {
    String appId = subject.substring(subject.lastIndexOf('.') + 1);
    KeyValueEntry e;
    try {
      e = kv.get(PREFIX + appId);
    } catch (IOException | JetStreamApiException | IllegalArgumentException ex) {
      throw new VettidException(FailureReason.CONNECTION_REVOKED, "app registry unreadable", ex);
    }
    if (e == null || e.getValue() == null) {
      throw new VettidException(FailureReason.CONNECTION_REVOKED, "no registered app " + appId);
    }
    if (!event.connectionId().value().equals(appId)) {
      throw new VettidException(FailureReason.MALFORMED, "an app may only speak for itself");
    }
    Set<String> allowed = new HashSet<>();
    try {
      JSON.readTree(e.getValue()).path("eventTypes").forEach(t -> allowed.add(t.asText()));
    } catch (IOException ex) {
      throw new VettidException(FailureReason.CONNECTION_REVOKED, "app record damaged", ex);
    }
    if (!allowed.contains(event.type().value())) {
      throw new VettidException(FailureReason.DENIED_BY_RULE,
          "app " + appId + " is not registered for " + event.type().value());
    }
  }
}
