package io.vettid.nats.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Deleting a directory tree, deepest entries first: server work directories, staged stores,
 * temporary directories of tests, demos and benchmarks. One place so that every caller deletes the
 * same way (symbolic links are deleted, never followed).
 */
public final class FileTrees {
  private FileTrees() {}

  /**
   * Deletes a file or a directory with everything under it; nothing happens if it does not exist.
   *
   * @param root the file or directory
   * @throws IOException if an entry cannot be deleted (the entries deleted before it stay deleted)
   */
  public static void delete(Path root) throws IOException {
    Objects.requireNonNull(root, "root");
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * Deletes what it can of a tree, for cleaning up after a process or a test, where a failure must
   * not hide the outcome being reported.
   *
   * @param root the file or directory
   * @return {@code null} if all of it is gone, else the first failure
   */
  public static IOException deleteQuietly(Path root) {
    try {
      delete(root);
      return null;
    } catch (IOException e) {
      return e;
    }
  }
}
