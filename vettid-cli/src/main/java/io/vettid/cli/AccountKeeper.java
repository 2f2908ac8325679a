package io.vettid.cli;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.api.KeyValueEntry;
import io.vettid.crypto.SecretBox;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.nats.jetstream.JetStreamLayout;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vault's NATS accounts as they change while it runs (users issued and revoked): each change is
 * pushed to the server and the state of every account saved in the {@code Vault} bucket, sealed
 * under a key derived from the vault secret, so the next start begins from it rather than from
 * the accounts made at {@code init}.
 */
final class AccountKeeper {
  private static final Logger LOG = LoggerFactory.getLogger(AccountKeeper.class);
  private static final String KEY = "nats.accounts";

  private final NatsOperator operator;
  private final byte[] sealKey;
  private volatile VaultAccounts accounts;
  private volatile Connection system;
  private volatile Connection vault;

  AccountKeeper(NatsOperator operator, VaultAccounts accounts, byte[] vaultSecret) {
    this.operator = operator;
    this.accounts = accounts;
    this.sealKey = SecretBox.derive(vaultSecret, "vettid/cli/account/v1", 32);
  }

  VaultAccounts accounts() {
    return accounts;
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
  }

  /** From now on, pushes go through {@code system} and the state is saved through {@code vault}. */
  void attach(Connection system, Connection vault) {
    this.system = system;
    this.vault = vault;
  }

  /** Pushes every account to the server. */
  void pushAll() throws InterruptedException {
    for (NatsAccount a : accounts.all()) {
      operator.push(system, a);
    }
  }

  /** Pushes a changed account to the server and saves the state of every account with the vault. */
  void push(NatsAccount a) {
    try {
      operator.push(system, a);
      Connection v = vault;
      if (v == null) {
        return;
      }
      byte[] plain = accounts.export();
      try {
        v.keyValue(Subjects.name("Vault")).put(KEY,
            SecretBox.seal(sealKey, KEY.getBytes(StandardCharsets.US_ASCII), plain, new SecureRandom()));
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    } catch (IOException | JetStreamApiException e) {
      LOG.warn("the account's state could not be saved ({})", e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
