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
}
