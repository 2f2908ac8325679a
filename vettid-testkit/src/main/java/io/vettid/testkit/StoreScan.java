package io.vettid.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Scans a directory tree (a JetStream store) for a plaintext marker, byte for byte, to prove
 * encryption at rest. Stop the server before scanning, so that everything is flushed.
 */
public final class StoreScan {
  private StoreScan() {}

  /**
   * The regular files under {@code dir} that contain the marker's UTF-8 bytes.
   *
   * @param dir the directory to scan
   * @param marker the plaintext to look for (at least 16 characters, so it cannot match by chance)
   * @return the files holding it; empty means none
   * @throws UncheckedIOException if a file cannot be read
   */
  public static List<Path> filesContaining(Path dir, String marker) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(marker, "marker");
    if (marker.length() < 16) {
      throw new IllegalArgumentException("use a marker of at least 16 characters");
    }
    byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).filter(f -> contains(f, needle)).collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The number of regular files under {@code dir} (to show a scan looked at something).
   *
   * @param dir the directory
   * @return the count
   */
  public static long fileCount(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean contains(Path file, byte[] needle) {
    try {
      byte[] data = Files.readAllBytes(file);
      outer:
      for (int i = 0; i + needle.length <= data.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (data[i + j] != needle[j]) {
            continue outer;
          }
        }
        return true;
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
