package io.vettid.nats.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.NKey;
import io.nats.client.support.JwtUtils;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A NATS operator for VettID's operator mode: it signs account JWTs, owns the system account
 * (through which account changes reach a running server), and writes the server's
 * authorization configuration.
 *
 * <pre>{@code
 * NatsOperator op = NatsOperator.create("vettid");
 * NatsAccount alice = op.createAccount("subscriber-3f7a9c", JetStreamLimits.subscriberDefault());
 * NatsServerConfig config = NatsServerConfig.builder()
 *     .extraConfig(op.serverConfig(NatsOperator.ServerRole.EVENTSPACE_SERVER, jwtDir, List.of(alice)))
 *     .build();
 * // later, on the running server:
 * UserCredentials conn = alice.issueUser("conn-1", UserPermissions.forConnection(guid, "home", id));
 * alice.revoke(conn.publicKey());
 * op.push(systemConnection, alice);   // the server drops conn-1 at once
 * }</pre>
 *
 * <p>Thread-safe. Seeds stay in memory and are never logged; persisting them sealed is the
 * vault's job.
 */
public final class NatsOperator {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** The system subject that takes an account JWT and updates the resolver (nats-server 2.2+). */
  static final String CLAIMS_UPDATE = "$SYS.REQ.CLAIMS.UPDATE";

  /** Which VettID role a server plays; it decides the resolver's settings. */
  public enum ServerRole {
    /**
     * The EventSpace Server (Concierge): many subscriber accounts, added and deleted while it
     * runs.
     */
    EVENTSPACE_SERVER(true),
    /** A Data Vault's own server (Manager): the owner's account; accounts are never deleted. */
    DATA_VAULT(false);

    private final boolean allowDelete;

    ServerRole(boolean allowDelete) {
      this.allowDelete = allowDelete;
    }
  }

  private final String name;
  private final NKey key;
  private final String publicKey;
  private final SecureRandom random;
  private final Clock clock;
  private final NatsAccount system;
  private final UserCredentials systemUser;

  private NatsOperator(String name, SecureRandom random, Clock clock) {
    this.name = NatsAccount.checkName(name);
    this.random = random;
    this.clock = clock;
    try {
      this.key = NKey.createOperator(random);
      this.publicKey = new String(key.getPublicKey());
    } catch (GeneralSecurityException | IOException e) {
      throw new NatsAuthException("cannot create the operator NKey", e);
    }
    this.system = new NatsAccount("SYS", JetStreamLimits.DISABLED, this, clock, random);
    this.systemUser = system.issueUser("sys", UserPermissions.ACCOUNT_OWNER);
  }

  private NatsOperator(JsonNode exported, Clock clock) {
    this.random = new SecureRandom();
    this.clock = clock;
    if (exported == null || exported.path("v").asInt() != 1 || !exported.path("name").isTextual()
        || !exported.path("seed").isTextual() || !exported.path("system").isObject()
        || !exported.path("systemUserJwt").isTextual() || !exported.path("systemUserSeed").isTextual()) {
      throw new IllegalArgumentException("not an exported NATS operator (version 1 with name, seed, system account)");
    }
    this.name = NatsAccount.checkName(exported.path("name").textValue());
    try {
      this.key = NKey.fromSeed(exported.path("seed").textValue().toCharArray());
      if (key.getType() != NKey.Type.OPERATOR) {
        throw new IllegalArgumentException("the exported operator's seed is not an operator seed");
      }
      this.publicKey = new String(key.getPublicKey());
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException("the exported operator's seed is not an NKey seed");
    }
    this.system = NatsAccount.restore(exported.path("system").toString().getBytes(StandardCharsets.UTF_8), this, clock);
    this.systemUser = UserCredentials.of(exported.path("systemUserJwt").textValue(),
        exported.path("systemUserSeed").textValue().toCharArray());
  }

