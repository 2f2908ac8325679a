package io.vettid.runtime.internal;

import static org.apiguardian.api.API.Status.INTERNAL;

import io.vettid.crypto.SecretBox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * A small file of secrets sealed at rest: AES-256-GCM under a key derived from a 32-byte secret
 * and bound to a purpose (also the associated data), written atomically with mode 0600.
 */
@API(status = INTERNAL)
public final class SealedFile {
  private final Path file;
  private final String purpose;

  /**
   * A sealed file.
   *
   * @param file where it is
   * @param purpose what it holds, such as {@code vettid/embedded/accounts/v1}
   */
  public SealedFile(Path file, String purpose) {
    this.file = Objects.requireNonNull(file, "file");
    this.purpose = Objects.requireNonNull(purpose, "purpose");
  }

  /** {@return whether the file is there} */
  public boolean exists() {
    return Files.exists(file);
  }

  /**
   * Opens it.
   *
   * @param secret the secret it was sealed under
   * @return the plaintext (wipe it)
   * @throws IOException if it cannot be read
   * @throws GeneralSecurityException if it does not open with this secret
   */
  public byte[] open(byte[] secret) throws IOException, GeneralSecurityException {
    byte[] key = SecretBox.derive(secret, purpose, 32);
    try {
      return SecretBox.open(key, aad(), Files.readAllBytes(file));
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /**
   * Seals and writes it, replacing what was there.
   *
   * @param secret the secret to seal under
   * @param plaintext what to keep (not wiped here)
   * @throws IOException if it cannot be written
   */
  public void write(byte[] secret, byte[] plaintext) throws IOException {
    byte[] key = SecretBox.derive(secret, purpose, 32);
    try {
      byte[] sealed = SecretBox.seal(key, aad(), plaintext, new SecureRandom());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(tmp, sealed);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  private byte[] aad() {
    return purpose.getBytes(StandardCharsets.US_ASCII);
  }
}
