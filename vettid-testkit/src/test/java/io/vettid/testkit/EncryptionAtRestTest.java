package io.vettid.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.vettid.nats.server.NatsServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * JetStream encryption at rest: a known plaintext marker written through the server is nowhere in
 * the store, and the same scan does find it on a server without encryption (so the scan works).
 */
class EncryptionAtRestTest {

  @RegisterExtension final NatsServerExtension encrypted = NatsServerExtension.builder().encryptedAtRest().build();
  @RegisterExtension final NatsServerExtension plain = NatsServerExtension.builder().build();

  @Test
  void encryptedStoreHoldsNoPlaintextAndStillReadsBackAfterRestart() throws Exception {
    String marker = "VETTID-PLAINTEXT-MARKER-" + UUID.randomUUID();
    writeMarker(encrypted.connect(), marker);
    NatsServer server = encrypted.server();
    server.stop();

    assertThat(StoreScan.fileCount(server.storeDir())).as("files in the store").isGreaterThan(0);
    assertThat(StoreScan.filesContaining(server.storeDir(), marker)).as("files holding the plaintext marker").isEmpty();

    server.restart();
    assertThat(readMarker(encrypted.connect())).isEqualTo(marker);
  }

  @Test
  void theScanFindsTheMarkerInAnUnencryptedStore() throws Exception {
    String marker = "VETTID-PLAINTEXT-MARKER-" + UUID.randomUUID();
    writeMarker(plain.connect(), marker);
    NatsServer server = plain.server();
    server.stop();

    assertThat(StoreScan.filesContaining(server.storeDir(), marker)).isNotEmpty();
  }

  /**
   * nats-server reads a variable's value as a configuration value; keys that look like numbers
   * (a random key can) must still start the server and be the same key after a restart.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "12e4bc0123456789abcdef0123456789abcdef", "1234567890123456789012345678901234567890",
      "9.5abc0123456789abcdef0123456789abcdef", "true0123456789abcdef0123456789abcdef"})
  void storeKeysThatLookLikeNumbersStillWork(String key) throws Exception {
    try (NatsServer server = NatsServer.start(io.vettid.nats.server.NatsServerConfig.builder()
        .jetStreamEncryption(io.vettid.nats.server.NatsServerConfig.Cipher.CHACHAPOLY, key.toCharArray())
        .build())) {
      String marker = "VETTID-PLAINTEXT-MARKER-" + UUID.randomUUID();
      try (Connection nc = io.nats.client.Nats.connect(server.clientUrl())) {
        writeMarker(nc, marker);
      }
      server.restart();
      try (Connection nc = io.nats.client.Nats.connect(server.clientUrl())) {
        assertThat(readMarker(nc)).isEqualTo(marker);
      }
    }
  }

  private static void writeMarker(Connection nc, String marker) throws Exception {
    nc.jetStreamManagement().addStream(StreamConfiguration.builder()
        .name("Secrets").subjects("Secrets.Queue").storageType(StorageType.File).build());
    nc.jetStream().publish("Secrets.Queue", marker.getBytes(StandardCharsets.UTF_8));
  }

  private static String readMarker(Connection nc) throws Exception {
    JetStreamSubscription sub = nc.jetStream()
        .subscribe("Secrets.Queue", PullSubscribeOptions.builder().durable("r").build());
    List<Message> got = sub.fetch(1, Duration.ofSeconds(3));
    assertThat(got).hasSize(1);
    return new String(got.get(0).getData(), StandardCharsets.UTF_8);
  }
}
