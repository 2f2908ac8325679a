package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.auth.UserLimits;
import io.vettid.nats.auth.UserPermissions;
import io.vettid.nats.server.ServerAddress;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two users of one run's control service, in the vault's account: the <b>control user</b> the
 * owner's tools connect as (it may publish requests to the endpoints and discovery, and read only
 * its inbox {@code Manager.ControlInbox.<token>}, new at every start, and the notices), and the
 * <b>answers user</b> the service runs on (it reads the endpoints and may publish only into that
 * inbox). The control user's credentials are written, mode 0600, to {@code run/control.creds}
 * while the vault runs; they expire after {@link #VALIDITY} and are renewed every {@link
 * #RENEWAL}. Both users' keys are recorded in the {@code Vault} bucket before the credentials exist
 * anywhere, so that the next start revokes them should this run die without revoking them itself.
 */
final class ControlUsers {
  private static final Logger LOG = LoggerFactory.getLogger(ControlUsers.class);
  /** The control users of the vault's runs (public keys), revoked at the next start. */
  private static final String KEY = "control.users";
  /** How long the control user's JWT is valid. */
  static final Duration VALIDITY = Duration.ofHours(1);
  /** How often it is renewed. */
  static final Duration RENEWAL = Duration.ofMinutes(20);

  private final VaultHome home;
  private final AccountKeeper accounts;
  private final String inbox;
  private final UserCredentials answers;
  private volatile UserCredentials control;

  ControlUsers(VaultHome home, AccountKeeper accounts) {
    this.home = home;
    this.accounts = accounts;
    String token = Long.toHexString(new SecureRandom().nextLong() >>> 1);
    this.inbox = Subjects.controlInbox(token).value();
    this.control = issue(null);
    this.answers = accounts.accounts().vault().issueUser("cli-answers-" + token,
        UserPermissions.forControlAnswers(inbox));
  }

  /** {@return the control user's inbox prefix, below which the service answers} */
  String inbox() {
    return inbox;
  }

  /** {@return the user the control service runs on} */
  UserCredentials answersUser() {
    return answers;
  }

  /** Issues the control user's credentials, or renews them (the same NKey, a new expiry). */
  private UserCredentials issue(UserCredentials current) {
    String name = "cli-" + inbox.substring(inbox.lastIndexOf('.') + 1);
    UserPermissions p = UserPermissions.forControl(inbox);
    return current == null
        ? accounts.accounts().vault().issueUser(name, p, UserLimits.UNLIMITED, VALIDITY)
        : accounts.accounts().vault().renewUser(current, name, p, UserLimits.UNLIMITED, VALIDITY);
  }

  /** Revokes the control users an earlier run recorded (a run that died without revoking its own). */
  static void revokeEarlier(Connection nc, AccountKeeper accounts) throws IOException {
    KeyValueEntry e;
    try {
      e = nc.keyValue(Subjects.name("Vault")).get(KEY);
    } catch (JetStreamApiException | IOException missing) {
      return; // no bucket yet: the first start
    }
    if (e != null && e.getValue() != null) {
      for (JsonNode k : VaultHome.JSON.readTree(e.getValue())) {
        if (io.vettid.nats.auth.NKeys.isUserKey(k.asText())) {
          accounts.accounts().vault().revoke(k.asText());
        }
      }
    }
  }

  /** Records this run's users before their credentials exist anywhere, so the next start revokes them. */
  void record(Connection nc) throws IOException, JetStreamApiException {
    ArrayNode keys = JsonNodeFactory.instance.arrayNode().add(control.publicKey()).add(answers.publicKey());
    nc.keyValue(Subjects.name("Vault")).put(KEY, VaultHome.JSON.writeValueAsBytes(keys));
    accounts.push(accounts.accounts().vault()); // the earlier runs' revocations, kept with the vault
  }

  /** Writes {@code run/control.creds} and {@code run/control.json} (how tools reach the vault). */
  void writeRunFiles(ServerAddress address, VaultHome.Config config, Instant started) throws IOException {
    Files.createDirectories(home.runDir());
    Files.deleteIfExists(home.controlCreds());
    control.writeTo(home.controlCreds());
    ObjectNode info = JsonNodeFactory.instance.objectNode().put("v", 1).put("pid", ProcessHandle.current().pid())
        .put("url", address.url()).put("caPin", address.caPin()).put("inboxPrefix", inbox).put("name", config.name())
        .put("guid", config.guid()).put("startedAt", started.toString());
    VaultHome.writeAtomically(home.controlInfo(), VaultHome.JSON.writeValueAsBytes(info), false);
  }

  /** Renews the control user before it expires and rewrites its credentials file. */
  void renew() {
    try {
      control = issue(control);
      Path tmp = home.controlCreds().resolveSibling("control.creds.next");
      Files.deleteIfExists(tmp);
      control.writeTo(tmp);
      Files.move(tmp, home.controlCreds(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      LOG.warn("the control credentials could not be renewed ({}); tried again in {} minutes",
          e.getClass().getSimpleName(), RENEWAL.toMinutes());
    }
  }

  /** Revokes both users and removes the run files, as the vault stops. */
  void revoke() {
    try {
      accounts.accounts().vault().revoke(control.publicKey());
      accounts.accounts().vault().revoke(answers.publicKey());
      accounts.push(accounts.accounts().vault());
    } catch (RuntimeException e) {
      LOG.warn("the control user could not be revoked ({})", e.getClass().getSimpleName());
    }
    try {
      Files.deleteIfExists(home.controlCreds());
      Files.deleteIfExists(home.controlInfo());
    } catch (IOException e) {
      LOG.warn("run files not removed: {}", e.getMessage());
    }
  }
}
