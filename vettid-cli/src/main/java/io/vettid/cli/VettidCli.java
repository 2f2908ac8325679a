package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vettid.crypto.Suite;
import io.vettid.runtime.client.VaultClient;
import io.vettid.runtime.client.VaultClientException;
import io.vettid.crypto.Suites;
import io.vettid.nats.server.NatsServerException;
import io.vettid.cli.demo.Demo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code vettid} command line: create a vault, run it, publish EventSpaces and profiles,
 * connect through invitations, send events, and look after rules, the inbox, keys and the
 * quarantine.
 *
 * <pre>{@code
 * vettid --home alice init --name Alice --age-over 18 --location "Berlin area"
 * vettid --home alice server start --detach
 * vettid --home alice eventspace create home
 * vettid --home alice invite home
 * }</pre>
 *
 * <p>A vault lives in its home directory ({@code --home}, or {@code $VETTID_HOME}, or {@code
 * ~/.vettid}). {@code init} and {@code server start} need the passphrase ({@code
 * $VETTID_PASSPHRASE}, or asked at the terminal); every other command asks the running vault
 * through its control service and needs none.
 *
 * <p>Exit codes: {@value #OK} success; {@value #PROBLEM} the command ran but was refused or found a
 * problem (an expired invitation, an unknown connection, lost events); {@value #USAGE} bad usage;
 * {@value #ENVIRONMENT} something is missing from the environment (no vault, the vault is not
 * running, no passphrase, no {@code nats-server}).
 */
@Command(
    name = "vettid",
    mixinStandardHelpOptions = true,
    version = "vettid 0.1.0-SNAPSHOT",
    description = "VettID: Data Vaults and EventSpaces over NATS + JetStream.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:refused, or a problem found (such as lost events)", "2:bad usage",
        "3:something missing: no vault, vault not running, no passphrase, no nats-server"},
    subcommands = {
        VettidCli.DemoCommand.class,
        VettidCli.Init.class,
        VettidCli.Server.class,
        VettidCli.EventSpace.class,
        VettidCli.ProfileCommand.class,
        VettidCli.Invite.class,
        VettidCli.Accept.class,
        VettidCli.ConnectionsCommand.class,
        VettidCli.Send.class,
        VettidCli.Events.class,
        VettidCli.Rules.class,
        VettidCli.Inbox.class,
        VettidCli.Keys.class,
        VettidCli.QuarantineCommand.class,
        VettidCli.Completion.class,
        CommandLine.HelpCommand.class})
public final class VettidCli implements Runnable {
  /** Exit code: success. */
  static final int OK = 0;
  /** Exit code: refused, or the run found a problem. */
  static final int PROBLEM = 1;
  /** Exit code: bad usage. */
  static final int USAGE = 2;
  /** Exit code: the environment lacks something. */
  static final int ENVIRONMENT = 3;

  @Option(names = "--home", paramLabel = "DIR",
      description = "The vault's home directory (default: $VETTID_HOME, else ~/.vettid).")
  Path home;

  @Option(names = "--json", description = "Print the vault's answers as JSON.")
  boolean json;

  @Option(names = "--verbose", description = "Log at INFO to stderr (ids and types only, never payloads or keys).")
  boolean verbose;

  /** Creates the command. */
  public VettidCli() {}

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /**
   * Entry point.
   *
   * @param args command-line arguments
   */
  public static void main(String[] args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      boolean verbose = Arrays.asList(args).contains("--verbose");
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
    }
    System.exit(commandLine().execute(args));
  }

  /**
   * Runs the command line in this JVM (for programs and tests that drive it) and returns its exit
   * code instead of exiting.
   *
   * @param args command-line arguments, as for {@code vettid}
   * @return the exit code: 0 success, 1 refused or a problem, 2 usage, 3 something missing
   */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** {@return the command line, with its exception handlers} */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new VettidCli());
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      PrintStream err = line.getErr() == null ? System.err : new PrintStream(System.err);
      if (e instanceof VaultClientException f) {
        err.println("vettid: " + f.getMessage());
        return f.exitCode();
      }
      if (e instanceof NatsServerException) {
        err.println("vettid: " + e.getMessage());
        return ENVIRONMENT;
      }
      if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
        err.println("vettid: " + e.getMessage());
        return USAGE;
      }
      err.println("vettid: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return PROBLEM;
    });
    return cl;
  }

  VaultHome vaultHome() {
    if (home != null) {
      return new VaultHome(home);
    }
    String env = System.getenv("VETTID_HOME");
    return new VaultHome(env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".vettid"));
  }

  /** The command line's root, from any sub-command. */
  static VettidCli root(CommandSpec spec) {
    return (VettidCli) spec.root().userObject();
  }

  // ------------------------------------------------------------------ helpers

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

  static ObjectNode request(String verb) {
    return VaultHome.JSON.createObjectNode().put("verb", verb);
  }

  static JsonNode parseJson(String what, String text) {
    try {
      return VaultHome.JSON.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(what + " is not JSON: " + e.getOriginalMessage());
    }
  }

  /** A command that asks the running vault one thing and prints the answer. */
  abstract static class VaultRequest implements Callable<Integer> {
    @Spec CommandSpec spec;

    /** {@return the request} */
    abstract ObjectNode request() throws Exception;

    /** Prints a human-readable answer. */
    abstract void print(JsonNode answer, PrintStream out);

    Duration timeout() {
      return Duration.ofSeconds(30);
    }

    /** Where dots go while the vault works on something slow; null for quick requests. */
    PrintStream progress() {
      return null;
    }

    @Override
    public Integer call() throws Exception {
      VettidCli root = root(spec);
      ObjectNode req = request();
      try (VaultClient c = VaultClient.open(root.vaultHome().dir)) {
        JsonNode answer = c.call(req, timeout(), progress());
        if (root.json) {
          ((ObjectNode) answer).remove("ok");
          System.out.println(VaultHome.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
        } else {
          print(answer, System.out);
        }
        return OK;
      }
    }
  }

  // ------------------------------------------------------------------ demo

  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = "Two vaults, alice and bob, on an embedded nats-server: connect, exchange sealed events both ways"
          + " through rules and handlers (one held for approval, one denied, a key rotated mid-stream).")
  static final class DemoCommand implements Callable<Integer> {
    @Option(names = "--chats", defaultValue = "3",
        description = "Chat messages each way before and after the key rotation (default ${DEFAULT-VALUE}).")
    int chats;

    @Override
    public Integer call() throws Exception {
      try {
        Demo.Result r = new Demo(System.out).run(chats);
        return r.lost() == 0 ? OK : PROBLEM;
      } catch (NatsServerException e) {
        System.err.println("vettid demo: " + e.getMessage());
        return ENVIRONMENT;
      } catch (IllegalArgumentException e) {
        System.err.println("vettid demo: " + e.getMessage());
        return USAGE;
      }
    }
  }

  // ------------------------------------------------------------------ init

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Create a vault: an identity key (RSA-4096 by default; this takes a few seconds), a vault"
          + " secret, the vault's own NATS operator and account, TLS certificates, all sealed under the passphrase.")
  static final class Init implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--name", required = true, description = "Your first name, as your profiles show it.")
    String name;

    @Option(names = "--age", description = "Your age, if you want profiles to show it.")
    Integer age;

    @Option(names = "--age-over", description = "An age claim instead of the age, such as 18.")
    Integer ageOver;

    @Option(names = "--location", description = "A generalized location, such as \"Berlin area\".")
    String location;

    @Option(names = "--suite", defaultValue = "VETTID-RSA4096-V1",
        description = "Key suite for the identity and new connections (default ${DEFAULT-VALUE}; one of: "
            + "VETTID-RSA4096-V1, VETTID-MLKEM768-MLDSA65-V1, VETTID-MLKEM1024-MLDSA65-V1, VETTID-ELGAMAL3072-RSA4096-V1).")
    String suite;

    @Option(names = "--host", defaultValue = "127.0.0.1",
        description = "Where the vault's server listens, and what peers connect to (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0", description = "The server's port (default: a free one, kept).")
    int port;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
        description = "Read the passphrase from the first line of this file (else $VETTID_PASSPHRASE, else asked).")
    Path passphraseFile;

    @Override
    public Integer call() throws Exception {
      VaultHome home = root(spec).vaultHome();
      if (home.initialized()) {
        throw new VaultClientException("a vault exists at " + home.dir + " already", PROBLEM);
      }
      if (age == null && ageOver == null) {
        throw new IllegalArgumentException("a profile needs an age or an age claim: give --age or --age-over");
      }
      Suite s = Suites.byName(suite).orElseThrow(() -> new IllegalArgumentException("unknown suite " + suite
          + "; one of " + Suites.all().stream().map(Suite::name).toList()));
      char[] pass = passphrase(true, false, passphraseFile);
      try {
        VaultHome.Config c = VaultInit.run(home, name, age == null ? OptionalInt.empty() : OptionalInt.of(age),
            ageOver == null ? OptionalInt.empty() : OptionalInt.of(ageOver), location, s, host, port, pass,
            System.err);
        System.out.println("vault created in " + home.dir);
        System.out.println("  owner     " + c.name());
        System.out.println("  identity  " + c.identityKeyId());
        System.out.println("  server    tls://" + c.host() + ":" + c.port() + " (start it: vettid --home " + home.dir
            + " server start --detach)");
        return OK;
      } finally {
        Arrays.fill(pass, '\0');
      }
    }
  }

  // ------------------------------------------------------------------ server

  @Command(name = "server", mixinStandardHelpOptions = true, description = "Run, stop or ask after the vault.",
      subcommands = {Server.Start.class, Server.Stop.class, Server.Status.class})
  static final class Server implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }

    @Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start the vault: its own nats-server (TLS, JetStream encrypted at rest), the Manager service,"
            + " Event Watchers, connections and the control service. Runs until stopped, or in the background with"
            + " --detach (log in <home>/vault.log).")
    static final class Start implements Callable<Integer> {
      @Spec CommandSpec spec;

      @Option(names = "--detach", description = "Run in the background and return once the vault answers.")
      boolean detach;

      @Option(names = "--passphrase-stdin", hidden = true)
      boolean passphraseStdin;

      @Option(names = "--passphrase-file", paramLabel = "FILE",
          description = "Read the passphrase from the first line of this file (else $VETTID_PASSPHRASE, else asked).")
      Path passphraseFile;

      @Override
      public Integer call() throws Exception {
        VaultHome home = root(spec).vaultHome();
        if (!home.initialized()) {
          throw new VaultClientException("no vault at " + home.dir + "; create one: vettid --home " + home.dir
              + " init --name <first name> --age-over 18", ENVIRONMENT);
        }
        if (running(home)) {
          throw new VaultClientException("the vault at " + home.dir + " is running already", PROBLEM);
        }
        if (detach) {
          return detach(home);
        }
        char[] pass = passphrase(false, passphraseStdin, passphraseFile);
        VaultDaemon d;
        try {
          d = VaultDaemon.start(home, pass, System.out);
        } catch (java.security.GeneralSecurityException e) {
          throw new VaultClientException("the vault's secrets do not open: wrong passphrase, or vault.sealed was"
              + " altered", PROBLEM);
        } finally {
          Arrays.fill(pass, '\0');
        }
        Thread hook = new Thread(d::close, "vettid-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        System.out.println("vault running at " + d.address().url() + " (pid " + ProcessHandle.current().pid()
            + "); stop it with Ctrl-C or: vettid --home " + home.dir + " server stop");
        System.out.flush();
        d.awaitStop();
        d.close();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // shutting down already
        }
        System.out.println("vault stopped");
        return OK;
      }

      private int detach(VaultHome home) throws Exception {
        char[] pass = System.getenv("VETTID_PASSPHRASE") == null || passphraseFile != null
            ? passphrase(false, false, passphraseFile) : null;
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("org.slf4j."))
            .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), VettidCli.class.getName(), "--home",
            home.dir.toString(), "server", "start"));
        if (pass != null) {
          cmd.add("--passphrase-stdin");
        }
        Files.createDirectories(home.dir);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(home.logFile().toFile()));
        Process p = pb.start();
        if (pass != null) {
          p.getOutputStream().write((new String(pass) + "\n").getBytes(StandardCharsets.UTF_8));
          Arrays.fill(pass, '\0');
        }
        p.getOutputStream().close();
        System.err.print("starting the vault");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
          if (!p.isAlive()) {
            System.err.println();
            throw new VaultClientException("the vault did not start (exit " + p.exitValue() + "); its log "
                + home.logFile() + " ends:\n" + tail(home.logFile(), 12), p.exitValue() == 0 ? PROBLEM : p.exitValue());
          }
          if (Files.isRegularFile(home.controlInfo())) {
            try (VaultClient c = VaultClient.open(home.dir)) {
              JsonNode s = c.call(request("ping"), Duration.ofSeconds(5), null);
              System.err.println();
              System.out.println("vault " + s.path("name").asText() + " running at " + s.path("url").asText() + " (pid "
                  + s.path("pid").asText() + "); log: " + home.logFile() + "; stop: vettid --home " + home.dir
                  + " server stop");
              return OK;
            } catch (VaultClientException e) {
              // not answering yet
            }
          }
          System.err.print('.');
          Thread.sleep(500);
        }
        p.destroy();
        throw new VaultClientException("the vault did not answer within 3 minutes; see " + home.logFile(), PROBLEM);
      }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the running vault.")
    static final class Stop implements Callable<Integer> {
      @Spec CommandSpec spec;

      @Override
      public Integer call() throws Exception {
        VaultHome home = root(spec).vaultHome();
        long pid;
        try (VaultClient c = VaultClient.open(home.dir)) {
          pid = c.call(request("stop"), Duration.ofSeconds(30), null).path("pid").asLong(-1);
          pid = VaultHome.JSON.readTree(Files.readAllBytes(home.controlInfo())).path("pid").asLong(pid);
        }
        ProcessHandle.of(pid).ifPresent(h -> {
          try {
            h.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
          } catch (Exception e) {
            // it goes on stopping
          }
        });
        System.out.println("vault stopped");
        return OK;
      }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show the running vault and its counters.")
    static final class Status extends VaultRequest {
      @Override
      ObjectNode request() {
        return VettidCli.request("status");
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println(a.path("name").asText() + " (" + a.path("guid").asText() + ") at " + a.path("url").asText()
            + ", pid " + a.path("pid").asText() + ", since " + a.path("startedAt").asText());
        out.println("  identity     " + a.path("identity").asText() + " (" + a.path("suite").asText() + ")");
        out.println("  eventspaces  " + a.path("eventSpaces"));
        out.println("  connections  " + a.path("connections").asInt());
        JsonNode c = a.path("counters");
        out.println("  events       received=" + c.path("received") + " handled=" + c.path("handled") + " held="
            + c.path("held") + " dropped=" + c.path("dropped") + " quarantined=" + c.path("quarantined"));
      }
    }
  }

  /** Whether the vault answers; removes the run files of one that died without stopping. */
  static boolean running(VaultHome home) throws IOException {
    if (!Files.isRegularFile(home.controlInfo())) {
      return false;
    }
    long pid = VaultHome.JSON.readTree(Files.readAllBytes(home.controlInfo())).path("pid").asLong(-1);
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      return true;
    }
    Files.deleteIfExists(home.controlInfo());
    Files.deleteIfExists(home.controlCreds());
    return false;
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  // ------------------------------------------------------------------ eventspaces and profiles

  @Command(name = "eventspace", mixinStandardHelpOptions = true, description = "Create and list EventSpaces.",
      subcommands = {EventSpace.Create.class, EventSpace.ListAll.class})
  static final class EventSpace implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create an EventSpace: its deposit queue, its Event Watcher and a signed profile.")
    static final class Create extends VaultRequest {
      @Parameters(paramLabel = "NAME", description = "Lowercase name, such as home.")
      String name;

      @Override
      ObjectNode request() {
        return VettidCli.request("eventspace.create").put("name", name);
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println("EventSpace " + a.path("eventSpace").asText() + " created; deposits on "
            + a.path("deposits").asText() + "; profile signed by " + a.path("profileSignedBy").asText());
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the EventSpaces.")
    static final class ListAll extends VaultRequest {
      @Override
      ObjectNode request() {
        return VettidCli.request("eventspace.list");
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        a.path("eventSpaces").forEach(e -> out.println(e.asText()));
      }
    }
  }

  @Command(name = "profile", mixinStandardHelpOptions = true,
      description = "Publish or show an EventSpace's signed profile.",
      subcommands = {ProfileCommand.Publish.class, ProfileCommand.Show.class})
  static final class ProfileCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Sign and publish the profile of an EventSpace: your identity, shared data, event types,"
            + " trusted links and resources.")
    static final class Publish extends VaultRequest {
      @Parameters(paramLabel = "EVENTSPACE", arity = "0..1", description = "The EventSpace (default: the first).")
      String eventSpace;

      @Option(names = "--share", paramLabel = "FIELD=VALUE", description = "Data to share, such as email=a@b.org.")
      Map<String, String> share = new LinkedHashMap<>();

      @Option(names = "--link", paramLabel = "LABEL=URL", description = "A trusted link, such as blog=https://...")
      Map<String, String> links = new LinkedHashMap<>();

      @Option(names = "--event-type", paramLabel = "TYPE", description = "A further event type you accept.")
      List<String> eventTypes = new ArrayList<>();

      @Option(names = "--resource", paramLabel = "NAME:VERSION:SHA256:URL",
          description = "A trusted resource (such as a handler plugin): name, version, SHA-256 and where it is.")
      List<String> resources = new ArrayList<>();

      @Override
      ObjectNode request() {
        ObjectNode r = VettidCli.request("profile.publish").put("eventSpace", eventSpace);
        share.forEach(r.putObject("share")::put);
        links.forEach(r.putObject("links")::put);
        eventTypes.forEach(r.putArray("eventTypes")::add);
        var res = r.putArray("resources");
        for (String s : resources) {
          String[] p = s.split(":", 4);
          if (p.length != 4) {
            throw new IllegalArgumentException("--resource is NAME:VERSION:SHA256:URL, got " + s);
          }
          res.addObject().put("name", p[0]).put("version", p[1]).put("sha256", p[2]).put("location", p[3]);
        }
        return r;
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println("profile of " + a.path("eventSpace").asText() + " published (" + a.path("bytes").asInt()
            + " bytes, signed by " + a.path("signedBy").asText() + ")");
      }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an EventSpace's profile, verified.")
    static final class Show extends VaultRequest {
      @Parameters(paramLabel = "EVENTSPACE", arity = "0..1", description = "The EventSpace (default: the first).")
      String eventSpace;

      @Override
      ObjectNode request() {
        return VettidCli.request("profile.show").put("eventSpace", eventSpace);
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        JsonNode p = a.path("profile");
        JsonNode o = p.path("owner");
        out.println("profile of " + p.path("eventSpace").asText() + " (signature verified), issued "
            + p.path("issuedAt").asText());
        out.println("  owner        " + o.path("firstName").asText()
            + (o.has("age") ? ", age " + o.path("age").asInt() : "")
            + (o.has("ageOver") ? ", over " + o.path("ageOver").asInt() : "")
            + (o.has("location") ? ", " + o.path("location").asText() : ""));
        out.println("  identity     " + o.path("keyId").asText());
        out.println("  shares       " + p.path("sharedData"));
        out.println("  event types  " + p.path("eventTypes"));
        out.println("  links        " + p.path("links"));
        out.println("  resources    " + p.path("resources"));
      }
    }
  }

  // ------------------------------------------------------------------ invitations

  @Command(name = "invite", mixinStandardHelpOptions = true,
      description = "Invite someone to an EventSpace: prints a single-use invitation (valid 10 minutes in person,"
          + " up to 7 days with --remote). Then take their acceptance with 'invite confirm'.",
      subcommands = {Invite.Confirm.class, Invite.Pending.class, Invite.Approve.class, Invite.Decline.class})
  static final class Invite extends VaultRequest {
    @Parameters(paramLabel = "EVENTSPACE", arity = "0..1", description = "The EventSpace (default: the first).")
    String eventSpace;

    @Option(names = "--remote", description = "Sent remotely: valid up to 7 days; an acceptance waits for your approval.")
    boolean remote;

    @Option(names = "--valid", paramLabel = "DURATION", description = "Validity, such as 5m or 2d.")
    String valid;

    @Override
    ObjectNode request() {
      return VettidCli.request("invite").put("eventSpace", eventSpace).put("remote", remote)
          .put("validSeconds", valid == null ? 0 : duration(valid).toSeconds());
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println(a.path("uri").asText());
      System.err.println("invitation to " + a.path("eventSpace").asText() + ", single use, valid until "
          + a.path("expiresAt").asText() + "; share the line above (as text or QR code), then: vettid invite confirm"
          + " <their acceptance>");
    }

    @Command(name = "confirm", mixinStandardHelpOptions = true,
        description = "Take an invitee's acceptance: checks it, generates this side's connection keys, and prints the"
            + " confirmation to send back (or, for a remote invitation, waits for 'invite approve').")
    static final class Confirm extends VaultRequest {
      @Parameters(paramLabel = "ACCEPTANCE", description = "The vettid-accept:... text, or - to read it from stdin.")
      String message;

      @Override
      ObjectNode request() throws IOException {
        return VettidCli.request("invite.confirm").put("message", orStdin(message));
      }

      @Override
      Duration timeout() {
        return Duration.ofMinutes(3);
      }

      @Override
      PrintStream progress() {
        return System.err;
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        printConfirmed(a, out);
      }
    }

    @Command(name = "pending", mixinStandardHelpOptions = true, description = "List remote acceptances waiting for you.")
    static final class Pending extends VaultRequest {
      @Override
      ObjectNode request() {
        return VettidCli.request("invite.pending");
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        if (a.path("pending").isEmpty()) {
          out.println("no acceptance waits for approval");
        }
        a.path("pending").forEach(p -> out.println(p.path("id").asText() + "  " + p.path("peer").asText() + "  to "
            + p.path("eventSpace").asText() + "  safety number " + p.path("safetyNumber").asText()));
      }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a remote acceptance.")
    static final class Approve extends VaultRequest {
      @Parameters(paramLabel = "ID", description = "Its id (vettid invite pending).")
      String id;

      @Override
      ObjectNode request() {
        return VettidCli.request("invite.approve").put("id", id);
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        printConfirmed(a, out);
      }
    }

    @Command(name = "decline", mixinStandardHelpOptions = true, description = "Decline a remote acceptance.")
    static final class Decline extends VaultRequest {
      @Parameters(paramLabel = "ID", description = "Its id (vettid invite pending).")
      String id;

      @Override
      ObjectNode request() {
        return VettidCli.request("invite.decline").put("id", id);
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println("declined " + a.path("declined").asText());
      }
    }
  }

  static void printConfirmed(JsonNode a, PrintStream out) {
    if (a.has("pending")) {
      out.println("the acceptance waits for your approval: vettid invite approve " + a.path("pending").asText());
      return;
    }
    out.println(a.path("message").asText());
    System.err.println("connected to " + a.path("peer").asText() + " (connection " + a.path("connection").asText()
        + "); send the line above back to them");
    System.err.println("safety number: " + a.path("safetyNumber").asText() + " (compare it with theirs)");
  }

  static String orStdin(String arg) throws IOException {
    if (!"-".equals(arg)) {
      return arg;
    }
    return new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
  }

  @Command(name = "accept", mixinStandardHelpOptions = true,
      description = "Accept an invitation: generates this side's connection keys and prints the acceptance to send"
          + " to the inviter; finish with 'accept complete' and their confirmation.",
      subcommands = {Accept.Complete.class})
  static final class Accept extends VaultRequest {
    @Parameters(paramLabel = "INVITATION", arity = "0..1",
        description = "The vettid:invite?... text, or - to read it from stdin.")
    String uri;

    @Option(names = "--eventspace", paramLabel = "EVENTSPACE",
        description = "Your EventSpace the inviter will deposit on (default: the first).")
    String eventSpace;

    @Override
    ObjectNode request() throws IOException {
      if (uri == null) {
        throw new IllegalArgumentException("give the invitation: vettid accept 'vettid:invite?...'");
      }
      return VettidCli.request("accept").put("uri", orStdin(uri)).put("eventSpace", eventSpace);
    }

    @Override
    Duration timeout() {
      return Duration.ofMinutes(3);
    }

    @Override
    PrintStream progress() {
      return System.err;
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println(a.path("message").asText());
      System.err.println("accepted the invitation of " + a.path("inviter").asText() + " to its EventSpace "
          + a.path("theirEventSpace").asText() + "; send the line above to the inviter, then: vettid accept complete"
          + " <their confirmation>");
    }

    @Command(name = "complete", mixinStandardHelpOptions = true,
        description = "Finish accepting with the inviter's confirmation.")
    static final class Complete extends VaultRequest {
      @Parameters(paramLabel = "CONFIRMATION", description = "The vettid-confirm:... text, or - to read it from stdin.")
      String message;

      @Override
      ObjectNode request() throws IOException {
        return VettidCli.request("accept.complete").put("message", orStdin(message));
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println("connected to " + a.path("peer").asText() + " (connection " + a.path("connection").asText() + ")");
        out.println("safety number: " + a.path("safetyNumber").asText() + " (compare it with theirs)");
      }
    }
  }

  // ------------------------------------------------------------------ connections and sending

  @Command(name = "connections", mixinStandardHelpOptions = true, description = "List or revoke connections.",
      subcommands = {ConnectionsCommand.ListAll.class, ConnectionsCommand.Revoke.class})
  static final class ConnectionsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List connections.")
    static final class ListAll extends VaultRequest {
      @Override
      ObjectNode request() {
        return VettidCli.request("connections.list");
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        if (a.path("connections").isEmpty()) {
          out.println("no connections yet: vettid invite, or vettid accept <invitation>");
        }
        a.path("connections").forEach(c -> out.println(c.path("id").asText() + "  " + c.path("peer").asText() + "  "
            + c.path("suite").asText() + "  identity " + c.path("identity").asText("?") + "\n    safety number "
            + c.path("safetyNumber").asText()));
      }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Revoke a connection: tells the peer, destroys its keys, revokes its NATS user on the server.")
    static final class Revoke extends VaultRequest {
      @Parameters(paramLabel = "CONNECTION", description = "The connection id, or the peer's name.")
      String connection;

      @Override
      ObjectNode request() {
        return VettidCli.request("connections.revoke").put("connection", connection);
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println("revoked " + a.path("revoked").asText() + (a.path("peerTold").asBoolean() ? " (peer told)"
            : " (the peer could not be told)"));
      }
    }
  }

  @Command(name = "send", mixinStandardHelpOptions = true,
      description = "Send an event to a connection, sealed to its key: vettid send Bob chat.message '{\"text\":\"hi\"}'")
  static final class Send extends VaultRequest {
    @Parameters(index = "0", paramLabel = "TO", description = "The connection id, or the peer's name.")
    String to;

    @Parameters(index = "1", paramLabel = "TYPE", description = "The event type, such as chat.message.")
    String type;

    @Parameters(index = "2", paramLabel = "PAYLOAD", arity = "0..1", defaultValue = "{}",
        description = "The payload, a JSON object (default {}).")
    String payload;

    @Override
    ObjectNode request() {
      ObjectNode r = VettidCli.request("send").put("to", to).put("type", type);
      JsonNode p = parseJson("the payload", payload);
      if (!p.isObject()) {
        throw new IllegalArgumentException("the payload must be a JSON object, such as {\"text\": \"hi\"}");
      }
      r.set("payload", p);
      return r;
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      out.println("sent " + type + " to " + a.path("peer").asText() + " (event " + a.path("eventId").asText() + ")");
    }
  }

  @Command(name = "events", mixinStandardHelpOptions = true, description = "Follow what the vault settles.",
      subcommands = {Events.Tail.class})
  static final class Events implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }

    @Command(name = "tail", mixinStandardHelpOptions = true,
        description = "Print the last events the vault settled, then new ones as they come (ids, types, outcomes;"
            + " never payloads). Ends at Ctrl-C, after --count events, or after --timeout.")
    static final class Tail implements Callable<Integer> {
      @Spec CommandSpec spec;

      @Option(names = "--last", defaultValue = "10", description = "Earlier events to show first (default ${DEFAULT-VALUE}).")
      int last;

      @Option(names = "--type", description = "Only events of this type.")
      String type;

      @Option(names = "--count", defaultValue = "0", description = "Stop after this many events (default: never).")
      int count;

      @Option(names = "--timeout", paramLabel = "DURATION", description = "Stop after this long, such as 30s.")
      String timeout;

      @Override
      public Integer call() throws Exception {
        VettidCli root = root(spec);
        Duration limit = timeout == null ? null : duration(timeout);
        java.util.concurrent.BlockingQueue<JsonNode> live = new java.util.concurrent.LinkedBlockingQueue<>();
        try (VaultClient c = VaultClient.open(root.vaultHome().dir)) {
          io.nats.client.Dispatcher d = c.connection().createDispatcher(m -> {
            try {
              live.add(VaultHome.JSON.readTree(m.getData()));
            } catch (IOException e) {
              // not a notice
            }
          });
          d.subscribe(io.vettid.nats.subjects.Subjects.MANAGER_EVENTS.value());
          c.connection().flush(Duration.ofSeconds(5));
          java.util.Set<String> seen = new java.util.HashSet<>();
          int shown = 0;
          for (JsonNode n : c.call(request("events.recent").put("last", last), Duration.ofSeconds(30), null)
              .path("events")) {
            seen.add(n.toString());
            if (show(n, root.json)) {
              shown++;
              if (count > 0 && shown >= count) {
                return OK;
              }
            }
          }
          long deadline = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
          while (System.nanoTime() < deadline) {
            JsonNode n = live.poll(Math.min(1_000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)),
                java.util.concurrent.TimeUnit.MILLISECONDS);
            if (n == null || !seen.add(n.toString())) {
              continue;
            }
            if (show(n, root.json)) {
              shown++;
              if (count > 0 && shown >= count) {
                return OK;
              }
            }
          }
          if (count > 0) {
            System.err.println("vettid: " + shown + " of " + count + " events within " + timeout);
            return PROBLEM;
          }
          return OK;
        }
      }

      private boolean show(JsonNode n, boolean json) {
        if (type != null && !type.equals(n.path("type").asText())) {
          return false;
        }
        System.out.println(json ? n.toString() : EventsFormat.line(n));
        System.out.flush();
        return true;
      }
    }
  }

  // ------------------------------------------------------------------ rules

  @Command(name = "rules", mixinStandardHelpOptions = true,
      description = "The owner's rules: by event type and/or connection, with conditions on payload fields; first"
          + " match wins; no match denies.",
      subcommands = {Rules.Add.class, Rules.ListAll.class, Rules.Remove.class, Rules.Test.class})
  static final class Rules implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
        description = "Add (or replace, by id) a rule, as JSON or with options; it applies to the next event. Example:"
            + " vettid rules add --id chat --event-type chat.message --action handle --handler chat")
    static final class Add extends VaultRequest {
      @Parameters(paramLabel = "RULE", arity = "0..1",
          description = "The rule as a JSON object, such as {\"id\":\"chat\",\"eventType\":\"chat.message\","
              + "\"action\":\"handle\",\"handler\":\"chat\"}.")
      String rule;

      @Option(names = "--id", description = "The rule's id.")
      String id;

      @Option(names = "--event-type", description = "The event type it matches.")
      String eventType;

      @Option(names = "--connection", description = "The connection id it matches.")
      String connection;

      @Option(names = "--action", description = "handle, reply, hold, drop or deny.")
      String action;

      @Option(names = "--handler", description = "The handler (for handle and reply).")
      String handler;

      @Option(names = "--reason", description = "The reason (for deny).")
      String reason;

      @Override
      ObjectNode request() {
        ObjectNode r = VettidCli.request("rules.add");
        if (rule != null) {
          if (id != null || eventType != null || connection != null || action != null || handler != null) {
            throw new IllegalArgumentException("give the rule as JSON or with options, not both");
          }
          r.set("rule", parseJson("the rule", rule));
          return r;
        }
        if (id == null || action == null) {
          throw new IllegalArgumentException("a rule needs --id and --action (or give it as JSON)");
        }
        ObjectNode o = r.putObject("rule").put("id", id);
        if (eventType != null) {
          o.put("eventType", eventType);
        }
        if (connection != null) {
          o.put("connectionId", connection);
        }
        o.put("action", action);
        if (handler != null) {
          o.put("handler", handler);
        }
        if (reason != null) {
          o.put("reason", reason);
        }
        return r;
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println((a.path("replaced").asBoolean() ? "replaced rule " : "added rule ") + a.path("id").asText() + " ("
            + a.path("rules").asInt() + " rules)");
      }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the rules, in the order they apply.")
    static final class ListAll extends VaultRequest {
      @Override
      ObjectNode request() {
        return VettidCli.request("rules.list");
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        a.path("rules").forEach(r -> out.println(r.toString()));
        out.println("(anything no rule matches is denied)");
      }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a rule by its id.")
    static final class Remove extends VaultRequest {
      @Parameters(paramLabel = "ID", description = "The rule's id.")
      String id;

      @Override
      ObjectNode request() {
        return VettidCli.request("rules.remove").put("id", id);
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println("removed rule " + a.path("removed").asText() + " (" + a.path("rules").asInt() + " rules)");
      }
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
        description = "Dry-run an event against the rules and show the decision; nothing is sent or handled.")
    static final class Test extends VaultRequest {
      @Parameters(index = "0", paramLabel = "TYPE", description = "The event type.")
      String type;

      @Parameters(index = "1", paramLabel = "PAYLOAD", arity = "0..1", defaultValue = "{}",
          description = "The payload, a JSON object (default {}).")
      String payload;

      @Option(names = "--from", paramLabel = "CONNECTION", description = "The connection id or peer it comes from.")
      String from;

      @Override
      ObjectNode request() {
        ObjectNode r = VettidCli.request("rules.test").put("type", type);
        if (from != null) {
          r.put("connection", from);
        }
        r.set("payload", parseJson("the payload", payload));
        return r;
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println(a.path("action").asText() + (a.has("rule") ? " by rule " + a.path("rule").asText() : "")
            + (a.has("handler") ? " with handler " + a.path("handler").asText() : "") + " (" + a.path("reason").asText()
            + ")");
      }
    }
  }

  // ------------------------------------------------------------------ inbox, keys, quarantine

  @Command(name = "inbox", mixinStandardHelpOptions = true, description = "Events your rules held for your approval.",
      subcommands = {Inbox.ListAll.class, Inbox.Approve.class, Inbox.Deny.class})
  static final class Inbox extends VaultRequest {
    @Override
    ObjectNode request() {
      return VettidCli.request("inbox.list");
    }

    @Override
    void print(JsonNode a, PrintStream out) {
      printInbox(a, out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List held events.")
    static final class ListAll extends VaultRequest {
      @Override
      ObjectNode request() {
        return VettidCli.request("inbox.list");
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        printInbox(a, out);
      }
    }

    @Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a held event: it is handled.")
    static final class Approve extends VaultRequest {
      @Parameters(paramLabel = "ID", description = "Its id (vettid inbox list).")
      String id;

      @Override
      ObjectNode request() {
        return VettidCli.request("inbox.approve").put("id", id);
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println("approved " + a.path("approved").asText());
      }
    }

    @Command(name = "deny", mixinStandardHelpOptions = true, description = "Deny a held event: it is quarantined.")
    static final class Deny extends VaultRequest {
      @Parameters(paramLabel = "ID", description = "Its id (vettid inbox list).")
      String id;

      @Override
      ObjectNode request() {
        return VettidCli.request("inbox.deny").put("id", id);
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println("denied " + a.path("denied").asText());
      }
    }
  }

  static void printInbox(JsonNode a, PrintStream out) {
    if (a.path("held").isEmpty()) {
      out.println("nothing waits for your approval");
    }
    a.path("held").forEach(h -> out.println(h.path("id").asText() + "  " + h.path("type").asText() + " from "
        + h.path("from").asText() + "  (rule " + h.path("rule").asText() + ", " + h.path("heldAt").asText()
        + (h.path("approved").asBoolean() ? ", approved" : "") + ")"));
  }

  @Command(name = "keys", mixinStandardHelpOptions = true, description = "The vault's keys by keyID.",
      subcommands = {Keys.ListAll.class, Keys.Rotate.class})
  static final class Keys implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "List the identity key and each connection's current wrapping key (keyIDs only).")
    static final class ListAll extends VaultRequest {
      @Override
      ObjectNode request() {
        return VettidCli.request("keys.list");
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println("identity  " + a.path("identity").path("keyId").asText() + " ("
            + a.path("identity").path("algorithm").asText() + ")");
        a.path("connections").forEach(c -> out.println(c.path("connection").asText() + "  " + c.path("peer").asText()
            + "  wrapping " + c.path("wrapping").asText() + " (" + c.path("suite").asText() + ")"));
      }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
        description = "Rotate a connection's key pair and NATS user now (they also rotate every 30 days); the peer"
            + " acknowledges, and the old key still opens events for 10 minutes after that.")
    static final class Rotate extends VaultRequest {
      @Parameters(paramLabel = "CONNECTION", description = "The connection id, or the peer's name.")
      String connection;

      @Override
      ObjectNode request() {
        return VettidCli.request("keys.rotate").put("connection", connection);
      }

      @Override
      Duration timeout() {
        return Duration.ofMinutes(2);
      }

      @Override
      PrintStream progress() {
        return System.err;
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        out.println("connection " + a.path("connection").asText() + ": new wrapping key " + a.path("wrapping").asText()
            + "; rotation announced to the peer");
      }
    }
  }

  @Command(name = "quarantine", mixinStandardHelpOptions = true,
      description = "Events that failed a check, kept as received with their reason.",
      subcommands = {QuarantineCommand.ListAll.class, QuarantineCommand.Replay.class})
  static final class QuarantineCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List quarantined events.")
    static final class ListAll extends VaultRequest {
      @Option(names = "--limit", defaultValue = "20", description = "At most this many (default ${DEFAULT-VALUE}).")
      int limit;

      @Override
      ObjectNode request() {
        return VettidCli.request("quarantine.list").put("limit", limit);
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        if (a.path("quarantined").isEmpty()) {
          out.println("the quarantine is empty");
        }
        a.path("quarantined").forEach(q -> out.println(q.path("sequence").asLong() + "  " + q.path("reason").asText()
            + "  from " + q.path("source").asText() + "  " + q.path("time").asText() + "  " + q.path("bytes").asInt()
            + " bytes" + (q.path("detail").asText().isEmpty() ? "" : "\n    " + q.path("detail").asText())));
      }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Put quarantined events back where they came from, after you fixed the cause (such as a"
            + " missing rule); each goes through every check again. Name one by its sequence, or all of a reason.")
    static final class Replay extends VaultRequest {
      @Parameters(paramLabel = "SEQUENCE", arity = "0..1", description = "Its sequence (vettid quarantine list).")
      Long sequence;

      @Option(names = "--reason", description = "Every quarantined event with this reason, such as NO_MATCHING_RULE.")
      String reason;

      @Override
      ObjectNode request() {
        if ((sequence == null) == (reason == null)) {
          throw new IllegalArgumentException("name a sequence or a --reason (vettid quarantine list)");
        }
        ObjectNode r = VettidCli.request("quarantine.replay");
        return sequence != null ? r.put("sequence", sequence) : r.put("reason", reason);
      }

      @Override
      void print(JsonNode a, PrintStream out) {
        a.path("replayed").forEach(q -> out.println("replayed " + q.path("sequence").asLong() + " ("
            + q.path("reason").asText() + ") to " + q.path("to").asText()));
      }
    }
  }

  // ------------------------------------------------------------------ completion

  @Command(name = "completion", mixinStandardHelpOptions = true,
      description = "Print a bash (and zsh, with bashcompinit) completion script: source <(vettid completion)")
  static final class Completion implements Callable<Integer> {
    @Override
    public Integer call() {
      System.out.println(picocli.AutoComplete.bash("vettid", new CommandLine(new VettidCli())));
      return OK;
    }
  }
}
