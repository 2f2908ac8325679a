package io.vettid.nats.server;

import static io.vettid.proptest.Gens.anyChars;
import static io.vettid.proptest.Props.tries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config rendering and binary lookup; starting real servers is tested in vettid-testkit. */
class NatsServerConfigTest {
  private static final char[] KEY = "k3y-that-is-long-enough-0123456789abcdef".toCharArray();

  @TempDir Path dir;

  @Test
  void encryptionKeyIsReferencedByEnvironmentNeverWritten() {
    NatsServerConfig config = NatsServerConfig.builder()
        .jetStreamEncryption(NatsServerConfig.Cipher.AES, KEY).build();

    String rendered = config.render("n1", 4222, 8222, 0, dir);

    assertThat(rendered)
        .contains("cipher: aes")
        .contains("key: $" + NatsServerConfig.STORE_KEY_ENV)
        .doesNotContain(new String(KEY));
    assertThat(config.toString()).doesNotContain(new String(KEY)).contains("encryptedAtRest=true");
  }

  @Test
  void rendersTlsAndClusterBlocks() {
    NatsServerConfig config = NatsServerConfig.builder()
        .tls(new NatsServerConfig.Tls(Path.of("/c/server.pem"), Path.of("/c/server.key"), Path.of("/c/ca.pem"), true))
        .cluster(new NatsServerConfig.Cluster("vettid", 0, List.of("nats-route://127.0.0.1:6001")))
        .extraConfig("system_account: SYS")
        .build();

    String rendered = config.render("n1", 4222, 8222, 6000, dir);

    assertThat(rendered)
        .contains("cert_file: \"/c/server.pem\"")
        .contains("verify: true")
        .contains("listen: \"127.0.0.1:6000\"")
        .contains("\"nats-route://127.0.0.1:6001\"")
        .endsWith("system_account: SYS\n");
  }

