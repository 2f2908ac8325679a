package io.vettid.cli;

import static io.vettid.cli.VettidCli.PROBLEM;

import io.vettid.runtime.client.VaultClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs a daemon of the command line ({@code server start}, {@code eventspace-server start}) in the
 * background: the same class path and logging settings, the passphrase handed over on standard
 * input (never on the command line), output appended to a log file; then waits for it to answer.
 */
final class Detached {
  private static final Duration READY_WITHIN = Duration.ofMinutes(3);

  /** Asks the started daemon whether it answers; null while it does not. */
  @FunctionalInterface
  interface Ready {
    String answer() throws Exception;
  }

  /** A daemon that runs until asked to stop. */
  interface Daemon extends AutoCloseable {
    /** Blocks until a stop request. */
    void awaitStop() throws InterruptedException;

    @Override
    void close();
  }

  private Detached() {}

  /**
   * Runs a started daemon in the foreground until it is asked to stop or the JVM shuts down
   * (Ctrl-C), then closes it.
   *
   * @param d the daemon
   * @param started printed once it runs
   * @param stopped printed once it stopped
   * @return {@link VettidCli#OK}
   */
  static int runUntilStopped(Daemon d, String started, String stopped) throws InterruptedException {
    Thread hook = new Thread(d::close, "vettid-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    System.out.println(started);
    System.out.flush();
    d.awaitStop();
    d.close();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down already
    }
    System.out.println(stopped);
    return VettidCli.OK;
  }

  /**
   * Starts the command in the background and waits until it answers.
   *
   * @param what what is started, for messages ("the vault")
   * @param arguments the command's arguments (after the main class), without {@code --passphrase-stdin}
   * @param passphrase the passphrase to hand over, or null (the child reads {@code $VETTID_PASSPHRASE})
   * @param log where the child's output goes
   * @param ready asked every half second; its first answer is printed
   * @return {@link VettidCli#OK}
   * @throws VaultClientException if the child exits or does not answer within 3 minutes
   */
  static int start(String what, List<String> arguments, char[] passphrase, Path log, Ready ready) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("org.slf4j."))
        .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), VettidCli.class.getName()));
    cmd.addAll(arguments);
    if (passphrase != null) {
      cmd.add("--passphrase-stdin");
    }
    java.nio.file.Files.createDirectories(log.toAbsolutePath().getParent());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    if (passphrase != null) {
      p.getOutputStream().write((new String(passphrase) + "\n").getBytes(StandardCharsets.UTF_8));
      Arrays.fill(passphrase, '\0');
    }
    p.getOutputStream().close();
    System.err.print("starting " + what);
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        System.err.println();
        throw new VaultClientException(what + " did not start (exit " + p.exitValue() + "); its log " + log
            + " ends:\n" + tail(log, 12), p.exitValue() == 0 ? PROBLEM : p.exitValue());
      }
      String answer = answer(ready);
      if (answer != null) {
        System.err.println();
        System.out.println(answer);
        return VettidCli.OK;
      }
      System.err.print('.');
      Thread.sleep(500);
    }
    p.destroy();
    throw new VaultClientException(what + " did not answer within 3 minutes; see " + log, PROBLEM);
  }

  private static String answer(Ready ready) {
    try {
      return ready.answer();
    } catch (Exception e) {
      return null; // not answering yet
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = java.nio.file.Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
