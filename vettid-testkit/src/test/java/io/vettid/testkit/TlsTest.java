package io.vettid.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import io.vettid.nats.tls.TlsMaterial;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** TLS on a real nats-server: it works, and every shortcut around it is refused. */
class TlsTest {

  @RegisterExtension static final NatsServerExtension NATS = NatsServerExtension.builder().tls().build();

  @TempDir Path dir;

  private static Options.Builder failFast(String url) {
    return Options.builder().server(url).connectionTimeout(Duration.ofSeconds(3)).noReconnect();
  }

  @Test
  void jetStreamWorksOverTls() throws Exception {
    Connection nc = NATS.connect();
    nc.jetStreamManagement().addStream(StreamConfiguration.builder()
        .name("Tls").subjects("Tls.Queue").storageType(StorageType.File).build());

    assertThat(NATS.url()).startsWith("tls://127.0.0.1:");
    assertThat(nc.jetStream().publish("Tls.Queue", new byte[] {1}).getSeqno()).isEqualTo(1);
  }

  @Test
  void aPlaintextClientIsRefused() {
    String plain = NATS.url().replace("tls://", "nats://");

    assertThatThrownBy(() -> Nats.connect(failFast(plain).build())).isInstanceOf(Exception.class);
  }

  @Test
  void aClientTrustingAnotherCaIsRefused() throws Exception {
    TlsMaterial other = TlsMaterial.generate(dir, List.of("localhost"), List.of("127.0.0.1"));

    assertThatThrownBy(() -> Nats.connect(failFast(NATS.url()).sslContext(other.clientContext()).build()))
        .isInstanceOf(Exception.class);
  }

  /**
   * Issue #23: a server that answers with another CA's certificate is told apart from one that
   * cannot be reached, so a new connection to a peer's server fails at once on the first and
   * waits for the second.
   */
  @Test
  void aPinCheckTellsAnotherCaFromAnUnreachableServer() throws Exception {
    int port = Integer.parseInt(NATS.url().substring(NATS.url().lastIndexOf(':') + 1));
    io.vettid.nats.server.ServerAddress right = new io.vettid.nats.server.ServerAddress("127.0.0.1", port,
        NATS.tlsMaterial().caPin());
    right.checkPin(Duration.ofSeconds(5)); // the server's own CA: passes

    TlsMaterial other = TlsMaterial.generate(dir, List.of("localhost"), List.of("127.0.0.1"));
    io.vettid.nats.server.ServerAddress wrong = new io.vettid.nats.server.ServerAddress("127.0.0.1", port,
        other.caPin());
    assertThatThrownBy(() -> wrong.checkPin(Duration.ofSeconds(5)))
        .isInstanceOf(io.vettid.nats.server.PinMismatchException.class)
        .hasMessageContaining("did not present a certificate of the CA its pin names");

    int nobody = io.vettid.nats.server.NatsServerConfig.freePort("127.0.0.1");
    io.vettid.nats.server.ServerAddress offline = new io.vettid.nats.server.ServerAddress("127.0.0.1", nobody,
        NATS.tlsMaterial().caPin());
    assertThatThrownBy(() -> offline.checkPin(Duration.ofSeconds(2))).isInstanceOf(java.io.IOException.class)
        .isNotInstanceOf(io.vettid.nats.server.PinMismatchException.class);
  }

  @Test
  void theHostNameIsVerified() throws Exception {
    TlsMaterial onlyLocalhost = TlsMaterial.generate(dir, List.of("localhost"), List.of());
    try (NatsServer server = NatsServer.start(NatsServerConfig.builder().tls(onlyLocalhost.serverTls(false)).build())) {
      // control: a plain JDK context trusting the same CA (no hostname check) gets through ...
      try (Connection unchecked = Nats.connect(failFast(server.clientUrl()).sslContext(trustOnly(onlyLocalhost)).build())) {
        assertThat(unchecked.getStatus()).isEqualTo(Connection.Status.CONNECTED);
      }
      // ... VettID's context refuses, because the certificate names localhost, not 127.0.0.1
      assertThatThrownBy(() -> Nats.connect(failFast(server.clientUrl()).sslContext(onlyLocalhost.clientContext()).build()))
          .isInstanceOf(Exception.class);
    }
  }

  @Test
  void mutualTlsAcceptsOnlyClientsWithACertificateFromTheCa() throws Exception {
    TlsMaterial tls = TlsMaterial.generate(dir.resolve("a"), List.of("localhost"), List.of("127.0.0.1"));
    TlsMaterial other = TlsMaterial.generate(dir.resolve("b"), List.of("localhost"), List.of("127.0.0.1"));
    try (NatsServer server = NatsServer.start(NatsServerConfig.builder().tls(tls.serverTls(true)).build())) {
      try (Connection withCert = Nats.connect(failFast(server.clientUrl()).sslContext(tls.clientContext("vault-a")).build())) {
        assertThat(withCert.getStatus()).isEqualTo(Connection.Status.CONNECTED);
      }
      // no client certificate
      assertThatThrownBy(() -> Nats.connect(failFast(server.clientUrl()).sslContext(tls.clientContext()).build()))
          .isInstanceOf(Exception.class);
      // a client certificate from another CA (the client itself trusts the right server)
      javax.net.ssl.SSLContext foreign = tls.clientContext(other.clientKeyManagers("intruder"));
      assertThatThrownBy(() -> Nats.connect(failFast(server.clientUrl()).sslContext(foreign).build()))
          .isInstanceOf(Exception.class);
    }
  }

  @Test
  void aClientThatKnowsOnlyTheCasPinConnectsAndAnotherPinIsRefused() throws Exception {
    TlsMaterial other = TlsMaterial.generate(dir, List.of("localhost"), List.of("127.0.0.1"));
    String pin = NATS.tlsMaterial().caPin();
    assertThat(pin).hasSize(43).isNotEqualTo(other.caPin());

    try (Connection pinned = Nats.connect(failFast(NATS.url()).sslContext(TlsMaterial.pinned(pin)).build())) {
      assertThat(pinned.getStatus()).isEqualTo(Connection.Status.CONNECTED);
    }
    assertThatThrownBy(() -> Nats.connect(failFast(NATS.url()).sslContext(TlsMaterial.pinned(other.caPin())).build()))
        .isInstanceOf(Exception.class);
    assertThatThrownBy(() -> TlsMaterial.pinned("not-a-pin")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void materialLoadedFromItsFilesServesWithTheSamePinButIssuesNoClientCertificates() throws Exception {
    TlsMaterial made = TlsMaterial.generate(dir, List.of("localhost"), List.of("127.0.0.1"));
    TlsMaterial loaded = TlsMaterial.load(dir);
    assertThat(loaded.caPin()).isEqualTo(made.caPin());
    try (NatsServer server = NatsServer.start(NatsServerConfig.builder().tls(loaded.serverTls(false)).build());
        Connection nc = Nats.connect(failFast(server.clientUrl()).sslContext(TlsMaterial.pinned(made.caPin())).build())) {
      assertThat(nc.getStatus()).isEqualTo(Connection.Status.CONNECTED);
    }
    assertThatThrownBy(() -> loaded.clientContext("vault")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> TlsMaterial.load(dir.resolve("missing"))).isInstanceOf(java.io.IOException.class);
  }

  private static javax.net.ssl.SSLContext trustOnly(TlsMaterial tls) throws Exception {
    java.security.KeyStore trust = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    trust.load(null, null);
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(tls.caFile())) {
      trust.setCertificateEntry("ca", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

}
