package io.vettid.nats.tls;

import io.vettid.nats.server.NatsServer;
import io.vettid.nats.server.NatsServerConfig;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A private certificate authority and a server certificate for a local {@code nats-server}, made
 * with Bouncy Castle (ECDSA P-256, SHA-256), written as PEM files (the private key with mode 0600),
 * and a client {@link SSLContext} that trusts only this CA <em>and verifies the host name</em>:
 * jnats does not turn hostname verification on by itself.
 *
 * <p>The host checked is the one jnats hands to TLS. With jnats 2.26 that was the resolved IP
 * address even for a host-name URL in our tests, so put the addresses clients connect to in the
 * certificate's IP names.
 *
 * <pre>{@code
 * TlsMaterial tls = TlsMaterial.generate(dir, List.of("localhost"), List.of("127.0.0.1"));
 * NatsServer server = NatsServer.start(NatsServerConfig.builder().tls(tls.serverTls(false)).build());
 * Connection nc = Nats.connect(Options.builder().server(server.clientUrl()).sslContext(tls.clientContext()).build());
 * }</pre>
 */
public final class TlsMaterial {
  private final Path caFile;
  private final Path certFile;
  private final Path keyFile;
  private final X509Certificate ca;
  /** The CA's private key stays in memory only, to issue client certificates for mutual TLS. */
  private final java.security.PrivateKey caKey;

  private TlsMaterial(Path caFile, Path certFile, Path keyFile, X509Certificate ca, java.security.PrivateKey caKey) {
    this.caFile = caFile;
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.ca = ca;
    this.caKey = caKey;
  }

