package io.vettid.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.vettid.runtime.client.ControlEndpoint;
import io.vettid.runtime.client.ProfileEndpoints;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vettid profile publish | show}: an EventSpace's signed profile. */
@Command(name = "profile", mixinStandardHelpOptions = true,
    description = "Publish or show an EventSpace's signed profile.",
    subcommands = {ProfileCommand.Publish.class, ProfileCommand.Show.class})
final class ProfileCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "publish", mixinStandardHelpOptions = true,
      description = "Sign and publish the profile of an EventSpace: your identity, shared data, event types,"
          + " trusted links and resources.")
  static final class Publish extends VaultRequest<ProfileEndpoints.Publish, ProfileEndpoints.Published> {
    Publish() {
      super(ProfileEndpoints.PUBLISH);
    }

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
    ProfileEndpoints.Publish request() {
      List<ProfileEndpoints.Resource> res = new ArrayList<>();
      for (String s : resources) {
        String[] p = s.split(":", 4);
        if (p.length != 4) {
          throw new IllegalArgumentException("--resource is NAME:VERSION:SHA256:URL, got " + s);
        }
        res.add(new ProfileEndpoints.Resource(p[0], p[1], p[3], p[2]));
      }
      return new ProfileEndpoints.Publish(eventSpace, share, links, eventTypes, res);
    }

    @Override
    void print(ProfileEndpoints.Published a, PrintStream out) {
      out.println("profile of " + a.eventSpace() + " published (" + a.bytes() + " bytes, signed by " + a.signedBy()
          + ")");
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an EventSpace's profile, verified.")
  static final class Show extends VaultRequest<ControlEndpoint.ByEventSpace, ProfileEndpoints.Shown> {
    Show() {
      super(ProfileEndpoints.SHOW);
    }

    @Parameters(paramLabel = "EVENTSPACE", arity = "0..1", description = "The EventSpace (default: the first).")
    String eventSpace;

    @Override
    ControlEndpoint.ByEventSpace request() {
      return new ControlEndpoint.ByEventSpace(eventSpace);
    }

    @Override
    void print(ProfileEndpoints.Shown a, PrintStream out) {
      JsonNode p = a.profile();
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
