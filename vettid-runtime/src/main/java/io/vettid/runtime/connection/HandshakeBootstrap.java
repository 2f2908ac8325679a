package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.nats.client.NKey;
import io.vettid.crypto.SecretBox;
import io.vettid.nats.auth.NatsAccount;
import io.vettid.nats.auth.UserCredentials;
import io.vettid.nats.subjects.Subjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * An invitation's one-time <b>bootstrap user</b>: the NATS user with which an invitee delivers
 * its acceptance to the inviter's EventSpace server (PROTOCOL.md section 8.5), made small enough
 * for the invitation to stay QR-sized. Its NKey seed is derived from the invitation's secret and
 * id, so only who holds the invitation has it; its JWT's claims are fixed by the invitation (the
 * inviter's guid, EventSpace, the invitation's handshake token and expiry) and by the account that
 * signs it, so the invitation carries only that account's public key ({@code a}) and the
 * signature ({@code b}), and the invitee rebuilds the very JWT the inviter signed. The user may
 * publish to the invitation's handshake subject and nothing else, read only its own
 * acknowledgement, and expires with the invitation.
 *
 * @param account the public key of the inviter's EventSpace account, which signed the JWT
 * @param signature the Ed25519 signature of the JWT (64 bytes)
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record HandshakeBootstrap(String account, byte[] signature) {
  /** The JWT header every bootstrap user has: {@code {"typ":"JWT","alg":"ed25519-nkey"}}, base64url. */
  static final String HEADER = b64("{\"typ\":\"JWT\",\"alg\":\"ed25519-nkey\"}".getBytes(StandardCharsets.US_ASCII));
  /** The largest message a bootstrap user may publish. */
  public static final int PAYLOAD_BYTES = 65536;

  /**
   * Validates and copies.
   *
   * @param account the account's public key ({@code A...})
   * @param signature the signature (64 bytes)
   */
  public HandshakeBootstrap {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(signature, "signature");
    if (!io.vettid.nats.auth.NKeys.isAccountKey(account)) {
      throw new IllegalArgumentException("a bootstrap grant names an account public key (A...)");
    }
    if (signature.length != 64) {
      throw new IllegalArgumentException("a bootstrap grant's signature is 64 bytes");
    }
    signature = signature.clone();
  }

  /** {@return a copy of the signature} */
  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /**
   * The handshake token of an invitation: the last token of its handshake subject, the first 16
   * hex digits of SHA-256 of {@code "vettid/handshake/v1/" + id} (the id as base64url text).
   *
   * @param invitationIdText the invitation id, base64url
   * @return the token
   */
  public static String token(String invitationIdText) {
    Objects.requireNonNull(invitationIdText, "invitationIdText");
    try {
      byte[] h = MessageDigest.getInstance("SHA-256")
          .digest(("vettid/handshake/v1/" + invitationIdText).getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
  }

  /**
   * Signs the bootstrap user of an invitation with the inviter's EventSpace account.
   *
   * @param invitation the invitation (its secret, id, guid, EventSpace and expiry fix the user)
   * @param account the inviter's EventSpace account, whose key this side holds
   * @return the grant to put in the invitation
   */
  public static HandshakeBootstrap sign(Invitation invitation, NatsAccount account) {
    Objects.requireNonNull(invitation, "invitation");
    Objects.requireNonNull(account, "account");
    NKey user = userKey(invitation);
    try {
      String input = signingInput(invitation, account.publicKey(), publicKey(user));
      return new HandshakeBootstrap(account.publicKey(), account.signRequest(input.getBytes(StandardCharsets.US_ASCII)));
    } finally {
      user.clear();
    }
  }

  /**
   * The bootstrap user's credentials, as the invitee rebuilds them from the invitation.
   *
   * @param invitation the invitation this grant came in
   * @return the credentials (the JWT the inviter signed, and the derived seed)
   */
  public UserCredentials credentials(Invitation invitation) {
    Objects.requireNonNull(invitation, "invitation");
    NKey user = userKey(invitation);
    try {
      String jwt = signingInput(invitation, account, publicKey(user)) + "." + b64(signature);
      char[] seed = user.getSeed();
      try {
        return UserCredentials.of(jwt, seed);
      } finally {
        Arrays.fill(seed, '\0');
      }
    } finally {
      user.clear();
    }
  }

  /**
   * The public key of an invitation's bootstrap user (for the inviter to revoke it).
   *
   * @param invitation the invitation
   * @return the user's public NKey ({@code U...})
   */
  public static String userPublicKey(Invitation invitation) {
    NKey user = userKey(invitation);
    try {
      return publicKey(user);
    } finally {
      user.clear();
    }
  }

  /**
   * The JWT's claims, in exactly this text (members in this order, no spaces), so that both sides
   * make the same bytes: PROTOCOL.md section 8.5.
   */
  static String claims(Invitation inv, String account, String userPublicKey) {
    String token = token(inv.idText());
    String subject = Subjects.handshake(inv.subscriberGuid(), inv.eventSpace(), token).value();
    return "{\"exp\":" + inv.expiresAt().getEpochSecond() + ",\"iss\":\"" + account + "\",\"jti\":\"" + token
        + "\",\"name\":\"handshake-" + token + "\",\"nats\":{\"data\":-1,\"payload\":" + PAYLOAD_BYTES
        + ",\"pub\":{\"allow\":[\"" + subject + "\"]},\"sub\":{\"allow\":[\"" + subject + ".inbox.>\"]},\"subs\":4,"
        + "\"type\":\"user\",\"version\":2},\"sub\":\"" + userPublicKey + "\"}";
  }

  private static String signingInput(Invitation inv, String account, String userPublicKey) {
    return HEADER + "." + b64(claims(inv, account, userPublicKey).getBytes(StandardCharsets.UTF_8));
  }

  /** The user's NKey: its 32-byte Ed25519 seed is HKDF-SHA-256(secret, info = "vettid/invitation/v2/bootstrap/" + id). */
  static NKey userKey(Invitation inv) {
    byte[] seed = SecretBox.derive(inv.secret(), "vettid/invitation/v2/bootstrap/" + inv.idText(), 32);
    try {
      return NKey.createUser(new FixedBytes(seed));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make the bootstrap user's NKey", e);
    } finally {
      Arrays.fill(seed, (byte) 0);
    }
  }

  private static String publicKey(NKey key) {
    try {
      return new String(key.getPublicKey());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot read the bootstrap user's public key", e);
    }
  }

  private static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Hands jnats the derived seed where it asks its random source for one (NKey.createUser reads 32 bytes once). */
  private static final class FixedBytes extends SecureRandom {
    @java.io.Serial private static final long serialVersionUID = 1L;
    private final byte[] bytes;

    FixedBytes(byte[] bytes) {
      this.bytes = bytes.clone();
    }

    @Override
    public void nextBytes(byte[] out) {
      if (out.length != bytes.length) {
        throw new IllegalStateException("a bootstrap seed is " + bytes.length + " bytes");
      }
      System.arraycopy(bytes, 0, out, 0, out.length);
      Arrays.fill(bytes, (byte) 0);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HandshakeBootstrap b && account.equals(b.account) && Arrays.equals(signature, b.signature);
  }

  @Override
  public int hashCode() {
    return account.hashCode() * 31 + Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "HandshakeBootstrap[" + account + "]";
  }
}
