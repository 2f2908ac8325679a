package io.vettid.cli;

import static io.vettid.cli.VettidCli.OK;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code vettid completion}: the bash completion script. */
@Command(name = "completion", mixinStandardHelpOptions = true,
    description = "Print a bash (and zsh, with bashcompinit) completion script: source <(vettid completion)")
final class CompletionCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.println(picocli.AutoComplete.bash("vettid", new CommandLine(new VettidCli())));
    return OK;
  }
}
