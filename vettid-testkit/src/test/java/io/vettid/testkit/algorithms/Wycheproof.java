package io.vettid.testkit.algorithms;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the official Wycheproof vectors are: {@code ../shared/testvectors/wycheproof} beside the repository. */
final class Wycheproof {
  private Wycheproof() {}

  static Path file(String name) {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (dir != null && !Files.isDirectory(dir.resolve("../shared/testvectors/wycheproof"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("../shared/testvectors/wycheproof not found above " + System.getProperty("user.dir"));
    }
    return dir.resolve("../shared/testvectors/wycheproof").resolve(name).normalize();
  }
}
