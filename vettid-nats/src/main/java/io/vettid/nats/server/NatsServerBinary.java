package io.vettid.nats.server;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Finds the {@code nats-server} executable: the path in the environment variable {@value
 * #ENV_VAR} if set, else the first {@code nats-server} on {@code PATH}, else the places Debian and
 * manual installs use ({@code /usr/sbin}, {@code /usr/local/bin}, {@code /usr/bin}).
 *
 * <pre>{@code
 * Path binary = NatsServerBinary.locate();       // throws with install advice if missing
 * }</pre>
 */
public final class NatsServerBinary {
  /** Environment variable that names the binary explicitly. */
  public static final String ENV_VAR = "VETTID_NATS_SERVER";

  /** How to install the binary, quoted in every "not found" message. */
  public static final String INSTALL_HINT =
      "Install it with 'apt-get install -y nats-server' (as root, or with sudo), or point "
          + ENV_VAR + " at a nats-server 2.9+ binary.";

  private static final List<Path> WELL_KNOWN =
      List.of(Path.of("/usr/sbin"), Path.of("/usr/local/bin"), Path.of("/usr/bin"));

  private NatsServerBinary() {}

  /**
   * Locates the binary using this process's environment.
   *
   * @return the executable's path
   * @throws NatsServerException if no executable is found; the message says how to install one
   */
  public static Path locate() {
    return locate(System.getenv());
  }

  /**
   * Locates the binary using the given environment (for tests and embedders).
   *
   * @param env environment variables ({@value #ENV_VAR}, {@code PATH})
   * @return the executable's path
   * @throws NatsServerException if no executable is found; the message says how to install one
   */
  public static Path locate(Map<String, String> env) {
    Objects.requireNonNull(env, "env");
    String explicit = env.get(ENV_VAR);
    if (explicit != null && !explicit.isBlank()) {
      Path p = Path.of(explicit);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
      throw new NatsServerException(
          ENV_VAR + " is set to '" + explicit + "', but that is not an executable file. " + INSTALL_HINT);
    }
    List<Path> dirs = new ArrayList<>();
    String path = env.get("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (!dir.isBlank()) {
          dirs.add(Path.of(dir));
        }
      }
    }
    dirs.addAll(WELL_KNOWN);
    for (Path dir : dirs) {
      Path candidate = dir.resolve("nats-server");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new NatsServerException(
        "nats-server was not found on PATH or in " + WELL_KNOWN + ". " + INSTALL_HINT);
  }

  /**
   * Runs {@code nats-server --version}.
   *
   * @param binary the executable
   * @return the version line, such as {@code nats-server: v2.9.10}
   * @throws NatsServerException if it cannot be run
   */
  public static String version(Path binary) {
    try {
      Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new NatsServerException(binary + " --version did not finish in 10 s");
      }
      return new String(out, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new NatsServerException("cannot run " + binary + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NatsServerException("interrupted while running " + binary + " --version", e);
    }
  }
}
