package io.vettid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vettid.cli.VettidCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class VettidCliTest {

  @Test
  void helpListsTheDemoCommand() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new VettidCli()).setOut(new PrintWriter(out));

    int code = cli.execute("--help");

    assertThat(code).isZero();
    assertThat(out.toString()).contains("demo");
  }

  @Test
  void anUnknownOptionIsAUsageError() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new VettidCli()).setErr(new PrintWriter(err));

    assertThat(cli.execute("demo", "--bogus")).isEqualTo(2);
    assertThat(err.toString()).contains("--bogus");
  }

  /**
   * A pending acceptance's id is an invitation id in base64url, and one in 64 starts with '-':
   * {@code vettid invite approve -IhF7...} was refused as an unknown option (a CI run of
   * VettidCommandsTest met one).
   */
  @Test
  void anIdThatStartsWithADashIsTheIdNotAnOption() {
    CommandLine cli = VettidCli.commandLine();
    for (String[] command : new String[][] {{"invite", "approve"}, {"invite", "decline"}, {"inbox", "approve"},
        {"inbox", "deny"}}) {
      CommandLine.ParseResult parsed = cli.parseArgs(command[0], command[1], "-IhF7OtFMfyB86TR6X32Og");
      CommandLine.ParseResult sub = parsed.subcommand().subcommand();
      assertThat(sub.matchedPositionals()).as(String.join(" ", command)).singleElement()
          .satisfies(p -> assertThat((String) p.getValue()).isEqualTo("-IhF7OtFMfyB86TR6X32Og"));
    }
    assertThat(cli.parseArgs("invite", "approve", "--help").subcommand().subcommand().isUsageHelpRequested())
        .as("its own options still work").isTrue();
  }
}
