package io.vettid.nats.auth;

import io.nats.client.AuthHandler;
import io.nats.client.Nats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Objects;

/**
 * A NATS user: its public NKey, its JWT, and its NKey seed (the secret). Use {@link
 * #authHandler()} to connect without writing anything to disk; {@link #writeTo(Path)} writes a
 * {@code .creds} file readable only by its owner (mode 0600). {@link #toString()} never shows the
 * seed, and {@link #destroy()} wipes it.
 */
public final class UserCredentials implements AutoCloseable {
  private final String publicKey;
  private final String jwt;
  private final char[] seed;
  private volatile boolean destroyed;

  UserCredentials(String publicKey, String jwt, char[] seed) {
    this.publicKey = Objects.requireNonNull(publicKey, "publicKey");
    this.jwt = Objects.requireNonNull(jwt, "jwt");
    this.seed = Objects.requireNonNull(seed, "seed").clone();
  }

  /**
   * Credentials from their parts, such as read back from sealed storage.
   *
   * @param jwt the user JWT
   * @param seed the user NKey seed (copied; the caller should wipe its array)
   * @return the credentials
   * @throws IllegalArgumentException if the seed is not a user seed
   */
  public static UserCredentials of(String jwt, char[] seed) {
    Objects.requireNonNull(jwt, "jwt");
    Objects.requireNonNull(seed, "seed");
    try {
      io.nats.client.NKey key = io.nats.client.NKey.fromSeed(seed.clone());
      if (key.getType() != io.nats.client.NKey.Type.USER) {
        throw new IllegalArgumentException("the seed is not a NATS user seed");
      }
      return new UserCredentials(new String(key.getPublicKey()), jwt, seed);
    } catch (java.security.GeneralSecurityException | IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException("the seed is not a valid NATS NKey seed", e);
    }
  }

  /** {@return the user's public NKey ({@code U...})} */
  public String publicKey() {
    return publicKey;
  }

  /** {@return the user's JWT (public: it holds no secret)} */
  public String jwt() {
    return jwt;
  }

  /**
   * An authentication handler for jnats {@code Options.Builder.authHandler}.
   *
   * @return the handler
   * @throws IllegalStateException after {@link #destroy()}
   */
  public AuthHandler authHandler() {
    checkLive();
    return Nats.staticCredentials(jwt.toCharArray(), seed.clone());
  }

  /**
   * Writes a standard NATS {@code .creds} file with mode 0600, refusing to overwrite.
   *
   * @param file the file to create
   * @throws IOException if it exists or cannot be written
   * @throws UnsupportedOperationException if the file system has no POSIX permissions (the
   *     credentials would be readable by others)
   */
  public void writeTo(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    checkLive();
    if (Files.exists(file)) {
      throw new FileAlreadyExistsException(file.toString(), null, "credentials are never overwritten");
    }
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    StringBuilder text = new StringBuilder()
        .append("-----BEGIN NATS USER JWT-----\n").append(jwt).append("\n------END NATS USER JWT------\n\n")
        .append("************************* IMPORTANT *************************\n")
        .append("NKEY Seed printed below can be used to sign and prove identity.\n")
        .append("NKEYs are sensitive and should be treated as secrets.\n\n")
        .append("-----BEGIN USER NKEY SEED-----\n").append(seed).append("\n------END USER NKEY SEED------\n\n")
        .append("*************************************************************\n");
    byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
    try {
      Files.write(file, bytes, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    } finally {
      Arrays.fill(bytes, (byte) 0);
      text.setLength(0);
    }
  }

  /**
   * The seed, copied, for sealed storage. The caller wipes the copy.
   *
   * @return a copy of the seed
   * @throws IllegalStateException after {@link #destroy()}
   */
  public char[] seed() {
    checkLive();
    return seed.clone();
  }

  /** Wipes the seed; later use of the secret half fails. */
  public void destroy() {
    destroyed = true;
    Arrays.fill(seed, '\0');
  }

  /** Same as {@link #destroy()}. */
  @Override
  public void close() {
    destroy();
  }

  private void checkLive() {
    if (destroyed) {
      throw new IllegalStateException("these credentials were destroyed");
    }
  }

  /** Shows the public key only. */
  @Override
  public String toString() {
    return "UserCredentials[" + publicKey + (destroyed ? ", destroyed" : "") + "]";
  }
}
