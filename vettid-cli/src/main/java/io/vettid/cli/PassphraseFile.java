package io.vettid.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --passphrase-file} option of the commands that open the vault's sealed files. */
final class PassphraseFile {
  @Option(names = "--passphrase-file", paramLabel = "FILE",
      description = "Read the passphrase from the first line of this file (else $VETTID_PASSPHRASE, else asked).")
  Path path;
}
