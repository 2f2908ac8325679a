package io.vettid.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --qr} and {@code --qr-png FILE}, for the commands that show something to scan in person
 * (an invitation, a safety number). The drawing goes to standard error, so that standard output
 * stays the text alone (for a pipe or a file).
 */
final class QrOptions {
  @Option(names = "--qr", description = "Also draw what is printed as a QR code in the terminal, to scan in person"
      + " (on standard error: standard output stays the text).")
  boolean qr;

  @Option(names = "--qr-png", paramLabel = "FILE", description = "Also write that QR code as a PNG image.")
  Path png;

  /** Checks, before the vault is asked anything, that the PNG can be written where it is named. */
  void check() {
    if (png != null) {
      Inputs.writableFile(png, "--qr-png");
    }
  }

  /** Draws the text's code on standard error, if asked to. */
  void draw(String text) {
    if (qr) {
      System.err.print(QrCodes.terminal(text));
    }
  }

  /** Writes the text's code as a PNG, if asked to, and says where. */
  void write(String text) throws IOException {
    if (png != null) {
      QrCodes.png(text, png);
      System.err.println("QR code written to " + png);
    }
  }
}
