package io.vettid.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.runtime.internal.SealedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The NATS operator and accounts of the embedded default, made at its first start and kept in
 * {@code accounts.sealed} under the data directory (AES-256-GCM under a key derived from the vault
 * secret, bound to its purpose; mode 0600), so that every start has the same accounts and so the
 * same JetStream store.
 */
final class EmbeddedAccounts {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String FILE = "accounts.sealed";
  private static final String PURPOSE = "vettid/embedded/accounts/v1";

  private final NatsOperator operator;
  private final VaultAccounts accounts;

  private EmbeddedAccounts(NatsOperator operator, VaultAccounts accounts) {
    this.operator = operator;
    this.accounts = accounts;
  }

  NatsOperator operator() {
    return operator;
  }

  VaultAccounts accounts() {
    return accounts;
  }

  /**
   * Opens the data directory's accounts, or makes them on the first start.
   *
   * @param guid the subscriber guid of a first start, or null for a random one
   * @throws IOException if the file cannot be read or written, or the directory holds a store made
   *     before the vault had accounts of its own
   * @throws GeneralSecurityException if the file does not open with this vault secret
   */
  static EmbeddedAccounts openOrCreate(Path dir, byte[] vaultSecret, String guid)
      throws IOException, GeneralSecurityException {
    SealedFile file = new SealedFile(dir.resolve(FILE), PURPOSE);
    if (file.exists()) {
      byte[] plain = file.open(vaultSecret);
      try {
        JsonNode n = JSON.readTree(plain);
        NatsOperator op = NatsOperator.restore(n.path("operator").toString().getBytes(StandardCharsets.UTF_8));
        return new EmbeddedAccounts(op, VaultAccounts.restore(op,
            n.path("accounts").toString().getBytes(StandardCharsets.UTF_8)));
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    }
    if (Files.isDirectory(dir.resolve("nats").resolve("jetstream"))) {
      throw new IOException("the data directory " + dir + " holds a store made by an earlier VettID, whose vault"
          + " had one NATS account for everything; it cannot be opened with the vault's accounts split by trust"
          + " zone. Use a new data directory");
    }
    byte[] id = new byte[8];
    new SecureRandom().nextBytes(id);
    NatsOperator op = NatsOperator.create("vettid-embedded");
    VaultAccounts accounts = VaultAccounts.create(op, guid != null ? guid : HexFormat.of().formatHex(id),
        JetStreamLimits.subscriberDefault());
    ObjectNode n = JSON.createObjectNode().put("v", 1);
    n.set("operator", JSON.readTree(op.export()));
    n.set("accounts", JSON.readTree(accounts.export()));
    byte[] plain = JSON.writeValueAsBytes(n);
    try {
      file.write(vaultSecret, plain);
    } finally {
      Arrays.fill(plain, (byte) 0);
      n.removeAll();
    }
    return new EmbeddedAccounts(op, accounts);
  }
}
