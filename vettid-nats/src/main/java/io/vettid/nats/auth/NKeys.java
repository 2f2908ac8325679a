package io.vettid.nats.auth;

import io.nats.client.NKey;

/**
 * Strict checks of NKey public keys given as text. jnats' own ({@code NKey.isValidPublicAccountKey}
 * and its kin) takes some text that is no key at all (seven {@code !} pass as an account key) and
 * throws on other text; a key that passed it could then make a server refuse a whole account JWT.
 * These accept exactly the 56-character base32 form with the type's prefix and a valid checksum.
 */
public final class NKeys {
  private static final int LENGTH = 56;

  private NKeys() {}

  /**
   * Whether text is an account public key ({@code A...}).
   *
   * @param text the text, or null
   * @return true for a well-formed account public key
   */
  public static boolean isAccountKey(String text) {
    return is(text, 'A') && check(() -> NKey.isValidPublicAccountKey(text.toCharArray()));
  }

  /**
   * Whether text is a user public key ({@code U...}).
   *
   * @param text the text, or null
   * @return true for a well-formed user public key
   */
  public static boolean isUserKey(String text) {
    return is(text, 'U') && check(() -> NKey.isValidPublicUserKey(text.toCharArray()));
  }

  private static boolean is(String text, char prefix) {
    if (text == null || text.length() != LENGTH || text.charAt(0) != prefix) {
      return false;
    }
    for (int i = 0; i < LENGTH; i++) {
      char c = text.charAt(i);
      if (!(c >= 'A' && c <= 'Z') && !(c >= '2' && c <= '7')) {
        return false;
      }
    }
    return true;
  }

  private static boolean check(java.util.function.BooleanSupplier jnats) {
    try {
      return jnats.getAsBoolean();
    } catch (RuntimeException e) {
      return false;
    }
  }
}
