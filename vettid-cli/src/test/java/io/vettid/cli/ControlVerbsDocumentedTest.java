package io.vettid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** PROTOCOL.md's section on owner control names every verb the vault daemon's control service answers. */
class ControlVerbsDocumentedTest {

  @Test
  void protocolMdNamesEveryControlVerb() throws Exception {
    String doc = Files.readString(CliWalkthroughTest.repositoryRoot().resolve("docs/PROTOCOL.md"));
    String control = doc.substring(doc.indexOf("## 9. Owner control"), doc.indexOf("## 10. Errors"));
    assertThat(VaultDaemon.verbNames()).isNotEmpty();
    for (String verb : VaultDaemon.verbNames()) {
      assertThat(control).as("PROTOCOL.md section 9 names the verb " + verb).contains("`" + verb + "`");
    }
  }
}
