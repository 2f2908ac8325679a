package io.vettid.runtime.eventspace;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.nats.auth.UserCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apiguardian.api.API;

/**
 * A one-time registration token of an EventSpace server: what its operator hands a prospective
 * subscriber, out of band, once. It carries a 256-bit secret (the Concierge keeps only its
 * SHA-256) and the credentials of a <i>bootstrap user</i> made for this token alone: it may
 * connect until the token expires, publish only to {@code concierge.register}, and read only its
 * own inbox ({@link #inboxPrefix()}); the Concierge revokes it once the token is redeemed.
 *
 * <p>Text form (PROTOCOL.md section 5.2): {@code vettid-token:} followed by base64url (no padding)
 * of the UTF-8 JSON {@code {"v":1,"secret":"<43 chars>","jwt":"<user JWT>","seed":"<user seed>"}}.
 * The whole text is a secret: {@link #toString()} never shows it.
 *
 * @param secret the token's secret (43 characters of base64url)
 * @param bootstrap the bootstrap user
 */
@API(status = EXPERIMENTAL, since = "0.1")
public record RegistrationToken(String secret, UserCredentials bootstrap) {
  /** The text form's prefix. */
  public static final String PREFIX = "vettid-token:";
  private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{43}");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_TEXT = 4096;

  /**
   * Validates.
   *
   * @param secret the secret
   * @param bootstrap the bootstrap user
   */
  public RegistrationToken {
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(bootstrap, "bootstrap");
    if (!SECRET.matcher(secret).matches()) {
      throw new IllegalArgumentException("a registration token's secret is 43 characters of base64url");
    }
  }

  /**
   * The hash the Concierge keeps of a secret.
   *
   * @param secret the secret
   * @return lowercase hex SHA-256 of its UTF-8 bytes
   */
  static String hash(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
  }

  /**
   * The bootstrap user's inbox prefix, the only subjects it may read: {@code _INBOX.reg-} and the
   * first 16 hex digits of the secret's SHA-256.
   *
   * @param secret the token's secret
   * @return the prefix (without a trailing dot)
   */
  static String inboxPrefix(String secret) {
    return "_INBOX.reg-" + hash(secret).substring(0, 16);
  }

  /** {@return the bootstrap user's inbox prefix (set it as the connection's {@code inboxPrefix})} */
  public String inboxPrefix() {
    return inboxPrefix(secret);
  }

  /**
   * The text form, to hand to the subscriber. It is a secret.
   *
   * @return {@code vettid-token:...}
   */
  public String encode() {
    ObjectNode n = JSON.createObjectNode();
    char[] seed = bootstrap.seed();
    n.put("v", 1).put("secret", secret).put("jwt", bootstrap.jwt()).put("seed", new String(seed));
    Arrays.fill(seed, '\0');
    byte[] json = n.toString().getBytes(StandardCharsets.UTF_8);
    try {
      return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(json);
    } finally {
      Arrays.fill(json, (byte) 0);
    }
  }

  /**
   * Reads the text form.
   *
   * @param text {@code vettid-token:...}
   * @return the token
   * @throws IllegalArgumentException if it is not a registration token; the message never echoes it
   */
  public static RegistrationToken parse(String text) {
    Objects.requireNonNull(text, "text");
    String t = text.strip();
    if (!t.startsWith(PREFIX) || t.length() > MAX_TEXT) {
      throw new IllegalArgumentException("not a registration token: it starts with '" + PREFIX + "' and is at most "
          + MAX_TEXT + " characters");
    }
    byte[] json;
    try {
      json = Base64.getUrlDecoder().decode(t.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a registration token: the text after '" + PREFIX + "' is not base64url");
    }
    try {
      JsonNode n = JSON.readTree(json);
      if (n == null || !n.isObject() || n.path("v").asInt() != 1 || !n.path("secret").isTextual()
          || !n.path("jwt").isTextual() || !n.path("seed").isTextual()) {
        throw new IllegalArgumentException("not a registration token: version 1 with secret, jwt and seed");
      }
      return new RegistrationToken(n.get("secret").textValue(),
          UserCredentials.of(n.get("jwt").textValue(), n.get("seed").textValue().toCharArray()));
    } catch (IOException e) {
      throw new IllegalArgumentException("not a registration token: not JSON");
    } finally {
      Arrays.fill(json, (byte) 0);
    }
  }

  @Override
  public String toString() {
    return "RegistrationToken[bootstrap " + bootstrap.publicKey() + "]";
  }
}
