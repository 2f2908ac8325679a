package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.crypto.SealedBytes;
import io.vettid.nats.server.ServerAddress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A vault's home directory, as the {@code vettid} command line keeps it:
 *
 * <ul>
 *   <li>{@code vault.json}: what is public about the vault (owner's name, guid, suite, identity
 *       keyID, where its server listens, its EventSpaces);
 *   <li>{@code vault.sealed}: the secrets (identity private key, vault secret, NATS operator and
 *       account seeds; after a re-key, the store directory in use) sealed under the passphrase ({@link SealedBytes},
 *       scrypt N = 2^17), mode 0600;
 *   <li>{@code tls/}: the server's CA and certificate (the key with mode 0600);
 *   <li>{@code nats/}: the server's JetStream store (encrypted with a key derived from the vault
 *       secret) and its account JWTs; after a re-key of the vault secret ({@code vettid keys
 *       rekey-vault}) {@code nats.<n>/}, the one {@code vault.sealed} names;
 *   <li>{@code run/}: while the vault runs, {@code control.json} (where it listens, its pid) and
 *       {@code control.creds} (mode 0600: a NATS user that may only ask the running vault to act);
 *   <li>{@code vault.log}: the log of a vault started with {@code --detach}.
 * </ul>
 */
final class VaultHome {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final String SEAL_PURPOSE = "vettid-vault-secrets";

  final Path dir;

  VaultHome(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
  }

  Path configFile() {
    return dir.resolve("vault.json");
  }

  Path sealedFile() {
    return dir.resolve("vault.sealed");
  }

  Path tlsDir() {
    return dir.resolve("tls");
  }

  Path natsDir() {
    return dir.resolve(FIRST_STORE);
  }

  /** The store directory a vault starts with ({@code nats}); each re-key of the vault secret moves to the next. */
  static final String FIRST_STORE = "nats";
  private static final java.util.regex.Pattern STORE = java.util.regex.Pattern.compile("nats(\\.[1-9][0-9]{0,8})?");

  /**
   * The server's store directory the secrets name ({@code "store"}, written by a re-key of the vault
   * secret; {@code nats} without it).
   *
   * @param secrets the opened secrets
   * @return the directory
   * @throws IOException if the name is not one a re-key writes
   */
  Path natsDir(JsonNode secrets) throws IOException {
    String store = secrets.path("store").asText(FIRST_STORE);
    if (!STORE.matcher(store).matches()) {
      throw new IOException("vault.sealed names an unknown store directory: " + store);
    }
    return dir.resolve(store);
  }

  /** {@return whether a directory of this home is a server store ({@code nats}, {@code nats.<n>})} */
  static boolean isStore(Path p) {
    return STORE.matcher(p.getFileName().toString()).matches();
  }

  Path runDir() {
    return dir.resolve("run");
  }

  Path controlInfo() {
    return io.vettid.runtime.client.VaultClient.controlInfo(dir);
  }

  Path controlCreds() {
    return io.vettid.runtime.client.VaultClient.controlCreds(dir);
  }

  Path logFile() {
    return dir.resolve("vault.log");
  }

  boolean initialized() {
    return Files.isRegularFile(configFile()) && Files.isRegularFile(sealedFile());
  }

  /**
   * The public description of a vault. {@code host} and {@code port} are where its own server
   * listens; {@code eventSpaceServer}, when the vault registered with one, is where its EventSpaces
   * are (peers reach it there, and its own server listens on loopback only), and {@code
   * eventSpaceReplicas} the replicas of its deposit streams there (0 without one).
   */
  record Config(String name, OptionalInt age, OptionalInt ageOver, String location, String guid, String suite,
      String identityKeyId, String host, int port, List<String> eventSpaces, ServerAddress eventSpaceServer,
      int eventSpaceReplicas) {
    Config {
      eventSpaces = List.copyOf(eventSpaces);
    }

    Config withEventSpace(String es) {
      List<String> more = new ArrayList<>(eventSpaces);
      if (!more.contains(es)) {
        more.add(es);
      }
      return new Config(name, age, ageOver, location, guid, suite, identityKeyId, host, port, more, eventSpaceServer,
          eventSpaceReplicas);
    }

    String serverName() {
      return "vault-" + guid;
    }
  }

