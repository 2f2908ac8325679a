package io.vettid.nats.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #20, TLS: the CA key is kept sealed beside the certificates, and the server certificate is
 * renewed well before it ends, by the same CA (the pin peers hold stays), and served by a running
 * nats-server after a reload, without a restart. A vault whose clock stands 400 days on (past the
 * 365 days of its first certificate) renews and serves a certificate valid then.
 */
class TlsRenewalTest {
  @TempDir Path dir;

  private static byte[] secret() {
    byte[] s = new byte[32];
    new SecureRandom().nextBytes(s);
    return s;
  }

  @Test
  void theCaKeyIsKeptSealedAndOpensOnlyWithItsSecret() throws Exception {
    byte[] secret = secret();
    TlsMaterial made = TlsMaterial.generate(dir, List.of("localhost"), List.of("127.0.0.1"), secret);
    Path sealed = dir.resolve(TlsMaterial.CA_KEY_FILE);
    assertThat(Files.getPosixFilePermissions(sealed)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
        PosixFilePermission.OWNER_WRITE);
    assertThat(new String(Files.readAllBytes(sealed), java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain("PRIVATE KEY");
    assertThat(made.canRenew()).isTrue();
    assertThat(TlsMaterial.load(dir, secret).canRenew()).isTrue();
    assertThat(TlsMaterial.load(dir).canRenew()).as("loaded without the secret").isFalse();
    assertThatThrownBy(() -> TlsMaterial.load(dir, secret())).isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> TlsMaterial.load(dir, new byte[16])).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aStagedCaKeyIsTakenOnlyOnceItsSecretIsInEffect() throws Exception {
    byte[] old = secret();
    byte[] next = secret();
    TlsMaterial.generate(dir, List.of("localhost"), List.of("127.0.0.1"), old);
    assertThatThrownBy(() -> TlsMaterial.stageCaKey(dir, next, secret())).isInstanceOf(GeneralSecurityException.class);
    assertThat(Files.exists(dir.resolve(TlsMaterial.CA_KEY_STAGED))).isFalse();

    assertThat(TlsMaterial.stageCaKey(dir, old, next)).isTrue();
    // not committed: the old secret is still in effect, the staged key is dropped and the old one stays
    assertThat(TlsMaterial.settleStagedCaKey(dir, old)).isFalse();
    assertThat(Files.exists(dir.resolve(TlsMaterial.CA_KEY_STAGED))).isFalse();
    assertThat(TlsMaterial.load(dir, old).canRenew()).isTrue();

    assertThat(TlsMaterial.stageCaKey(dir, old, next)).isTrue();
    assertThat(TlsMaterial.load(dir, old).canRenew()).as("nothing changes before it is settled").isTrue();
    assertThat(TlsMaterial.settleStagedCaKey(dir, next)).isTrue();
    assertThat(TlsMaterial.load(dir, next).canRenew()).isTrue();
    assertThatThrownBy(() -> TlsMaterial.load(dir, old)).isInstanceOf(GeneralSecurityException.class);
    assertThat(Files.getPosixFilePermissions(dir.resolve(TlsMaterial.CA_KEY_FILE)))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(TlsMaterial.settleStagedCaKey(dir, next)).as("nothing staged").isFalse();
  }

  @Test
  void aCertificateDueIsRenewedByTheSameCaForTheSameNames() throws Exception {
    byte[] secret = secret();
    TlsMaterial tls = TlsMaterial.generate(dir, List.of("localhost"), List.of("127.0.0.1"), secret);
    X509Certificate first = tls.serverCertificate();
    Instant now = Instant.now();
    assertThat(tls.renewIfDue(now, TlsMaterial.RENEW_BEFORE)).as("a new certificate is not due").isFalse();

    Instant later = now.plus(Duration.ofDays(400)); // the clock moved past the first certificate's end
    TlsMaterial loaded = TlsMaterial.load(dir, secret);
    assertThat(loaded.renewIfDue(later, TlsMaterial.RENEW_BEFORE)).isTrue();
    X509Certificate renewed = loaded.serverCertificate();
    renewed.checkValidity(Date.from(later));
    renewed.checkValidity(Date.from(later.plus(Duration.ofDays(200))));
    X509Certificate ca = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
        .generateCertificate(Files.newInputStream(loaded.caFile()));
    renewed.verify(ca.getPublicKey());
    assertThat(List.copyOf(renewed.getSubjectAlternativeNames())).isEqualTo(List.copyOf(first.getSubjectAlternativeNames()));
    assertThat(renewed.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
    assertThat(loaded.caPin()).as("peers keep their pin").isEqualTo(tls.caPin());
    assertThat(loaded.renewIfDue(later, TlsMaterial.RENEW_BEFORE)).as("renewed once").isFalse();

    // material made before the CA key was kept cannot renew, and says so
    assertThatThrownBy(() -> TlsMaterial.load(dir).renewIfDue(later.plus(Duration.ofDays(400)),
        TlsMaterial.RENEW_BEFORE)).isInstanceOf(IllegalStateException.class).hasMessageContaining("no CA key");
    assertThat(TlsMaterial.load(dir).renewAndReload(later.plus(Duration.ofDays(400)), TlsMaterial.RENEW_BEFORE,
        List.of())).as("the daily check logs it and goes on").isFalse();
  }

  @Test
  void aRunningServerServesTheRenewedCertificateAfterAReload() throws Exception {
    byte[] secret = secret();
    TlsMaterial tls = TlsMaterial.generate(dir.resolve("tls"), List.of("localhost"), List.of("127.0.0.1"), secret);
    try (NatsServer server = NatsServer.start(NatsServerConfig.builder().workDir(dir.resolve("nats"))
        .tls(tls.serverTls(false)).build())) {
      Connection before = Nats.connect(Options.builder().server(server.clientUrl()).sslContext(tls.clientContext())
          .build());
      assertThat(served(server, tls).getSerialNumber()).isEqualTo(tls.serverCertificate().getSerialNumber());

      // as a server's daily check does it (forced: the certificate ends within 400 days)
      assertThat(tls.renewAndReload(Instant.now(), Duration.ofDays(400), List.of(server))).isTrue();
      X509Certificate now = served(server, tls);
      assertThat(now.getSerialNumber()).as("the renewed certificate is served").isEqualTo(
          tls.serverCertificate().getSerialNumber());
      Connection after = Nats.connect(Options.builder().server(server.clientUrl()).sslContext(tls.clientContext())
          .build());
      before.flush(Duration.ofSeconds(5)); // the connection made before goes on
      after.flush(Duration.ofSeconds(5));
      before.close();
      after.close();
    }
  }

  /** The certificate the server presents: read its INFO line, then upgrade to TLS as a NATS client does. */
  private static X509Certificate served(NatsServer server, TlsMaterial tls) throws Exception {
    try (Socket raw = new Socket("127.0.0.1", server.port())) {
      InputStream in = raw.getInputStream();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        // the plaintext INFO line before TLS
      }
      try (SSLSocket ssl = (SSLSocket) tls.clientContext().getSocketFactory().createSocket(raw, "127.0.0.1",
          server.port(), true)) {
        ssl.startHandshake();
        return (X509Certificate) ssl.getSession().getPeerCertificates()[0];
      }
    }
  }
}
