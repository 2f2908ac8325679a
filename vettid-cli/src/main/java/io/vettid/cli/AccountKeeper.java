package io.vettid.cli;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import io.vettid.crypto.SecretBox;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import io.vettid.runtime.eventspace.ConciergeClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vault's NATS accounts as they change while it runs (users issued and revoked): each change is
 * pushed to the server and the state of every account saved in the {@code Vault} bucket, sealed
 * under a key derived from the vault secret, so the next start begins from it rather than from
 * the accounts made at {@code init}. A vault registered with an EventSpace server also keeps its
 * two external accounts ({@link SubscriberAccounts}, whose keys it holds): a change of one goes to
 * that server's Concierge as a signed update ({@link ConciergeClient}); one that could not be sent
 * is sent again by {@link #retryExternal()} (each update carries the account's whole revocation
 * list, so the next one carries what an earlier one lost).
 */
final class AccountKeeper {
  private static final Logger LOG = LoggerFactory.getLogger(AccountKeeper.class);
  static final String KEY = "nats.accounts";
  static final String EXTERNAL_KEY = "nats.external";
  /** What its seal key is derived from the vault secret for. */
  static final String PURPOSE = "vettid/cli/account/v1";

  private final NatsOperator operator;
  private final byte[] sealKey;
  private volatile VaultAccounts accounts;
  private volatile SubscriberAccounts external;
  private volatile Connection system;
  private volatile Connection vault;
  private volatile ConciergeClient concierge;
  private final java.util.Set<String> unsent = java.util.concurrent.ConcurrentHashMap.newKeySet();

  AccountKeeper(NatsOperator operator, VaultAccounts accounts, SubscriberAccounts external, byte[] vaultSecret) {
    this.operator = operator;
    this.accounts = accounts;
    this.external = external;
    this.sealKey = SecretBox.derive(vaultSecret, PURPOSE, 32);
  }

  VaultAccounts accounts() {
    return accounts;
  }

  /** {@return the external accounts on an EventSpace server, or null for a vault that is its own} */
  SubscriberAccounts external() {
    return external;
  }

  /** {@return the account the connections' users are in: on the EventSpace server, or the vault's own} */
  NatsAccount eventSpace() {
    SubscriberAccounts e = external;
    return e != null ? e.eventSpace() : accounts.eventSpace();
  }

  /** {@return the accounts the vault's own server holds} */
  List<NatsAccount> local() {
    return external != null ? accounts.internal() : accounts.all();
  }

