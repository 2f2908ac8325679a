package io.vettid.crypto.wycheproof;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Loads the official Wycheproof vectors from {@code ../shared/testvectors/wycheproof} (or the
 * directory in {@code VETTID_WYCHEPROOF}) and counts outcomes. A missing directory fails the test:
 * the vectors are part of the project's checks, not optional.
 */
public final class Wycheproof {
  private Wycheproof() {}

  /** The vector directory. */
  public static Path dir() {
    String explicit = System.getenv("VETTID_WYCHEPROOF");
    Path root = Path.of(System.getProperty("vettid.repo.root", "..")).toAbsolutePath().normalize();
    Path dir = explicit != null ? Path.of(explicit) : root.resolve("../shared/testvectors/wycheproof").normalize();
    assertThat(dir).as("Wycheproof vectors (clone the project beside ../shared, or set VETTID_WYCHEPROOF)").isDirectory();
    return dir;
  }

  /**
   * Reads one vector file.
   *
   * @param file the file name
   * @return its JSON
   * @throws IOException if it cannot be read
   */
  public static JsonNode load(String file) throws IOException {
    return new ObjectMapper().readTree(Files.readAllBytes(dir().resolve(file)));
  }

  /**
   * Decodes a hex field.
   *
   * @param node the object
   * @param field the field name
   * @return the bytes
   */
  public static byte[] hex(JsonNode node, String field) {
    return HexFormat.of().parseHex(node.get(field).asText());
  }

  /** Counts per file; {@link #check()} asserts that every case went the way its result says. */
  public static final class Tally {
    private final String file;
    private int valid;
    private int validPassed;
    private int invalid;
    private int invalidRejected;
    private int acceptable;
    private final StringBuilder failures = new StringBuilder();

    /**
     * Starts a tally.
     *
     * @param file the vector file
     */
    public Tally(String file) {
      this.file = file;
    }

    /**
     * Records one case.
     *
     * @param test the test case JSON
     * @param accepted whether the implementation accepted it (decrypted / verified / matched)
     */
    public void record(JsonNode test, boolean accepted) {
      String result = test.get("result").asText();
      switch (result) {
        case "valid" -> {
          valid++;
          if (accepted) {
            validPassed++;
          } else {
            failures.append(" valid tcId ").append(test.get("tcId").asInt()).append(" failed;");
          }
        }
        case "invalid" -> {
          invalid++;
          if (!accepted) {
            invalidRejected++;
          } else {
            failures.append(" invalid tcId ").append(test.get("tcId").asInt()).append(" accepted;");
          }
        }
        default -> acceptable++;
      }
    }

    /** One check of a case: accepted or not; a {@link java.security.GeneralSecurityException} means refused. */
    @FunctionalInterface
    public interface Attempt {
      /**
       * Runs the check.
       *
       * @return whether the implementation accepted the case
       * @throws java.security.GeneralSecurityException if it refused the case
       */
      boolean accepted() throws java.security.GeneralSecurityException;
    }

    /**
     * Runs and records one case; an exception from the attempt counts as a refusal.
     *
     * @param test the test case JSON
     * @param attempt the check
     */
    public void record(JsonNode test, Attempt attempt) {
      boolean accepted;
      try {
        accepted = attempt.accepted();
      } catch (java.security.GeneralSecurityException e) {
        accepted = false;
      }
      record(test, accepted);
    }

    /** Prints the counts and asserts all valid cases passed and all invalid ones were rejected. */
    public void check() {
      System.out.printf("Wycheproof %s: valid %d/%d passed, invalid %d/%d rejected, acceptable %d%n",
          file, validPassed, valid, invalidRejected, invalid, acceptable);
      assertThat(valid + invalid).as("cases run from %s", file).isPositive();
      assertThat(failures.toString()).as("cases of %s that went wrong", file).isEmpty();
    }
  }
}