  /**
   * Makes a CA and a server certificate valid for the given names, and writes them to a directory.
   *
   * @param dir where to write {@code ca.pem}, {@code server-cert.pem}, {@code server-key.pem}
   * @param dnsNames host names the server answers to (may be empty)
   * @param ipAddresses IP addresses the server answers on (may be empty; not both empty)
   * @return the material
   * @throws GeneralSecurityException if a key or certificate cannot be made
   * @throws IOException if a file cannot be written
   */
  public static TlsMaterial generate(Path dir, List<String> dnsNames, List<String> ipAddresses)
      throws GeneralSecurityException, IOException {
    Objects.requireNonNull(dir, "dir");
    if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
      throw new IllegalArgumentException("a server certificate needs at least one host name or IP address");
    }
    SecureRandom random = new SecureRandom();
    KeyPair caKeys = p256(random);
    KeyPair serverKeys = p256(random);
    Instant now = Instant.now();
    X500Name caName = new X500Name("CN=VettID local CA " + Long.toHexString(random.nextLong()));
    try {
      JcaX509v3CertificateBuilder caBuilder = new JcaX509v3CertificateBuilder(caName, serial(random),
          Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(3650))), caName,
          caKeys.getPublic());
      caBuilder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      caBuilder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509Certificate ca = sign(caBuilder, caKeys);

      List<GeneralName> names = new ArrayList<>();
      dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
      ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
      // serverAuth and clientAuth: cluster routes present the server certificate as a client one
      JcaX509v3CertificateBuilder serverBuilder = leaf(ca,
          dnsNames.isEmpty() ? ipAddresses.get(0) : dnsNames.get(0), serverKeys, Duration.ofDays(365), random,
          KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
      serverBuilder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.toArray(new GeneralName[0])));
      X509Certificate server = sign(serverBuilder, caKeys);

      Files.createDirectories(dir);
      Path caFile = dir.resolve("ca.pem");
      Path certFile = dir.resolve("server-cert.pem");
      Path keyFile = dir.resolve("server-key.pem");
      Files.writeString(caFile, pem("CERTIFICATE", ca.getEncoded()), StandardCharsets.US_ASCII);
      Files.writeString(certFile, pem("CERTIFICATE", server.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()),
          StandardCharsets.US_ASCII);
      Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(keyFile, pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
      return new TlsMaterial(caFile, certFile, keyFile, ca, caKeys.getPrivate());
    } catch (CertIOException | OperatorCreationException e) {
      throw new GeneralSecurityException("cannot make the TLS certificates", e);
    }
  }

  /** The file that keeps the CA's private key, sealed under a key derived from the caller's secret. */
  static final String CA_KEY_FILE = "ca-key.sealed";
  private static final String CA_KEY_PURPOSE = "vettid/tls/ca-key/v1";

  /**
   * As {@link #generate(Path, List, List)}, and keeps the CA's private key in {@code
   * ca-key.sealed} (mode 0600), sealed with AES-256-GCM under a key derived from {@code secret}
   * ({@code HKDF(secret, "vettid/tls/ca-key/v1")}), so that material {@link #load(Path, byte[])
   * loaded} with the same secret can renew the server certificate ({@link #renewIfDue}) without a
   * new CA: peers that pinned the CA keep trusting the server.
   *
   * <pre>{@code
   * TlsMaterial tls = TlsMaterial.generate(dir, List.of("localhost"), List.of("127.0.0.1"), vaultSecret);
   * TlsMaterial later = TlsMaterial.load(dir, vaultSecret);
   * if (later.renewIfDue(Instant.now(), TlsMaterial.RENEW_BEFORE)) {
   *   server.reload();                                 // serves the new certificate
   * }
   * }</pre>
   *
   * @param dir where to write the files
   * @param dnsNames host names the server answers to (may be empty)
   * @param ipAddresses IP addresses the server answers on (may be empty; not both empty)
   * @param secret the secret the CA key is sealed under (at least 32 bytes: the vault's or server's)
   * @return the material
   * @throws GeneralSecurityException if a key or certificate cannot be made
   * @throws IOException if a file cannot be written
   */
  public static TlsMaterial generate(Path dir, List<String> dnsNames, List<String> ipAddresses, byte[] secret)
      throws GeneralSecurityException, IOException {
    byte[] kek = keyOf(secret);
    TlsMaterial m = generate(dir, dnsNames, ipAddresses);
    byte[] plain = m.caKey.getEncoded();
    try {
      replace(dir.resolve(CA_KEY_FILE), io.vettid.crypto.SecretBox.seal(kek,
          CA_KEY_PURPOSE.getBytes(StandardCharsets.US_ASCII), plain, new SecureRandom()), true);
    } finally {
      java.util.Arrays.fill(plain, (byte) 0);
      java.util.Arrays.fill(kek, (byte) 0);
    }
    return m;
  }

  /**
   * Loads material, and the CA's private key if {@code ca-key.sealed} is there (material made by
   * {@link #generate(Path, List, List, byte[])}); without it the material cannot renew.
   *
   * @param dir the directory
   * @param secret the secret the CA key was sealed under
   * @return the material
   * @throws IOException if a file is missing or unreadable
   * @throws GeneralSecurityException if the CA key does not open with this secret, or does not
   *     belong to the CA certificate
   */
  public static TlsMaterial load(Path dir, byte[] secret) throws IOException, GeneralSecurityException {
    byte[] kek = keyOf(secret);
    TlsMaterial m = load(dir);
    Path sealed = dir.resolve(CA_KEY_FILE);
    if (!Files.isRegularFile(sealed)) {
      java.util.Arrays.fill(kek, (byte) 0);
      return m;
    }
    byte[] plain = io.vettid.crypto.SecretBox.open(kek, CA_KEY_PURPOSE.getBytes(StandardCharsets.US_ASCII),
        Files.readAllBytes(sealed));
    try {
      java.security.PrivateKey key = java.security.KeyFactory.getInstance("EC")
          .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(plain));
      checkPair(m.ca, key);
      return new TlsMaterial(m.caFile, m.certFile, m.keyFile, m.ca, key);
    } finally {
      java.util.Arrays.fill(plain, (byte) 0);
      java.util.Arrays.fill(kek, (byte) 0);
    }
  }

  /** How long before its end the server certificate is renewed (a third of its 365 days). */
  public static final Duration RENEW_BEFORE = Duration.ofDays(120);

  /** How long a server certificate is valid. */
  static final Duration SERVER_VALIDITY = Duration.ofDays(365);

  /** {@return whether this material holds the CA's private key (made or loaded with its secret)} */
  public boolean canRenew() {
    return caKey != null;
  }

  /**
   * {@return the server certificate now in {@code server-cert.pem}}
   *
   * @throws IOException if it cannot be read
   * @throws GeneralSecurityException if it holds no certificate
   */
  public X509Certificate serverCertificate() throws IOException, GeneralSecurityException {
    return readCertificate(certFile);
  }

  /**
   * Renews the server certificate when it ends within {@code renewBefore} of {@code now}: a new
   * key pair and a certificate from the same CA, for the same names, valid 365 days from {@code
   * now} (never past the CA's own end), written over the old files in one atomic move each. The CA
   * and its pin stay: nobody is invited again. A running server serves it after a reload ({@code
   * NatsServer.reload()}).
   *
   * @param now the time to judge by (the system clock in production)
   * @param renewBefore how long before its end the certificate is renewed, such as {@link #RENEW_BEFORE}
   * @return whether it was renewed
   * @throws IllegalStateException if it is due and the CA key is not held ({@link #canRenew})
   * @throws IOException if a file cannot be read or written
   * @throws GeneralSecurityException if the new certificate cannot be made
   */
  public synchronized boolean renewIfDue(Instant now, Duration renewBefore) throws IOException, GeneralSecurityException {
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(renewBefore, "renewBefore");
    X509Certificate current = serverCertificate();
    if (current.getNotAfter().toInstant().isAfter(now.plus(renewBefore))) {
      return false;
    }
    if (caKey == null) {
      throw new IllegalStateException("the server certificate ends at " + current.getNotAfter().toInstant()
          + " and this material holds no CA key to renew it (made before the CA key was kept)");
    }
    SecureRandom random = new SecureRandom();
    KeyPair keys = p256(random);
    Instant end = now.plus(SERVER_VALIDITY);
    if (end.isAfter(ca.getNotAfter().toInstant())) {
      end = ca.getNotAfter().toInstant();
    }
    try {
      String cn = new X500Name(current.getSubjectX500Principal().getName()).getRDNs()[0].getFirst().getValue()
          .toString();
      JcaX509v3CertificateBuilder b = leaf(ca, cn, keys, now, end, random, KeyPurposeId.id_kp_serverAuth,
          KeyPurposeId.id_kp_clientAuth);
      byte[] names = current.getExtensionValue(Extension.subjectAlternativeName.getId());
      if (names != null) {
        b.addExtension(Extension.subjectAlternativeName, false, GeneralNames.getInstance(
            org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils.parseExtensionValue(names)));
      }
      X509Certificate renewed = sign(b, new KeyPair(ca.getPublicKey(), caKey));
      replace(keyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()).getBytes(StandardCharsets.US_ASCII), true);
      replace(certFile, (pem("CERTIFICATE", renewed.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()))
          .getBytes(StandardCharsets.US_ASCII), false);
      return true;
    } catch (CertIOException | OperatorCreationException e) {
      throw new GeneralSecurityException("cannot renew the server certificate", e);
    }
  }

  /**
   * {@link #renewIfDue Renews} the server certificate if it is due and has the running servers
   * serve it ({@link NatsServer#reload}); what goes wrong is logged, not thrown: the certificate in
   * use stays valid until its end, and the next call tries again. For a server's daily check.
   *
   * @param now the time to judge by
   * @param renewBefore how long before its end the certificate is renewed
   * @param running the servers that serve this material (none before they start)
   * @return whether it was renewed
   */
  public boolean renewAndReload(Instant now, Duration renewBefore, List<NatsServer> running) {
    try {
      if (!renewIfDue(now, renewBefore)) {
        return false;
      }
      LOG.info("the TLS certificate in {} was renewed; it is valid until {}", certFile.getParent(),
          serverCertificate().getNotAfter().toInstant());
      running.forEach(NatsServer::reload);
      return true;
    } catch (IllegalStateException cannot) {
      LOG.warn("{}", cannot.getMessage());
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      LOG.warn("the TLS certificate in {} could not be renewed ({}); tried again at the next check",
          certFile.getParent(), e.getClass().getSimpleName());
    }
    return false;
  }

  /** The CA key sealed under a new secret, beside the current one until the re-key is committed. */
  static final String CA_KEY_STAGED = "ca-key.sealed.next";

  /**
   * Seals the CA key again under a new secret, into a file beside the current one ({@code
   * ca-key.sealed.next}); nothing else changes until {@link #settleStagedCaKey} takes it. For a re-key
   * of the secret the CA key is sealed under: stage, then commit the new secret, then settle.
   *
   * @param dir the material's directory
   * @param oldSecret the secret the CA key is sealed under
   * @param newSecret the secret to seal it under
   * @return false if there is no sealed CA key to re-seal (material without one)
   * @throws GeneralSecurityException if the CA key does not open under {@code oldSecret}
   * @throws IOException if a file cannot be read or written
   */
  public static boolean stageCaKey(Path dir, byte[] oldSecret, byte[] newSecret)
      throws IOException, GeneralSecurityException {
    Path sealed = Objects.requireNonNull(dir, "dir").resolve(CA_KEY_FILE);
    if (!Files.isRegularFile(sealed)) {
      return false;
    }
    byte[] oldKek = keyOf(oldSecret);
    byte[] newKek = keyOf(newSecret);
    byte[] aad = CA_KEY_PURPOSE.getBytes(StandardCharsets.US_ASCII);
    byte[] plain = null;
    try {
      plain = io.vettid.crypto.SecretBox.open(oldKek, aad, Files.readAllBytes(sealed));
      replace(dir.resolve(CA_KEY_STAGED), io.vettid.crypto.SecretBox.seal(newKek, aad, plain, new SecureRandom()), true);
      return true;
    } finally {
      java.util.Arrays.fill(oldKek, (byte) 0);
      java.util.Arrays.fill(newKek, (byte) 0);
      if (plain != null) {
        java.util.Arrays.fill(plain, (byte) 0);
      }
    }
  }

  /**
   * Settles a CA key staged by {@link #stageCaKey}: it replaces the current one if it opens under
   * {@code secret} (the re-key was committed), and is deleted otherwise (a re-key that stopped before
   * its commit). Safe to call at every start.
   *
   * @param dir the material's directory
   * @param secret the secret in effect
   * @return true if a staged key was taken
   * @throws IOException if a file cannot be read, moved or deleted
   */
  public static boolean settleStagedCaKey(Path dir, byte[] secret) throws IOException {
    Path staged = Objects.requireNonNull(dir, "dir").resolve(CA_KEY_STAGED);
    if (!Files.isRegularFile(staged)) {
      return false;
    }
    byte[] kek = keyOf(secret);
    try {
      byte[] plain = io.vettid.crypto.SecretBox.open(kek, CA_KEY_PURPOSE.getBytes(StandardCharsets.US_ASCII),
          Files.readAllBytes(staged));
      java.util.Arrays.fill(plain, (byte) 0);
    } catch (GeneralSecurityException e) {
      Files.delete(staged);
      return false;
    } finally {
      java.util.Arrays.fill(kek, (byte) 0);
    }
    Files.move(staged, dir.resolve(CA_KEY_FILE), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    return true;
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TlsMaterial.class);

  private static byte[] keyOf(byte[] secret) {
    Objects.requireNonNull(secret, "secret");
    if (secret.length < 32) {
      throw new IllegalArgumentException("the secret must be at least 32 bytes");
    }
    return io.vettid.crypto.SecretBox.derive(secret, CA_KEY_PURPOSE, 32);
  }

  /** Writes a file whole or not at all (a temporary file moved over it), mode 0600 when private. */
  private static void replace(Path file, byte[] bytes, boolean secret) throws IOException {
    Path tmp = secret ? Files.createTempFile(file.getParent(), "vettid", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
        : Files.createTempFile(file.getParent(), "vettid", ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** Checks that a private key signs for the CA certificate's public key. */
  private static void checkPair(X509Certificate ca, java.security.PrivateKey key) throws GeneralSecurityException {
    byte[] probe = "vettid-ca-key-check".getBytes(StandardCharsets.US_ASCII);
    java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
    s.initSign(key);
    s.update(probe);
    byte[] sig = s.sign();
    s.initVerify(ca.getPublicKey());
    s.update(probe);
    if (!s.verify(sig)) {
      throw new GeneralSecurityException("the kept CA key does not belong to the CA certificate");
    }
  }

  /** {@return the CA certificate (PEM)} */
  public Path caFile() {
    return caFile;
  }

  /**
   * Loads material that {@link #generate} wrote earlier into a directory, so that a restarted
   * server keeps its certificates (and peers that pinned its CA keep trusting it). The CA's
   * private key was never written, so material loaded this way cannot issue client certificates
   * ({@link #clientKeyManagers} throws {@link IllegalStateException}).
   *
   * @param dir the directory holding {@code ca.pem}, {@code server-cert.pem}, {@code server-key.pem}
   * @return the material
   * @throws IOException if a file is missing or unreadable
   * @throws GeneralSecurityException if {@code ca.pem} holds no CA certificate
   */
  public static TlsMaterial load(Path dir) throws IOException, GeneralSecurityException {
    Objects.requireNonNull(dir, "dir");
    Path caFile = dir.resolve("ca.pem");
    Path certFile = dir.resolve("server-cert.pem");
    Path keyFile = dir.resolve("server-key.pem");
    for (Path f : List.of(caFile, certFile, keyFile)) {
      if (!Files.isRegularFile(f)) {
        throw new IOException("missing TLS file " + f);
      }
    }
    X509Certificate ca = readCertificate(caFile);
    if (ca.getBasicConstraints() < 0) {
      throw new GeneralSecurityException(caFile + " holds a certificate that is not a CA");
    }
    return new TlsMaterial(caFile, certFile, keyFile, ca, null);
  }

  /**
   * The CA's pin: SHA-256 of its DER encoding, base64url without padding (43 characters). A peer
   * that got the pin through an authenticated channel (such as an invitation) connects with
   * {@link #pinned(String)} without having the CA file.
   *
   * @return the pin
   */
  public String caPin() {
    return pin(ca);
  }

  /**
   * A client context for a server whose CA is known only by its {@linkplain #caPin() pin}: the
   * server must present its CA certificate in its chain (servers configured from {@link
   * #serverTls} do), the CA must hash to the pin, the chain must validate to it, and the leaf
   * must name the host connected to.
   *
   * @param caPin the CA's pin (43 characters of base64url)
   * @return the context
   * @throws GeneralSecurityException if the context cannot be made
   * @throws IllegalArgumentException if the pin is not 32 bytes of base64url
   */
  public static SSLContext pinned(String caPin) throws GeneralSecurityException {
    byte[] expected = decodePin(caPin);
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(null, new TrustManager[] {new PinnedCaTrustManager(expected)}, new SecureRandom());
    return context;
  }

  /**
   * Checks a CA pin's form.
   *
   * @param caPin the pin
   * @return its 32 bytes
   * @throws IllegalArgumentException if it is not 43 characters of canonical base64url
   */
  public static byte[] decodePin(String caPin) {
    Objects.requireNonNull(caPin, "caPin");
    if (!caPin.matches("[A-Za-z0-9_-]{43}")) {
      throw new IllegalArgumentException("a CA pin is 43 characters of base64url (SHA-256)");
    }
    byte[] b = Base64.getUrlDecoder().decode(caPin);
    if (!Base64.getUrlEncoder().withoutPadding().encodeToString(b).equals(caPin)) {
      throw new IllegalArgumentException("the CA pin is not canonical base64url");
    }
    return b;
  }

  static String pin(X509Certificate cert) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(cert));
  }

  /** SHA-256 of the certificate's DER encoding: the pin's bytes. */
  static byte[] sha256(X509Certificate cert) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private static X509Certificate readCertificate(Path pem) throws IOException, GeneralSecurityException {
    try (java.io.InputStream in = Files.newInputStream(pem)) {
      java.security.cert.Certificate c =
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
      if (!(c instanceof X509Certificate x)) {
        throw new GeneralSecurityException(pem + " holds no X.509 certificate");
      }
      return x;
    }
  }

  /**
   * The server side of this material, for {@link NatsServerConfig.Builder#tls}.
   *
   * @param verifyClients whether clients must present a certificate signed by the CA
   * @return the server TLS settings
   */
  public NatsServerConfig.Tls serverTls(boolean verifyClients) {
    return new NatsServerConfig.Tls(certFile, keyFile, caFile, verifyClients);
  }

  /**
   * A client context that trusts only this CA and checks that the server's certificate names the
   * host the client connected to.
   *
   * @return the context
   * @throws GeneralSecurityException if it cannot be made
   */
  public SSLContext clientContext() throws GeneralSecurityException {
    return context(null);
  }

  /**
   * A client context for mutual TLS: like {@link #clientContext()}, and it presents a fresh
   * client certificate (ECDSA P-256, valid 30 days, {@code clientAuth} only) signed by this CA.
   * Nothing is written to disk.
   *
   * @param clientName the certificate's common name ({@code [A-Za-z0-9_.-]}, 1-64)
   * @return the context
   * @throws GeneralSecurityException if it cannot be made
   */
  public SSLContext clientContext(String clientName) throws GeneralSecurityException {
    return clientContext(clientKeyManagers(clientName));
  }

  /**
   * A client context that presents the certificate of the given key managers (for mutual TLS
   * with a client certificate from elsewhere, such as a PKCS#12 file), trusts only this CA, and
   * verifies the host name.
   *
   * @param keyManagers the client's key managers
   * @return the context
   * @throws GeneralSecurityException if it cannot be made
   */
  public SSLContext clientContext(javax.net.ssl.KeyManager[] keyManagers) throws GeneralSecurityException {
    Objects.requireNonNull(keyManagers, "keyManagers");
    return context(keyManagers.clone());
  }

  /**
   * Key managers holding a fresh client certificate (ECDSA P-256, valid 30 days, {@code
   * clientAuth} only) signed by this CA, in memory only.
   *
   * @param clientName the certificate's common name ({@code [A-Za-z0-9_.-]}, 1-64)
   * @return the key managers
   * @throws GeneralSecurityException if they cannot be made
   */
  public javax.net.ssl.KeyManager[] clientKeyManagers(String clientName) throws GeneralSecurityException {
    Objects.requireNonNull(clientName, "clientName");
    if (caKey == null) {
      throw new IllegalStateException("this material was loaded from files without the CA key; it cannot issue"
          + " client certificates");
    }
    if (!clientName.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new IllegalArgumentException("client name must be 1-64 of [A-Za-z0-9_.-]");
    }
    SecureRandom random = new SecureRandom();
    KeyPair keys = p256(random);
    try {
      X509Certificate cert = sign(leaf(ca, clientName, keys, Duration.ofDays(30), random, KeyPurposeId.id_kp_clientAuth),
          new KeyPair(ca.getPublicKey(), caKey));
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] none = new char[0];
      ks.setKeyEntry("client", keys.getPrivate(), none, new java.security.cert.Certificate[] {cert, ca});
      javax.net.ssl.KeyManagerFactory kmf =
          javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, none);
      return kmf.getKeyManagers();
    } catch (IOException | OperatorCreationException e) {
      throw new GeneralSecurityException("cannot make a client certificate", e);
    }
  }

  /**
   * A client context for a server whose CA certificate you have as a PEM file (for example the
   * {@link #caFile()} of material made by another process): trusts only that CA and checks that
   * the server's certificate names the host connected to.
   *
   * @param caPem the CA certificate, PEM
   * @return the context
   * @throws GeneralSecurityException if the file holds no certificate or the context cannot be made
   * @throws IOException if the file cannot be read
   */
  public static SSLContext trusting(Path caPem) throws GeneralSecurityException, IOException {
    Objects.requireNonNull(caPem, "caPem");
    return context(readCertificate(caPem), null);
  }

  private SSLContext context(javax.net.ssl.KeyManager[] keyManagers) throws GeneralSecurityException {
    return context(ca, keyManagers);
  }

  private static SSLContext context(X509Certificate ca, javax.net.ssl.KeyManager[] keyManagers)
      throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(keyManagers, new TrustManager[] {new HostnameVerifyingTrustManager(trustingOnly(ca))},
        new SecureRandom());
    return context;
  }

  /** The JDK's PKIX trust manager with one trust anchor. */
  static X509ExtendedTrustManager trustingOnly(X509Certificate ca) throws GeneralSecurityException {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      trust.setCertificateEntry("vettid-ca", ca);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new GeneralSecurityException("no X.509 trust manager available");
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot build the trust store", e);
    }
  }

  private static KeyPair p256(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), random);
    return g.generateKeyPair();
  }

  /** An end-entity certificate builder: not a CA, digital signature only, the given purposes. */
  private static JcaX509v3CertificateBuilder leaf(X509Certificate issuer, String commonName, KeyPair keys,
      Duration validity, SecureRandom random, KeyPurposeId... purposes) throws CertIOException {
    Instant now = Instant.now();
    return leaf(issuer, commonName, keys, now, now.plus(validity), random, purposes);
  }

  private static JcaX509v3CertificateBuilder leaf(X509Certificate issuer, String commonName, KeyPair keys,
      Instant now, Instant end, SecureRandom random, KeyPurposeId... purposes) throws CertIOException {
    JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial(random),
        Date.from(now.minus(Duration.ofMinutes(5))), Date.from(end), new X500Name("CN=" + commonName),
        keys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
    return b;
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder builder, KeyPair signer)
      throws OperatorCreationException, CertificateException {
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }

  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(120, random).add(BigInteger.ONE);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }


}