  /**
   * Takes the accounts a running vault saved, if any. On the first start the vault's buckets do
   * not exist yet (the runtime creates them when it starts); no bucket means no record.
   *
   * @param owner a connection of the vault's account
   */
  void restoreSaved(Connection owner) throws IOException, JetStreamApiException, GeneralSecurityException {
    KeyValueEntry e;
    try {
      e = owner.keyValue(Subjects.name("Vault")).get(KEY);
    } catch (JetStreamApiException x) {
      if (x.getApiErrorCode() == JetStreamLayout.STREAM_NOT_FOUND) {
        return;
      }
      throw x;
    } catch (IOException x) {
      // jnats reports a missing bucket when the handle is made, wrapped
      if (x.getCause() instanceof JetStreamApiException api && api.getApiErrorCode() == JetStreamLayout.STREAM_NOT_FOUND) {
        return;
      }
      throw x;
    }
    if (e != null && e.getValue() != null) {
      byte[] plain = SecretBox.open(sealKey, KEY.getBytes(StandardCharsets.US_ASCII), e.getValue());
      try {
        accounts = VaultAccounts.restore(operator, plain);
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    }
    KeyValueEntry x = external == null ? null : owner.keyValue(Subjects.name("Vault")).get(EXTERNAL_KEY);
    if (x != null && x.getValue() != null) {
      byte[] plain = SecretBox.open(sealKey, EXTERNAL_KEY.getBytes(StandardCharsets.US_ASCII), x.getValue());
      try {
        SubscriberAccounts saved = SubscriberAccounts.restore(plain);
        if (!saved.guid().equals(external.guid())
            || !saved.eventSpace().publicKey().equals(external.eventSpace().publicKey())) {
          throw new GeneralSecurityException("the saved external accounts are not this vault's");
        }
        external = saved;
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    }
  }

  /** From now on, changes of the external accounts go to the EventSpace server's Concierge through this client. */
  void attachConcierge(ConciergeClient client) {
    this.concierge = client;
  }

  /** From now on, pushes go through {@code system} and the state is saved through {@code vault}. */
  void attach(Connection system, Connection vault) {
    this.system = system;
    this.vault = vault;
  }

  /** How long an account signing key signs new users before the next one takes over. */
  static final java.time.Duration SIGNING_KEY_AGE = java.time.Duration.ofDays(30);

  /**
   * The signing keys of the vault's accounts: a new one when there is none or the current one is
   * older than {@link #SIGNING_KEY_AGE} (so the accounts' own keys sign no user day to day), the
   * earlier ones retired once their users expired; each changed account pushed before a user of a
   * new key is issued. The accounts this vault's server holds are pushed to it; the external ones
   * on an EventSpace server go to its Concierge, which lists the keys in the JWTs it renders: a new
   * key it could not be told of is taken back at once ({@link NatsAccount#dropSigningKey}), and
   * tried again at the next upkeep.
   *
   * @param now the time
   * @return how many accounts changed
   */
  int upkeepSigningKeys(java.time.Instant now) throws InterruptedException {
    int changed = 0;
    SubscriberAccounts e = external;
    List<NatsAccount> all = new java.util.ArrayList<>(local());
    if (e != null) {
      all.add(e.eventSpace());
      all.add(e.deposits());
    }
    for (NatsAccount a : all) {
      if (!a.holdsKey()) {
        continue;
      }
      boolean rotate = a.signingKeySince().map(since -> !now.isBefore(since.plus(SIGNING_KEY_AGE))).orElse(true);
      String added = rotate ? a.rotateSigningKey() : null;
      List<String> retired = a.retireSigningKeys();
      if (added == null && retired.isEmpty()) {
        continue;
      }
      if (e != null && (a == e.eventSpace() || a == e.deposits())) {
        if (!tellConcierge(e, a)) {
          if (added != null) {
            a.dropSigningKey(added);
          }
          unsent.add(a.publicKey()); // what was retired goes with the next update
          continue;
        }
        saveQuietly();
      } else {
        push(a);
      }
      changed++;
      LOG.info("account {}: {}{} signing key(s) retired", a.name(), added != null ? "new signing key; " : "",
          retired.size());
    }
    return changed;
  }

  /** Tells the Concierge an external account's revocations and signing keys now; false if it did not take them. */
  private boolean tellConcierge(SubscriberAccounts e, NatsAccount a) throws InterruptedException {
    ConciergeClient c = concierge;
    if (c == null) {
      return false;
    }
    try {
      c.update(e, a);
      unsent.remove(a.publicKey());
      return true;
    } catch (IOException x) {
      LOG.warn("the EventSpace server did not take the signing keys of account {} ({}); tried again at the next"
          + " upkeep", a.publicKey(), x.getMessage());
      return false;
    }
  }

  /** Saves the state of every account with the vault now (once it is attached); a failure is logged. */
  void saveNow() {
    saveQuietly();
  }

  private void saveQuietly() {
    try {
      save();
    } catch (IOException | JetStreamApiException x) {
      LOG.warn("the account's state could not be saved ({})", x.getClass().getSimpleName());
    }
  }

  /** Pushes every local account to the vault's own server, and the external ones' revocations to the Concierge. */
  void pushAll() throws InterruptedException {
    for (NatsAccount a : local()) {
      operator.push(system, a);
    }
    SubscriberAccounts e = external;
    if (e != null) {
      unsent.add(e.eventSpace().publicKey());
      unsent.add(e.deposits().publicKey());
      retryExternal();
    }
  }

  /**
   * Pushes a changed account (to the vault's own server, or as a signed update to the EventSpace
   * server's Concierge) and saves the state of every account with the vault.
   */
  void push(NatsAccount a) {
    try {
      SubscriberAccounts e = external;
      if (e != null && (a == e.eventSpace() || a == e.deposits())) {
        unsent.add(a.publicKey());
        retryExternal();
      } else {
        operator.push(system, a);
      }
      save();
    } catch (IOException | JetStreamApiException e) {
      LOG.warn("the account's state could not be saved ({})", e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sends the external accounts whose changes have not reached the Concierge yet; true if none is left. */
  boolean retryExternal() throws InterruptedException {
    SubscriberAccounts e = external;
    ConciergeClient c = concierge;
    if (e == null || unsent.isEmpty()) {
      return true;
    }
    if (c == null) {
      return false;
    }
    for (NatsAccount a : List.of(e.eventSpace(), e.deposits())) {
      if (unsent.contains(a.publicKey())) {
        try {
          c.update(e, a);
          unsent.remove(a.publicKey());
        } catch (IOException x) {
          LOG.warn("the EventSpace server did not take the change of account {} ({}); sent again later",
              a.publicKey(), x.getMessage());
        }
      }
    }
    return unsent.isEmpty();
  }

  private void save() throws IOException, JetStreamApiException {
    Connection v = vault;
    if (v == null) {
      return;
    }
    put(v, KEY, accounts.export());
    SubscriberAccounts e = external;
    if (e != null) {
      put(v, EXTERNAL_KEY, e.export());
    }
  }

  private void put(Connection v, String key, byte[] plain) throws IOException, JetStreamApiException {
    try {
      v.keyValue(Subjects.name("Vault")).put(key,
          SecretBox.seal(sealKey, key.getBytes(StandardCharsets.US_ASCII), plain, new SecureRandom()));
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }
}
