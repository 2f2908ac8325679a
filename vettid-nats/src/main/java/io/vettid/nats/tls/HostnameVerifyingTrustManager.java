package io.vettid.nats.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts what the delegate trusts, and then requires the leaf certificate's subject alternative
 * names to hold the host the connection was made to. Without a socket or engine (so without a
 * host), it refuses: fail safe.
 */
final class HostnameVerifyingTrustManager extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager delegate;

  HostnameVerifyingTrustManager(X509ExtendedTrustManager delegate) {
    this.delegate = delegate;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    delegate.checkServerTrusted(chain, authType, socket);
    SSLSession session = socket instanceof SSLSocket s ? s.getHandshakeSession() : null;
    verifyHost(chain[0], session == null ? null : session.getPeerHost());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    delegate.checkServerTrusted(chain, authType, engine);
    verifyHost(chain[0], engine == null ? null : engine.getPeerHost());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the server's host name cannot be verified without a connection");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    delegate.checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    delegate.checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    delegate.checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }

  static void verifyHost(X509Certificate leaf, String host) throws CertificateException {
    if (host == null || host.isEmpty()) {
      throw new CertificateException("no host name to verify the server certificate against");
    }
    Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
    if (sans != null) {
      boolean ipLiteral = host.chars().allMatch(c -> Character.isDigit(c) || c == '.') || host.contains(":");
      for (List<?> san : sans) {
        int type = (Integer) san.get(0);
        String value = (String) san.get(1);
        if (type == 2 && !ipLiteral && value.toLowerCase(Locale.ROOT).equals(host.toLowerCase(Locale.ROOT))) {
          return;
        }
        if (type == 7 && ipLiteral && sameAddress(value, host)) {
          return;
        }
      }
    }
    throw new CertificateException("the server certificate does not name " + host);
  }

  private static boolean sameAddress(String a, String b) {
    try {
      return InetAddress.getByName(a).equals(InetAddress.getByName(b));
    } catch (IOException e) {
      return false;
    }
  }
}
