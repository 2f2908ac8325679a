package io.vettid.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Identifies one key pair. A keyID names the key's algorithm and is derived from its public key,
 * so anyone who holds the public key can check that a keyID belongs to it ({@link #matches}).
 *
 * <p>Text form: {@code <algorithm-tag>-<fingerprint>}, for example
 * {@code rsa4096-3f2a…} where the tag is 1 to 16 lowercase letters or digits starting with a
 * letter and the fingerprint is 40 lowercase hex digits: the first 160 bits of
 *
 * <pre>SHA-256( "vettid-keyid-v1" || 0x00 || tag || 0x00 || encodedPublicKey )</pre>
 *
 * <p>where {@code encodedPublicKey} is the X.509 SubjectPublicKeyInfo DER encoding. The text form
 * contains no dot, wildcard or whitespace, so it is safe as a NATS subject token and in JSON.
 *
 * @param value the text form, validated
 */
public record KeyId(String value) {
  /** Length of the text form's fingerprint part, in hex digits. */
  public static final int FINGERPRINT_HEX_LENGTH = 40;

  private static final Pattern TAG = Pattern.compile("[a-z][a-z0-9]{0,15}");
  /** The form, as a regular expression (the hand-written check is tested against it). */
  static final Pattern FORM = Pattern.compile("[a-z][a-z0-9]{0,15}-[0-9a-f]{40}");
  private static final byte[] DOMAIN = "vettid-keyid-v1".getBytes(StandardCharsets.US_ASCII);

  /**
   * Validates the text form.
   *
   * @param value the record component {@code value}
   * @throws IllegalArgumentException if the value is not {@code <tag>-<40 hex digits>}
   */
  public KeyId {
    Tokens.require(
        "keyId", value, KeyId::isForm, 57, "'<algorithm tag>-<40 lowercase hex digits>'");
  }

  /** {@link #FORM}, by hand: every envelope names two keyIds, so this runs twice per event. */
  static boolean isForm(String v) {
    int dash = v.length() - FINGERPRINT_HEX_LENGTH - 1;
    if (dash < 1 || dash > 16 || v.charAt(dash) != '-') {
      return false;
    }
    char first = v.charAt(0);
    if (first < 'a' || first > 'z') {
      return false;
    }
    for (int i = 1; i < dash; i++) {
      char c = v.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    for (int i = dash + 1; i < v.length(); i++) {
      char c = v.charAt(i);
      if (!((c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Parses a keyID from its text form.
   *
   * @param value text form
   * @return the keyID
   * @throws IllegalArgumentException if the text is not a valid keyID
   */
  public static KeyId of(String value) {
    return new KeyId(value);
  }

  /**
   * Derives the keyID of a public key.
   *
   * @param algorithmTag short lowercase algorithm tag, such as {@code rsa4096}
   * @param encodedPublicKey X.509 SubjectPublicKeyInfo DER encoding of the public key
   * @return the keyID
   * @throws IllegalArgumentException if the tag is not 1-16 lowercase letters/digits or the key is
   *     empty
   */
  public static KeyId derive(String algorithmTag, byte[] encodedPublicKey) {
    Tokens.require("algorithm tag", algorithmTag, TAG, 16, "lowercase letters and digits, letter first");
    Objects.requireNonNull(encodedPublicKey, "encodedPublicKey must not be null");
    if (encodedPublicKey.length == 0) {
      throw new IllegalArgumentException("encodedPublicKey must not be empty");
    }
    return new KeyId(algorithmTag + "-" + HexFormat.of().formatHex(fingerprint(algorithmTag, encodedPublicKey)));
  }

  /** {@return the algorithm tag part, such as {@code rsa4096}} */
  public String algorithmTag() {
    return value.substring(0, value.indexOf('-'));
  }

  /**
   * Checks, in constant time, that this keyID was derived from the given public key.
   *
   * @param encodedPublicKey X.509 SubjectPublicKeyInfo DER encoding of the presented public key
   * @return {@code true} only if the key's derived fingerprint equals this keyID's
   */
  public boolean matches(byte[] encodedPublicKey) {
    Objects.requireNonNull(encodedPublicKey, "encodedPublicKey must not be null");
    if (encodedPublicKey.length == 0) {
      return false;
    }
    byte[] expected = HexFormat.of().parseHex(value, value.indexOf('-') + 1, value.length());
    return MessageDigest.isEqual(expected, fingerprint(algorithmTag(), encodedPublicKey));
  }

  private static byte[] fingerprint(String tag, byte[] encodedPublicKey) {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
    sha256.update(DOMAIN);
    sha256.update((byte) 0);
    sha256.update(tag.getBytes(StandardCharsets.US_ASCII));
    sha256.update((byte) 0);
    sha256.update(encodedPublicKey);
    byte[] digest = sha256.digest();
    byte[] out = new byte[FINGERPRINT_HEX_LENGTH / 2];
    System.arraycopy(digest, 0, out, 0, out.length);
    return out;
  }

  @Override
  public String toString() {
    return value;
  }
}
