package io.vettid.nats.server;

import io.vettid.nats.tls.TlsMaterial;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * Where a vault's {@code nats-server} listens and how to trust it without its CA file: a host, a
 * port, and the {@linkplain TlsMaterial#caPin() pin} (SHA-256) of the CA that signed its
 * certificate. Invitations and handshake messages carry it, so a peer that got it through that
 * authenticated channel connects over TLS with {@link #sslContext()} and nothing else.
 *
 * <pre>{@code
 * ServerAddress a = ServerAddress.parse("127.0.0.1:4222", tls.caPin());
 * Connection nc = Nats.connect(new Options.Builder().server(a.url()).sslContext(a.sslContext()).build());
 * }</pre>
 *
 * @param host a lowercase DNS name or an IPv4 address
 * @param port 1..65535
 * @param caPin the CA's pin, 43 characters of base64url
 */
public record ServerAddress(String host, int port, String caPin) {
  private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
      + "(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}");
  private static final Pattern DNS = Pattern.compile("(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
      + "(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

  /**
   * Validates.
   *
   * @param host the record component {@code host}
   * @param port the record component {@code port}
   * @param caPin the record component {@code caPin}
   */
  public ServerAddress {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(caPin, "caPin");
    boolean numeric = host.matches("[0-9.]+");
    if (numeric ? !IPV4.matcher(host).matches() : !DNS.matcher(host).matches()) {
      throw new IllegalArgumentException("a server host is a lowercase DNS name or an IPv4 address");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("a server port is 1..65535, got " + port);
    }
    TlsMaterial.decodePin(caPin);
  }

  /**
   * Parses {@code host:port}.
   *
   * @param hostPort such as {@code 127.0.0.1:4222}
   * @param caPin the CA's pin
   * @return the address
   * @throws IllegalArgumentException if either part is malformed
   */
  public static ServerAddress parse(String hostPort, String caPin) {
    Objects.requireNonNull(hostPort, "hostPort");
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1 || hostPort.length() > 260) {
      throw new IllegalArgumentException("a server address is host:port");
    }
    String port = hostPort.substring(colon + 1);
    if (!port.matches("[0-9]{1,5}")) {
      throw new IllegalArgumentException("a server port is 1..65535");
    }
    return new ServerAddress(hostPort.substring(0, colon), Integer.parseInt(port), caPin);
  }

  /** {@return {@code host:port}} */
  public String hostPort() {
    return host + ":" + port;
  }

  /** {@return the URL to connect to, {@code tls://host:port}} */
  public String url() {
    return "tls://" + hostPort();
  }

  /**
   * Checks that the server answering here presents a certificate of the pinned CA, as a NATS
   * client meets it: reads the server's {@code INFO} line (plaintext, at most 64 KiB), then makes
   * the TLS handshake with {@link #sslContext()}. A new connection to a peer's server checks this
   * before anything is kept: a server that is unreachable now may come back, but one that answers
   * with another CA's certificate is not the server the pin names.
   *
   * @param timeout for connecting and for each read, positive
   * @throws PinMismatchException if the server answered and its certificate is not of the pinned CA
   * @throws IOException if the server cannot be reached, or does not speak NATS over TLS
   */
  public void checkPin(java.time.Duration timeout) throws IOException {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("the timeout must be positive, got " + timeout);
    }
    int millis = (int) Math.max(1, timeout.toMillis());
    javax.net.ssl.SSLSocketFactory factory;
    try {
      factory = sslContext().getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot make a TLS context for the pin of " + hostPort(), e);
    }
    try (java.net.Socket plain = new java.net.Socket()) {
      plain.connect(new java.net.InetSocketAddress(host, port), millis);
      plain.setSoTimeout(millis);
      java.io.InputStream in = plain.getInputStream();
      int read = 0;
      int previous = -1;
      for (int c = in.read(); ; c = in.read()) {
        if (c < 0) {
          throw new IOException("the server at " + hostPort() + " closed the connection before its INFO line");
        }
        if (++read > 65536) {
          throw new IOException("the server at " + hostPort() + " sent no INFO line in 64 KiB");
        }
        if (previous == '\r' && c == '\n') {
          break;
        }
        previous = c;
      }
      try (javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) factory.createSocket(plain, host, port, true)) {
        tls.startHandshake();
      } catch (javax.net.ssl.SSLHandshakeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
          if (t instanceof java.security.cert.CertificateException) {
            throw new PinMismatchException("the server at " + hostPort() + " did not present a certificate of the CA"
                + " its pin names (" + caPin + ")", e);
          }
        }
        throw e;
      }
    }
  }

  /**
   * A client context trusting only the pinned CA and verifying the host name.
   *
   * @return the context
   * @throws GeneralSecurityException if it cannot be made
   */
  public SSLContext sslContext() throws GeneralSecurityException {
    return TlsMaterial.pinned(caPin);
  }
}
