package io.vettid.runtime.connection;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

import io.vettid.crypto.PublicKeyEntry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A number both sides of a connection compute from the connection's four public keys, to compare
 * out of band (read aloud, or scan its {@linkplain #scannable scannable form}): if a third party
 * swapped any key, the numbers differ.
 *
 * <p>Each side's keys are encoded as {@code len || signingKey || len || wrappingKey} (X.509, 4-byte
 * big-endian lengths); the two encodings are ordered (unsigned lexicographic), so both sides get the
 * same input; the digest is SHA-512 of {@code "vettid-safety-number-v1" || 0x00 || first || second},
 * iterated 5,200 times over {@code digest || first || second} (as Signal does, to make a targeted
 * collision expensive); the first 30 bytes become 12 groups of 5 digits (each 5-byte chunk read as an
 * unsigned big-endian number, taken mod 10^10 and written as two groups of 5 digits).
 */
@API(status = EXPERIMENTAL, since = "0.1")
public final class SafetyNumber {
  private static final byte[] DOMAIN = "vettid-safety-number-v1\0".getBytes(StandardCharsets.US_ASCII);
  private static final int ITERATIONS = 5200;

  private SafetyNumber() {}

  /**
   * Computes the safety number of a connection.
   *
   * @param aSigning one side's signing key
   * @param aWrapping that side's wrapping key
   * @param bSigning the other side's signing key
   * @param bWrapping the other side's wrapping key
   * @return 60 digits in 12 groups of 5, separated by spaces
   */
  public static String of(PublicKeyEntry aSigning, PublicKeyEntry aWrapping, PublicKeyEntry bSigning,
      PublicKeyEntry bWrapping) {
    byte[] a = side(aSigning, aWrapping);
    byte[] b = side(bSigning, bWrapping);
    byte[] first = Arrays.compareUnsigned(a, b) <= 0 ? a : b;
    byte[] second = first == a ? b : a;
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-512");
      sha.update(DOMAIN);
      sha.update(first);
      sha.update(second);
      byte[] d = sha.digest();
      for (int i = 0; i < ITERATIONS; i++) {
        sha.update(d);
        sha.update(first);
        sha.update(second);
        d = sha.digest();
      }
      StringBuilder out = new StringBuilder();
      for (int chunk = 0; chunk < 6; chunk++) {
        long v = 0;
        for (int i = 0; i < 5; i++) {
          v = (v << 8) | (d[chunk * 5 + i] & 0xff);
        }
        String ten = String.format("%010d", v % 10_000_000_000L);
        out.append(ten, 0, 5).append(' ').append(ten, 5, 10).append(' ');
      }
      return out.toString().trim();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-512 is required of every Java platform", e);
    }
  }

  /**
   * The safety number of a connection as one side sees it.
   *
   * @param mine this side's keys
   * @param peerSigning the peer's signing key
   * @param peerWrapping the peer's wrapping key
   * @return the number
   */
  public static String of(ConnectionKeys mine, PublicKeyEntry peerSigning, PublicKeyEntry peerWrapping) {
    return of(mine.signingPublic(), mine.wrappingPublic(), peerSigning, peerWrapping);
  }

  /** The prefix of a safety number's scannable form. */
  public static final String SCANNABLE_PREFIX = "vettid:safety?v=1&n=";

  /**
   * A safety number's scannable form, for a QR code: {@code vettid:safety?v=1&n=} and the 60
   * digits without spaces. Scanning the peer's code and comparing it with {@link #matches} spares
   * reading 60 digits aloud.
   *
   * @param number a safety number as {@link #of} gives it
   * @return its scannable form
   * @throws IllegalArgumentException if {@code number} is not 60 digits (spaces aside)
   */
  public static String scannable(String number) {
    return SCANNABLE_PREFIX + digits(number);
  }

  /**
   * Whether what the peer showed (its scanned code, or its digits typed in, spaces anywhere) is
   * this safety number.
   *
   * @param shown the scannable form or the digits
   * @param number this side's safety number
   * @return {@code true} if they are the same number
   * @throws IllegalArgumentException if {@code shown} is neither a scannable form of version 1 nor
   *     60 digits (a scanned code of another version or kind is an error, not a mismatch)
   */
  public static boolean matches(String shown, String number) {
    String s = Objects.requireNonNull(shown, "shown").replaceAll("^\\s+|\\s+$", "");
    if (s.startsWith("vettid:safety?")) {
      if (!s.startsWith(SCANNABLE_PREFIX)) {
        throw new IllegalArgumentException("not a safety number of version 1: " + abbreviate(s));
      }
      s = s.substring(SCANNABLE_PREFIX.length());
      if (!s.matches("[0-9]{60}")) {
        throw new IllegalArgumentException("a scanned safety number holds 60 digits and nothing else");
      }
    }
    return java.security.MessageDigest.isEqual(digits(s).getBytes(StandardCharsets.US_ASCII),
        digits(number).getBytes(StandardCharsets.US_ASCII));
  }

  private static String digits(String number) {
    String d = Objects.requireNonNull(number, "number").replaceAll("\\s", "");
    if (!d.matches("[0-9]{60}")) {
      throw new IllegalArgumentException("a safety number is 60 digits (spaces aside), got "
          + abbreviate(number));
    }
    return d;
  }

  private static String abbreviate(String s) {
    String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
    return printable.length() <= 40 ? "'" + printable + "'" : "'" + printable.substring(0, 40) + "...'";
  }

  private static byte[] side(PublicKeyEntry signing, PublicKeyEntry wrapping) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (PublicKeyEntry k : new PublicKeyEntry[] {Objects.requireNonNull(signing, "signing"),
        Objects.requireNonNull(wrapping, "wrapping")}) {
      byte[] e = k.key().getEncoded();
      out.write(e.length >>> 24);
      out.write(e.length >>> 16);
      out.write(e.length >>> 8);
      out.write(e.length);
      out.writeBytes(e);
    }
    return out.toByteArray();
  }
}
