package io.vettid.profile;

import io.vettid.api.FailureReason;
import io.vettid.api.VettidException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A package that an owner trusts (an Event Handler plugin or a mobile app), listed in an
 * EventSpace profile with its version and SHA-256 so that anyone can check a download before
 * using it.
 *
 * <pre>{@code
 * TrustedResource r = new TrustedResource("contact-handler", "1.2.0",
 *     URI.create("https://example.org/contact-handler-1.2.0.jar"),
 *     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
 * byte[] verified = r.verify(downloadedBytes);   // throws unless the hash matches
 * }</pre>
 *
 * @param name the package name
 * @param version the package version (such as {@code 1.2.0})
 * @param location where to fetch it
 * @param sha256 the expected SHA-256 of the package bytes, 64 lowercase hex digits
 */
public record TrustedResource(String name, String version, URI location, String sha256) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /**
   * Validates the fields.
   *
   * @param name the record component {@code name}
   * @param version the record component {@code version}
   * @param location the record component {@code location}
   * @param sha256 the record component {@code sha256} (upper case is accepted and lowered)
   * @throws IllegalArgumentException if a field is malformed (the message names it)
   * @throws NullPointerException if a field is null
   */
  public TrustedResource {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(sha256, "sha256");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("trusted resource name must be 1-128 of [A-Za-z0-9._-]");
    }
    if (!VERSION.matcher(version).matches()) {
      throw new IllegalArgumentException(
          "trusted resource '" + name + "': version must be 1-64 of [0-9A-Za-z.+_-]");
    }
    sha256 = sha256.toLowerCase(Locale.ROOT);
    if (!SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "trusted resource '" + name + "' " + version + ": sha256 must be 64 hex digits");
    }
  }

  /**
   * Checks package bytes against the listed hash, in constant time.
   *
   * @param content the downloaded package
   * @return {@code content}, for chaining
   * @throws VettidException with {@link FailureReason#HASH_MISMATCH} if the hash differs; the
   *     package must not be used
   */
  public byte[] verify(byte[] content) throws VettidException {
    Objects.requireNonNull(content, "content");
    byte[] actual = sha256Of(content);
    if (!MessageDigest.isEqual(actual, HexFormat.of().parseHex(sha256))) {
      throw new VettidException(
          FailureReason.HASH_MISMATCH,
          "trusted resource '" + name + "' " + version + " does not match its listed SHA-256 (got "
              + HexFormat.of().formatHex(actual) + "); do not install it");
    }
    return content;
  }

  /**
   * The SHA-256 of some bytes, as 64 lowercase hex digits (for listing a new resource).
   *
   * @param content the package bytes
   * @return the hex digest
   */
  public static String sha256Hex(byte[] content) {
    return HexFormat.of().formatHex(sha256Of(Objects.requireNonNull(content, "content")));
  }

  private static byte[] sha256Of(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