  /**
   * Everything needed to {@linkplain #restore restore} this operator later: its name and NKey
   * seed, the system account and its user, as UTF-8 JSON. <b>It holds seeds</b>: seal it (for
   * example with {@code io.vettid.crypto.SealedBytes}) and wipe the array. Subscriber accounts are
   * exported one by one ({@link NatsAccount#export()}).
   *
   * @return the operator's secret state
   */
  public byte[] export() {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("v", 1).put("name", name);
    char[] seed = NatsAccount.seed(key);
    n.put("seed", new String(seed));
    java.util.Arrays.fill(seed, '\0');
    try {
      n.set("system", MAPPER.readTree(system.export()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    char[] userSeed = systemUser.seed();
    n.put("systemUserJwt", systemUser.jwt()).put("systemUserSeed", new String(userSeed));
    java.util.Arrays.fill(userSeed, '\0');
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Restores an operator from what {@link #export()} wrote: the same keys, so servers configured
   * with its JWT accept it.
   *
   * @param exported the exported state
   * @return the operator
   * @throws IllegalArgumentException if it is not an exported operator
   */
  public static NatsOperator restore(byte[] exported) {
    Objects.requireNonNull(exported, "exported");
    try {
      return new NatsOperator(MAPPER.readTree(exported), Clock.systemUTC());
    } catch (IOException e) {
      throw new IllegalArgumentException("not an exported NATS operator (not JSON)");
    }
  }

  /**
   * Restores an account of this operator from what {@link NatsAccount#export()} wrote (its keys,
   * limits and revocations).
   *
   * @param exported the exported state
   * @return the account
   * @throws IllegalArgumentException if it is not an exported account
   */
  public NatsAccount restoreAccount(byte[] exported) {
    return NatsAccount.restore(exported, this, clock);
  }

  /**
   * Creates an operator with fresh keys and its system account.
   *
   * @param name the operator's name ({@code [A-Za-z0-9_-]}, 1-64)
   * @return the operator
   */
  public static NatsOperator create(String name) {
    return new NatsOperator(name, new SecureRandom(), Clock.systemUTC());
  }

  /**
   * Creates an operator with a given clock (for tests of rotation grace periods).
   *
   * @param name the operator's name
   * @param clock the clock for issue and revocation times
   * @return the operator
   */
  public static NatsOperator create(String name, Clock clock) {
    return new NatsOperator(name, new SecureRandom(), Objects.requireNonNull(clock, "clock"));
  }

  SecureRandom random() {
    return random;
  }

  /** {@return the operator's public NKey ({@code O...})} */
  public String publicKey() {
    return publicKey;
  }

  /** {@return the system account} */
  public NatsAccount systemAccount() {
    return system;
  }

  /** {@return the system account's user, with which {@link #push} talks to the server} */
  public UserCredentials systemUser() {
    return systemUser;
  }

  /**
   * Creates an account signed by this operator. A server learns of it from {@link #serverConfig}
   * (preloaded) or from {@link #push} (at run time).
   *
   * @param accountName the account's name ({@code [A-Za-z0-9_-]}, 1-64)
   * @param limits its JetStream limits
   * @return the account
   */
  public NatsAccount createAccount(String accountName, JetStreamLimits limits) {
    return new NatsAccount(accountName, limits, this, clock, random);
  }

  /**
   * Takes on an account whose key someone else holds (a Data Vault's external account, {@link
   * NatsAccount#createHeld}): this operator signs and pushes its JWT, and cannot issue its users.
   *
   * @param accountName the account's name ({@code [A-Za-z0-9_-]}, 1-64)
   * @param accountPublicKey its public NKey ({@code A...})
   * @param limits its JetStream limits, as this operator grants them
   * @return the account
   * @throws IllegalArgumentException if the key is not an account public key
   */
  public NatsAccount adoptAccount(String accountName, String accountPublicKey, JetStreamLimits limits) {
    return NatsAccount.adopted(accountName, accountPublicKey, limits, this, clock);
  }

  /** {@return the operator's self-signed JWT, naming the system account} */
  public String jwt() {
    ObjectNode nats = MAPPER.createObjectNode();
    nats.put("system_account", system.publicKey()).put("type", "operator").put("version", 2);
    return sign(publicKey, name, nats.toString());
  }

  String sign(String subject, String claimName, String natsJson) {
    try {
      return JwtUtils.issueJWT(key, subject, claimName, (Duration) null, clock.instant().getEpochSecond(),
          publicKey, () -> natsJson);
    } catch (GeneralSecurityException | IOException e) {
      throw new NatsAuthException("cannot sign a JWT for " + claimName, e);
    }
  }

  /**
   * The authorization part of a nats-server configuration (for {@code
   * NatsServerConfig.Builder.extraConfig}): the operator, the system account, a {@code full}
   * resolver storing account JWTs under {@code jwtDir}, and the accounts to preload.
   *
   * @param role the server's role
   * @param jwtDir where the resolver keeps account JWTs (public data, no secrets)
   * @param preload accounts the server knows from its first start
   * @return the configuration text
   */
  public String serverConfig(ServerRole role, Path jwtDir, List<NatsAccount> preload) {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(jwtDir, "jwtDir");
    Objects.requireNonNull(preload, "preload");
    StringBuilder c = new StringBuilder();
    c.append("# VettID operator mode, role ").append(role.name()).append('\n');
    c.append("operator: ").append(quote(jwt())).append('\n');
    c.append("system_account: ").append(quote(system.publicKey())).append('\n');
    c.append("resolver {\n");
    c.append("  type: full\n");
    c.append("  dir: ").append(quote(jwtDir.toAbsolutePath().toString())).append('\n');
    c.append("  allow_delete: ").append(role.allowDelete).append('\n');
    c.append("  interval: \"2m\"\n");
    c.append("  timeout: \"1.9s\"\n");
    c.append("}\n");
    c.append("resolver_preload {\n");
    c.append("  ").append(system.publicKey()).append(": ").append(quote(system.jwt())).append('\n');
    for (NatsAccount a : preload) {
      c.append("  ").append(a.publicKey()).append(": ").append(quote(a.jwt())).append('\n');
    }
    c.append("}\n");
    return c.toString();
  }

  /**
   * Sends an account's current JWT to a running server through the system account, and waits
   * for the server to confirm. New accounts, limits and revocations take effect without a
   * restart; the server closes connections of users revoked by the update.
   *
   * @param systemConnection a connection made with {@link #systemUser()}
   * @param account the account to update
   * @throws NatsAuthException if the server refuses or does not answer within 5 seconds
   * @throws InterruptedException if interrupted while waiting
   */
  public void push(Connection systemConnection, NatsAccount account) throws InterruptedException {
    Objects.requireNonNull(systemConnection, "systemConnection");
    Objects.requireNonNull(account, "account");
    Message reply;
    try {
      reply = systemConnection.request(CLAIMS_UPDATE, account.jwt().getBytes(StandardCharsets.US_ASCII),
          Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      throw new NatsAuthException("cannot send the JWT of account " + account.name() + ": " + e.getMessage(), e);
    }
    if (reply == null) {
      throw new NatsAuthException("the server did not confirm the update of account " + account.name()
          + " within 5 s; is the connection made with the system user, and is the resolver 'full'?", null);
    }
    try {
      JsonNode answer = MAPPER.readTree(reply.getData());
      JsonNode error = answer.get("error");
      if (error != null) {
        throw new NatsAuthException("the server refused the JWT of account " + account.name() + ": "
            + error.path("description").asText(error.toString()), null);
      }
      int code = answer.path("data").path("code").asInt(0);
      if (code != 200) {
        throw new NatsAuthException("unexpected answer to the update of account " + account.name() + ": " + answer, null);
      }
    } catch (IOException e) {
      throw new NatsAuthException("unreadable answer to the update of account " + account.name(), e);
    }
  }

  private static String quote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  @Override
  public String toString() {
    return "NatsOperator[" + name + ", " + publicKey + "]";
  }
}