  @Test
  void theMonitoringEndpointStaysOnLoopbackWhenClientsListenEverywhere() {
    String open = NatsServerConfig.builder().host("0.0.0.0").build().render("n1", 4222, 8222, 0, dir);
    String asked = NatsServerConfig.builder().host("0.0.0.0").monitorHost("0.0.0.0").build()
        .render("n1", 4222, 8222, 0, dir);

    assertThat(open).contains("host: \"0.0.0.0\"").contains("http: \"127.0.0.1:8222\"")
        .doesNotContain("http: \"0.0.0.0");
    assertThat(asked).contains("http: \"0.0.0.0:8222\"");
    assertThat(open).contains("max_payload: " + NatsServerConfig.MAX_PAYLOAD);
    assertThatThrownBy(() -> NatsServerConfig.builder().monitorHost("a b")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesWeakOrUnquotableStoreKeys() {
    assertThatThrownBy(() -> NatsServerConfig.builder()
            .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, "short".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32");
    assertThatThrownBy(() -> NatsServerConfig.builder()
            .jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, ("$" + "a".repeat(40)).toCharArray()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("printable");
  }

  @Test
  void validatesPortsAndNames() {
    assertThatThrownBy(() -> NatsServerConfig.builder().port(70000)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NatsServerConfig.builder().serverName("a b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NatsServerConfig.builder().host("a\"b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new NatsServerConfig.Tls(Path.of("c"), Path.of("k"), null, true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("caFile");
  }

  @Test
  void missingBinarySaysHowToInstallIt() {
    assertThatThrownBy(() -> NatsServerBinary.locate(Map.of(NatsServerBinary.ENV_VAR, dir.resolve("nope").toString())))
        .isInstanceOf(NatsServerException.class)
        .hasMessageContaining("apt-get install -y nats-server")
        .hasMessageContaining(NatsServerBinary.ENV_VAR);
  }

  @Test
  void startRefusesANonExecutableBinaryWithInstallAdvice() {
    NatsServerConfig config = NatsServerConfig.builder().binary(dir.resolve("nats-server")).build();

    assertThatThrownBy(() -> NatsServer.start(config))
        .isInstanceOf(NatsServerException.class)
        .hasMessageContaining("apt-get install -y nats-server");
  }

  @Test
  void findsTheBinaryOnPathBeforeWellKnownPlaces() throws Exception {
    Path fake = dir.resolve("nats-server");
    Files.writeString(fake, "#!/bin/sh\necho nats-server: v0.0.0-fake\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));

    assertThat(NatsServerBinary.locate(Map.of("PATH", dir.toString()))).isEqualTo(fake);
    assertThat(NatsServerBinary.locate(Map.of(NatsServerBinary.ENV_VAR, fake.toString()))).isEqualTo(fake);
    assertThat(NatsServerBinary.version(fake)).isEqualTo("nats-server: v0.0.0-fake");
  }

  @Test
  void randomStoreKeysAreAcceptedAndDistinct() {
    char[] a = NatsServerConfig.randomStoreKey();
    char[] b = NatsServerConfig.randomStoreKey();

    assertThat(a).hasSize(48);
    assertThat(new String(a)).isNotEqualTo(new String(b)).matches("[A-Za-z0-9]{48}");
    assertThat(NatsServerConfig.builder().jetStreamEncryption(NatsServerConfig.Cipher.CHACHAPOLY, a).build()
        .encryptedAtRest()).isTrue();
  }

  @Test
  void theStoreKeyIsDerivedFromTheVaultSecretWithHkdf() throws Exception {
    byte[] secret = new byte[32];
    for (int i = 0; i < secret.length; i++) {
      secret[i] = (byte) i;
    }
    // RFC 5869 written out here (one block of output), independent of the code under test
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(new javax.crypto.spec.SecretKeySpec(new byte[32], "HmacSHA256"));
    byte[] prk = mac.doFinal(secret);
    mac.init(new javax.crypto.spec.SecretKeySpec(prk, "HmacSHA256"));
    mac.update("vettid/jetstream-store-key/v1/vault-a".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    byte[] expected = mac.doFinal(new byte[] {1});

    char[] key = NatsServerConfig.deriveStoreKey(secret, "vault-a");

    assertThat(new String(key)).isEqualTo(java.util.HexFormat.of().formatHex(expected));
    assertThat(NatsServerConfig.deriveStoreKey(secret, "vault-a")).isEqualTo(key);
    assertThat(NatsServerConfig.deriveStoreKey(secret, "vault-b")).isNotEqualTo(key);
    assertThatThrownBy(() -> NatsServerConfig.deriveStoreKey(new byte[31], "vault-a"))
        .hasMessageContaining("at least 32 bytes");
  }

  @Test
  void routesAreTlsWhenTheServerIs(@TempDir Path tmp) {
    NatsServerConfig config = NatsServerConfig.builder()
        .tls(new NatsServerConfig.Tls(tmp.resolve("c.pem"), tmp.resolve("k.pem"), tmp.resolve("ca.pem"), false))
        .cluster(new NatsServerConfig.Cluster("vettid", 0, List.of("nats-route://127.0.0.1:6001")))
        .build();

    String text = config.render("n1", 4222, 8222, 6222, tmp);
    String cluster = text.substring(text.indexOf("cluster {"));

    assertThat(cluster).contains("tls {").contains("verify: true").contains("ca.pem");
  }

  private static final String PIN = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";

  @org.junit.jupiter.api.Test
  void aServerAddressTakesOnlyAHostAPortAndAPin() {
    ServerAddress a = ServerAddress.parse("127.0.0.1:4222", PIN);
    org.assertj.core.api.Assertions.assertThat(a.url()).isEqualTo("tls://127.0.0.1:4222");
    org.assertj.core.api.Assertions.assertThat(ServerAddress.parse("vault.example.org:443", PIN).host())
        .isEqualTo("vault.example.org");
    for (String bad : new String[] {"127.0.0.1", ":4222", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
        "256.1.1.1:1", "Vault.Example:1", "a b:1", "host:12x", "-bad.example:1"}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerAddress.parse(bad, PIN))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ServerAddress.parse("127.0.0.1:1", "short"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pin");
  }

  @Test
  void anyTextIsAnAddressOrAClearRefusal() {
    tries(2000).forAll(anyChars(255)).checkAssert(this::anyTextIsAnAddressOrAClearRefusalCheck);
  }

  private void anyTextIsAnAddressOrAClearRefusalCheck(String text) {
    try {
      ServerAddress a = ServerAddress.parse(text, PIN);
      org.assertj.core.api.Assertions.assertThat(a.hostPort()).isEqualTo(text);
    } catch (IllegalArgumentException e) {
      org.assertj.core.api.Assertions.assertThat(e.getMessage()).isNotBlank();
    }
  }
}
