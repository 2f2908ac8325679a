package io.vettid.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.nats.auth.JetStreamLimits;
import io.vettid.nats.auth.NatsOperator;
import io.vettid.nats.auth.SubscriberAccounts;
import io.vettid.nats.auth.VaultAccounts;
import io.vettid.runtime.eventspace.ConciergeClient;
import io.vettid.runtime.internal.SealedFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * The NATS accounts of the embedded default, made at its first start and kept in {@code
 * accounts.sealed} under the data directory (AES-256-GCM under a key derived from the vault secret,
 * bound to its purpose; mode 0600), so that every start has the same accounts and so the same
 * JetStream stores: the operator and internal accounts of the vault's own server, and the two
 * external accounts registered with the embedded EventSpace server's Concierge (their keys are the
 * vault's; the Concierge holds only their public keys).
 */
final class EmbeddedAccounts {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String FILE = "accounts.sealed";
  private static final String PURPOSE = "vettid/embedded/accounts/v1";
  /** The file's version: 2 since the embedded default has an EventSpace server. */
  private static final int VERSION = 2;

  /** Registers a vault's external accounts with the EventSpace server's Concierge (first start). */
  @FunctionalInterface
  interface Registrar {
    ConciergeClient.Registration register(SubscriberAccounts external) throws IOException, InterruptedException;
  }

  private final NatsOperator operator;
  private final VaultAccounts accounts;
  private final SubscriberAccounts external;
  private final int replicas;

  private EmbeddedAccounts(NatsOperator operator, VaultAccounts accounts, SubscriberAccounts external, int replicas) {
    this.operator = operator;
    this.accounts = accounts;
    this.external = external;
    this.replicas = replicas;
  }

  NatsOperator operator() {
    return operator;
  }

  /** {@return the vault's accounts; only the internal ones are on its own server} */
  VaultAccounts accounts() {
    return accounts;
  }

  /** {@return the external accounts, registered on the embedded EventSpace server} */
  SubscriberAccounts external() {
    return external;
  }

  /** {@return the replicas of the deposit streams, as the Concierge named them} */
  int replicas() {
    return replicas;
  }

  /**
   * Opens the data directory's accounts, or makes and registers them on the first start. A crash
   * between the registration and the file's write leaves a registration nobody uses on the
   * embedded EventSpace server; the next start registers again.
   *
   * @param registrar registers the external accounts (first start only)
   * @throws IOException if the file cannot be read or written, or the directory holds a store of an
   *     earlier layout
   * @throws GeneralSecurityException if the file does not open with this vault secret
   */
  static EmbeddedAccounts openOrCreate(Path dir, byte[] vaultSecret, Registrar registrar)
      throws IOException, GeneralSecurityException, InterruptedException {
    SealedFile file = new SealedFile(dir.resolve(FILE), PURPOSE);
    if (file.exists()) {
      byte[] plain = file.open(vaultSecret);
      try {
        JsonNode n = JSON.readTree(plain);
        if (n.path("v").asInt() != VERSION) {
          throw new IOException("the data directory " + dir + " holds a vault made by an earlier VettID, whose"
              + " EventSpaces were on the vault's own server; it cannot be opened with an EventSpace server. Use a"
              + " new data directory");
        }
        NatsOperator op = NatsOperator.restore(n.path("operator").toString().getBytes(StandardCharsets.UTF_8));
        return new EmbeddedAccounts(op,
            VaultAccounts.restore(op, n.path("accounts").toString().getBytes(StandardCharsets.UTF_8)),
            SubscriberAccounts.restore(n.path("external").toString().getBytes(StandardCharsets.UTF_8)),
            n.path("replicas").asInt(1));
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    }
    if (Files.isDirectory(dir.resolve("nats").resolve("jetstream"))) {
      throw new IOException("the data directory " + dir + " holds a store made by an earlier VettID, whose vault"
          + " had one NATS account for everything; it cannot be opened with the vault's accounts split by trust"
          + " zone. Use a new data directory");
    }
    ConciergeClient.Registration reg = registrar.register(SubscriberAccounts.create(JetStreamLimits.subscriberDefault()));
    NatsOperator op = NatsOperator.create("vettid-embedded");
    VaultAccounts accounts = VaultAccounts.create(op, reg.accounts().guid(), JetStreamLimits.subscriberDefault());
    ObjectNode n = JSON.createObjectNode().put("v", VERSION);
    n.set("operator", JSON.readTree(op.export()));
    n.set("accounts", JSON.readTree(accounts.export()));
    n.set("external", JSON.readTree(reg.accounts().export()));
    n.put("replicas", reg.replicas());
    byte[] plain = JSON.writeValueAsBytes(n);
    try {
      file.write(vaultSecret, plain);
    } finally {
      Arrays.fill(plain, (byte) 0);
      n.removeAll();
    }
    return new EmbeddedAccounts(op, accounts, reg.accounts(), reg.replicas());
  }
}