  Config readConfig() throws IOException {
    JsonNode n = JSON.readTree(Files.readAllBytes(configFile()));
    if (n == null || n.path("v").asInt() != 1) {
      throw new IOException(configFile() + " is not a VettID vault description (version 1)");
    }
    List<String> es = new ArrayList<>();
    n.path("eventSpaces").forEach(e -> es.add(e.asText()));
    return new Config(n.path("name").asText(), n.hasNonNull("age") ? OptionalInt.of(n.get("age").asInt())
        : OptionalInt.empty(), n.hasNonNull("ageOver") ? OptionalInt.of(n.get("ageOver").asInt()) : OptionalInt.empty(),
        n.hasNonNull("location") ? n.get("location").asText() : null, n.path("guid").asText(),
        n.path("suite").asText(), n.path("identityKeyId").asText(), n.path("host").asText(), n.path("port").asInt(),
        es, n.path("eventSpaceServer").isObject() ? new ServerAddress(n.path("eventSpaceServer").path("host").asText(),
            n.path("eventSpaceServer").path("port").asInt(), n.path("eventSpaceServer").path("caPin").asText()) : null,
        n.path("eventSpaceServer").path("replicas").asInt(0));
  }

  void writeConfig(Config c) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("v", 1).put("name", c.name());
    c.age().ifPresent(a -> n.put("age", a));
    c.ageOver().ifPresent(a -> n.put("ageOver", a));
    if (c.location() != null) {
      n.put("location", c.location());
    }
    n.put("guid", c.guid()).put("suite", c.suite()).put("identityKeyId", c.identityKeyId()).put("host", c.host())
        .put("port", c.port());
    c.eventSpaces().forEach(n.putArray("eventSpaces")::add);
    if (c.eventSpaceServer() != null) {
      n.putObject("eventSpaceServer").put("host", c.eventSpaceServer().host()).put("port", c.eventSpaceServer().port())
          .put("caPin", c.eventSpaceServer().caPin()).put("replicas", c.eventSpaceReplicas());
    }
    writeAtomically(configFile(), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n), false);
  }

  /** Seals the secrets (a JSON object) under the passphrase, mode 0600. */
  void writeSecrets(ObjectNode secrets, char[] passphrase) throws IOException {
    byte[] plain = JSON.writeValueAsBytes(secrets);
    try {
      writeAtomically(sealedFile(), SealedBytes.seal(plain, passphrase, SEAL_PURPOSE), true);
    } finally {
      java.util.Arrays.fill(plain, (byte) 0);
    }
  }

  ObjectNode readSecrets(char[] passphrase) throws IOException, GeneralSecurityException {
    byte[] plain = SealedBytes.open(Files.readAllBytes(sealedFile()), passphrase, SEAL_PURPOSE);
    try {
      JsonNode n = JSON.readTree(plain);
      if (n instanceof ObjectNode o && o.path("v").asInt() == 1) {
        throw new IOException("this vault was made by an earlier VettID, whose vault had one NATS account for"
            + " everything peers and the vault touch; its layout cannot be split in place. Make a new vault"
            + " (vettid --home <new dir> init ...) and connect again");
      }
      if (!(n instanceof ObjectNode o) || o.path("v").asInt() != SECRETS_VERSION) {
        throw new GeneralSecurityException("vault.sealed holds no version-" + SECRETS_VERSION + " vault secrets");
      }
      return o;
    } finally {
      java.util.Arrays.fill(plain, (byte) 0);
    }
  }

  /**
   * The version of the sealed secrets: 2 holds the vault's accounts, one per trust zone (1, from
   * before the split, held one account and is refused with an explanation).
   */
  static final int SECRETS_VERSION = 2;

  static void writeAtomically(Path file, byte[] bytes, boolean ownerOnly) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (ownerOnly) {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.write(tmp, bytes);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static String text(byte[] utf8) {
    return new String(utf8, StandardCharsets.UTF_8);
  }
}
