package io.vettid.cli;

import static io.vettid.cli.VettidCli.ENVIRONMENT;
import static io.vettid.cli.VettidCli.USAGE;

import com.fasterxml.jackson.databind.JsonNode;
import io.vettid.runtime.client.VaultClientException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** What the commands read besides their options: the passphrase, durations, JSON, standard input. */
final class Inputs {
  private Inputs() {}

  static char[] passphrase(boolean confirm, boolean fromStdin, Path file) throws VaultClientException {
    if (file != null) {
      try {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || lines.get(0).isEmpty()) {
          throw new VaultClientException("the passphrase file " + file + " is empty", ENVIRONMENT);
        }
        return lines.get(0).toCharArray();
      } catch (IOException e) {
        throw new VaultClientException("cannot read the passphrase file " + file + ": " + e.getMessage(), ENVIRONMENT);
      }
    }
    String env = System.getenv("VETTID_PASSPHRASE");
    if (env != null && !env.isEmpty()) {
      return env.toCharArray();
    }
    if (fromStdin) {
      try {
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null || line.isEmpty()) {
          throw new VaultClientException("no passphrase on standard input", ENVIRONMENT);
        }
        return line.toCharArray();
      } catch (IOException e) {
        throw new VaultClientException("cannot read the passphrase: " + e.getMessage(), ENVIRONMENT);
      }
    }
    java.io.Console console = System.console();
    if (console == null) {
      throw new VaultClientException("no passphrase: set VETTID_PASSPHRASE, or run in a terminal to be asked",
          ENVIRONMENT);
    }
    char[] p = console.readPassword("Vault passphrase: ");
    if (p == null) {
      throw new VaultClientException("no passphrase given", ENVIRONMENT);
    }
    if (confirm) {
      char[] again = console.readPassword("Again: ");
      if (again == null || !Arrays.equals(p, again)) {
        throw new VaultClientException("the two passphrases differ", USAGE);
      }
      Arrays.fill(again, '\0');
    }
    return p;
  }

  /** Parses {@code 30s}, {@code 10m}, {@code 2h}, {@code 7d} or an ISO-8601 duration. */
  static Duration duration(String text) {
    String t = text.trim();
    try {
      if (t.matches("[0-9]{1,9}[smhd]")) {
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
          case 's' -> Duration.ofSeconds(n);
          case 'm' -> Duration.ofMinutes(n);
          case 'h' -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        };
      }
      return Duration.parse(t);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("'" + text + "' is not a duration (such as 30s, 10m, 2h, 7d)");
    }
  }

  /**
   * Checks, before anything is asked of the vault, that a file can be written where an option
   * names it: its directory exists and is writable, and it is not a directory itself.
   */
  static void writableFile(Path file, String option) {
    Path dir = file.toAbsolutePath().getParent();
    if (java.nio.file.Files.isDirectory(file)) {
      throw new IllegalArgumentException(option + " " + file + " is a directory; name a file");
    }
    if (dir == null || !java.nio.file.Files.isDirectory(dir) || !java.nio.file.Files.isWritable(dir)) {
      throw new IllegalArgumentException(option + " " + file + ": its directory does not exist or cannot be written");
    }
  }

  static JsonNode parseJson(String what, String text) {
    try {
      return VaultHome.JSON.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(what + " is not JSON: " + e.getOriginalMessage());
    }
  }

  static String orStdin(String arg) throws IOException {
    if (!"-".equals(arg)) {
      return arg;
    }
    return new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
  }
}
