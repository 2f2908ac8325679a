package io.vettid.runtime.eventspace;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.SignedRequest;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.apiguardian.api.API;

/**
 * A vault's side of the Concierge: it registers the vault with an EventSpace server, and asks for
 * the revocations of its accounts. Every request is signed with the keys of the accounts it is
 * about; nothing the Concierge answers is trusted beyond the guid it names.
 *
 * <pre>{@code
 * SubscriberAccounts keys = SubscriberAccounts.create(JetStreamLimits.subscriberDefault());
 * SubscriberAccounts mine = ConciergeClient.register(address, RegistrationToken.parse(text), keys).accounts();
 * // later, with a connection of the deposit account (mine.issueWatcher(..)):
 * mine.eventSpace().revoke(peerUser);
 * new ConciergeClient(watcherConnection).update(mine, mine.eventSpace());
 * }</pre>
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class ConciergeClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final AtomicLong LAST_TS = new AtomicLong();

  private final Connection nc;
  private final Clock clock;

  /**
   * A client on a connection of the vault's deposit account (which imports the update service).
   *
   * @param depositsConnection the connection
   */
  public ConciergeClient(Connection depositsConnection) {
    this(depositsConnection, Clock.systemUTC());
  }

  ConciergeClient(Connection depositsConnection, Clock clock) {
    this.nc = Objects.requireNonNull(depositsConnection, "depositsConnection");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * A vault registered with an EventSpace server.
   *
   * @param accounts its external accounts, with the guid the Concierge named
   * @param replicas the replicas its deposit streams should have there (1, or 3 on a cluster)
   */
  @API(status = EXPERIMENTAL, since = "0.1")
  public record Registration(SubscriberAccounts accounts, int replicas) {}

  /** Why the Concierge refused, or could not be asked. */
  @API(status = EXPERIMENTAL, since = "0.1")
  public static final class RefusedException extends IOException {
    @java.io.Serial private static final long serialVersionUID = 1L;

    RefusedException(String message) {
      super(message);
    }
  }

  /**
   * Registers a vault: connects as the token's bootstrap user, sends the public keys of its two
   * external accounts signed with both, and returns them registered under the guid the Concierge
   * named.
   *
   * @param server the EventSpace server (address and CA pin)
   * @param token the one-time token its operator handed out
   * @param accounts the vault's external accounts, not registered yet
   * @return the same accounts with their guid, and the replicas of the server's streams
   * @throws RefusedException if the Concierge refused (the message says why) or did not answer
   * @throws IOException if the server cannot be reached
   * @throws InterruptedException if interrupted
   */
  public static Registration register(ServerAddress server, RegistrationToken token, SubscriberAccounts accounts)
      throws IOException, InterruptedException {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(accounts, "accounts");
    if (accounts.isRegistered()) {
      throw new IllegalArgumentException("these accounts are already registered as " + accounts.guid());
    }
    ObjectNode body = JSON.createObjectNode().put("v", 1).put("token", token.secret())
        .put("eventSpace", accounts.eventSpace().publicKey()).put("deposits", accounts.deposits().publicKey())
        .put("ts", nextTs(Clock.systemUTC()));
    SignedRequest request = SignedRequest.sign(JSON.writeValueAsBytes(body), accounts.eventSpace(), accounts.deposits());
    Options options;
    try {
      options = new Options.Builder().server(server.url()).sslContext(server.sslContext())
          .authHandler(token.bootstrap().authHandler()).inboxPrefix(token.inboxPrefix())
          // the Concierge revokes the bootstrap user once it answered: the server then closes this connection
          .errorListener(new io.nats.client.ErrorListener() { })
          .connectionTimeout(CONNECT_TIMEOUT).maxReconnects(0).build();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot make the TLS context for " + server.hostPort(), e);
    }
    Connection bootstrap;
    try {
      bootstrap = Nats.connect(options);
    } catch (io.nats.client.AuthenticationException e) {
      throw new RefusedException("the EventSpace server refused the token: it was used, revoked or has expired");
    }
    try (bootstrap) {
      JsonNode answer = ask(bootstrap, Subjects.CONCIERGE_REGISTER.value(), request);
      String guid = answer.path("guid").asText("");
      if (!answer.path("eventSpace").asText().equals(accounts.eventSpace().publicKey())
          || !answer.path("deposits").asText().equals(accounts.deposits().publicKey())) {
        throw new RefusedException("the Concierge answered for other accounts than the ones registered");
      }
      int replicas = answer.path("replicas").asInt(1);
      if (replicas < 1 || replicas > 5) {
        throw new RefusedException("the Concierge named " + replicas + " replicas; 1 to 5 are possible");
      }
      try {
        return new Registration(accounts.registered(guid), replicas);
      } catch (IllegalArgumentException e) {
        throw new RefusedException("the Concierge named no valid guid");
      }
    }
  }

  /**
   * Sends an account's whole revocation list and its signing keys to the Concierge (it keeps the
   * later time of each revocation and lists the signing keys as sent, so sending it again changes
   * nothing, and an update lost before is carried by the next).
   *
   * @param accounts the vault's registered accounts
   * @param account the one of them that changed
   * @return how many revocations the Concierge added
   * @throws RefusedException if the Concierge refused or did not answer
   * @throws InterruptedException if interrupted
   */
  public int update(SubscriberAccounts accounts, NatsAccount account) throws IOException, InterruptedException {
    Objects.requireNonNull(accounts, "accounts");
    Objects.requireNonNull(account, "account");
    if (account != accounts.eventSpace() && account != accounts.deposits()) {
      throw new IllegalArgumentException("the account is not one of " + accounts);
    }
    ObjectNode body = JSON.createObjectNode().put("v", 1).put("guid", accounts.guid())
        .put("account", account.publicKey()).put("ts", nextTs(clock));
    ObjectNode revoke = body.putObject("revoke");
    account.revocations().forEach(revoke::put);
    account.signingKeys().forEach(body.putArray("signingKeys")::add);
    JsonNode answer = ask(nc, Subjects.CONCIERGE_ACCOUNT_UPDATE.value(),
        SignedRequest.sign(JSON.writeValueAsBytes(body), account));
    return answer.path("revoked").asInt();
  }

  /** Milliseconds since the epoch, strictly increasing within this process (the Concierge refuses a repeat). */
  private static long nextTs(Clock clock) {
    long now = clock.millis();
    return LAST_TS.updateAndGet(last -> Math.max(last + 1, now));
  }

  private static JsonNode ask(Connection nc, String subject, SignedRequest request)
      throws IOException, InterruptedException {
    Message m;
    try {
      m = nc.request(subject, request.encode(), TIMEOUT);
    } catch (RuntimeException e) {
      throw new RefusedException("the Concierge cannot be asked on " + subject + ": " + e.getMessage());
    }
    if (m == null) {
      throw new RefusedException("the Concierge did not answer on " + subject + " within " + TIMEOUT.toSeconds() + " s");
    }
    JsonNode answer;
    try {
      answer = JSON.readTree(m.getData());
    } catch (IOException e) {
      throw new RefusedException("the Concierge's answer is not JSON");
    }
    if (answer == null || !answer.isObject()) {
      throw new RefusedException("the Concierge's answer is not a JSON object");
    }
    if (answer.has("error")) {
      throw new RefusedException("the Concierge refused: " + answer.path("error").asText());
    }
    return answer;
  }
}
