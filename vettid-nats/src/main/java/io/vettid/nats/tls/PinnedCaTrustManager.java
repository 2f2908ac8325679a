package io.vettid.nats.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a server whose chain holds the CA with the pinned SHA-256, validates the chain to that
 * CA with the JDK's PKIX checks, and verifies the host name. Refuses client checks: it is for
 * clients only.
 */
final class PinnedCaTrustManager extends X509ExtendedTrustManager {
  private final byte[] pin;

  PinnedCaTrustManager(byte[] pin) {
    this.pin = pin.clone();
  }

  private X509ExtendedTrustManager delegateFor(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("the server presented no certificate");
    }
    for (X509Certificate c : chain) {
      if (java.security.MessageDigest.isEqual(TlsMaterial.sha256(c), pin)) {
        if (c.getBasicConstraints() < 0) {
          throw new CertificateException("the pinned certificate is not a CA");
        }
        try {
          return TlsMaterial.trustingOnly(c);
        } catch (GeneralSecurityException e) {
          throw new CertificateException("cannot trust the pinned CA", e);
        }
      }
    }
    throw new CertificateException("the server's chain holds no CA with the pinned SHA-256");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    delegateFor(chain).checkServerTrusted(chain, authType, socket);
    SSLSession session = socket instanceof SSLSocket s ? s.getHandshakeSession() : null;
    HostnameVerifyingTrustManager.verifyHost(chain[0], session == null ? null : session.getPeerHost());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    delegateFor(chain).checkServerTrusted(chain, authType, engine);
    HostnameVerifyingTrustManager.verifyHost(chain[0], engine == null ? null : engine.getPeerHost());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the server's host name cannot be verified without a connection");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("a pinned client context does not check clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    throw new CertificateException("a pinned client context does not check clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("a pinned client context does not check clients");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
