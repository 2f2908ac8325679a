package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.crypto.SealedBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The home of an EventSpace server run by {@code vettid eventspace-server}: {@code eventspace.json}
 * (where it listens, the names its certificate is made for), {@code secret.sealed} (the server
 * secret, sealed under the operator's passphrase), {@code data/} (the server's own state: its
 * sealed operator and accounts, its CA and key pair, the NATS store) and, while it runs, {@code
 * run/} (its address and the admin tool's credentials, mode 0600).
 */
final class EventSpaceHome {
  private static final String SEAL_PURPOSE = "vettid-eventspace-secret";

  final Path dir;

  EventSpaceHome(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
  }

  /** Where the server listens, the names its certificate is made for, and how many nodes it runs (1 or 3). */
  record Config(String host, int port, List<String> dnsNames, List<String> ipAddresses, int nodes) {}

  Path configFile() {
    return dir.resolve("eventspace.json");
  }

  Path sealedFile() {
    return dir.resolve("secret.sealed");
  }

  Path dataDir() {
    return dir.resolve("data");
  }

  Path tlsDir() {
    return dataDir().resolve("tls");
  }

  Path runInfo() {
    return dir.resolve("run").resolve("eventspace.json");
  }

  Path adminCreds() {
    return dir.resolve("run").resolve("admin.creds");
  }

  Path logFile() {
    return dir.resolve("eventspace.log");
  }

  boolean initialized() {
    return Files.isRegularFile(configFile()) && Files.isRegularFile(sealedFile());
  }

  void writeConfig(Config c) throws IOException {
    ObjectNode n = VaultHome.JSON.createObjectNode().put("v", 1).put("host", c.host()).put("port", c.port())
        .put("nodes", c.nodes());
    ArrayNode dns = n.putArray("dnsNames");
    c.dnsNames().forEach(dns::add);
    ArrayNode ips = n.putArray("ipAddresses");
    c.ipAddresses().forEach(ips::add);
    VaultHome.writeAtomically(configFile(), VaultHome.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n), false);
  }

  Config readConfig() throws IOException {
    JsonNode n = VaultHome.JSON.readTree(Files.readAllBytes(configFile()));
    if (n == null || n.path("v").asInt() != 1 || !n.path("host").isTextual() || !n.path("port").canConvertToInt()) {
      throw new IOException(configFile() + " is not an EventSpace server's settings (version 1 with host and port)");
    }
    List<String> dns = new ArrayList<>();
    n.path("dnsNames").forEach(x -> dns.add(x.asText()));
    List<String> ips = new ArrayList<>();
    n.path("ipAddresses").forEach(x -> ips.add(x.asText()));
    return new Config(n.get("host").textValue(), n.get("port").asInt(), dns, ips, n.path("nodes").asInt(1));
  }

  /** Makes a new server secret and seals it under the passphrase. */
  void writeSecret(char[] passphrase) throws IOException {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    try {
      VaultHome.writeAtomically(sealedFile(), SealedBytes.seal(secret, passphrase, SEAL_PURPOSE), true);
    } finally {
      Arrays.fill(secret, (byte) 0);
    }
  }

  /**
   * Opens the server secret.
   *
   * @return the secret (wipe it)
   * @throws GeneralSecurityException if the passphrase is wrong or the file was altered
   */
  byte[] readSecret(char[] passphrase) throws IOException, GeneralSecurityException {
    return SealedBytes.open(Files.readAllBytes(sealedFile()), passphrase, SEAL_PURPOSE);
  }
}
